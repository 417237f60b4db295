"""The console platform in memory: conversations, a messenger, a responder and a driver."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from bot.cards import Button, Card, Form, Input, Toggle
from bot.dispatch import Bot
from bot.events import (
    Actor,
    CardAction,
    Command,
    ConversationRef,
    DirectMessage,
    FormSubmitted,
    HomeOpened,
    MemberJoined,
    MessageRef,
)
from bot.ports import SendError, Upload

PLATFORM = "console"
WORKSPACE = "local"
COMMAND = "/voix"


@dataclass
class Message:
    id: str
    body: Card | str
    proactive: bool = False


@dataclass
class Profile:
    name: str
    locale: str = "en"
    timezone: str = "Europe/Paris"


class ConsoleMessenger:
    """Proactive sends into in-memory conversations; `unreachable` users fail permanently."""

    platform = PLATFORM
    rate_per_target: float | None = None
    rate_per_workspace: float | None = None
    lookup_rate_per_workspace: float | None = None

    def __init__(self) -> None:
        self.conversations: dict[str, list[Message]] = {}
        self.sent_keys: list[str] = []
        self.sent_by_key: dict[str, MessageRef] = {}
        self.unreachable: set[str] = set()
        self.listeners: list = []
        self._ids = itertools.count(1)

    def post(self, conversation_id: str, body: Card | str, proactive: bool = False) -> MessageRef:
        message = Message(str(next(self._ids)), body, proactive)
        self.conversations.setdefault(conversation_id, []).append(message)
        for listener in self.listeners:
            listener(conversation_id, message)
        return MessageRef(conversation_ref(conversation_id), message.id)

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        if target.conversation_id in self.unreachable:
            raise SendError("permanent", "user_not_found")
        self.sent_keys.append(key)
        sent = self.sent_by_key[key] = self.post(target.conversation_id, card, proactive=True)
        return sent

    async def find_sent(self, target: ConversationRef, key: str, since: datetime,
                        until: datetime | None = None) -> MessageRef | None:
        """What this process sent under `key` to `target` (the console keeps no clock)."""
        sent = self.sent_by_key.get(key)
        if sent is None or sent.conversation.conversation_id != target.conversation_id:
            return None
        return sent

    async def update(self, ref: MessageRef, card: Card) -> None:
        for message in self.conversations.get(ref.conversation.conversation_id, []):
            if message.id == ref.message_id:
                message.body = card


def conversation_ref(conversation_id: str) -> ConversationRef:
    return ConversationRef(PLATFORM, WORKSPACE, conversation_id)


def as_typed(spec: Input) -> str:
    """An input's current value as a platform sends it back."""
    if isinstance(spec, Toggle):
        return "true" if spec.value else "false"
    return spec.value or ""


def dm_id(user: str) -> str:
    return f"dm:{user}"


class ConsoleResponder:
    def __init__(self, console: Console, user: str, conversation: ConversationRef) -> None:
        self.console = console
        self.user = user
        self.conversation = conversation

    async def reply(self, message: Card | str) -> MessageRef | None:
        return self.console.messenger.post(self.conversation.conversation_id, message)

    async def update(self, ref: MessageRef, card: Card) -> None:
        await self.console.messenger.update(ref, card)

    async def open_form(self, form: Form) -> None:
        self.console.forms[self.user] = form

    async def refuse(self, form: Form) -> bool:
        """The refusal as a message, and the form open again with what was typed."""
        self.console.forms[self.user] = form
        self.console.messenger.post(self.conversation.conversation_id,
                                    "\n".join(form.errors.values()))
        return True

    async def upload(self, files: list[Upload], comment: str) -> bool:
        """A terminal has nowhere to put a file: the core sends download links instead."""
        return False


@dataclass
class Console:
    """Drives the bot as people would: say, click, fill forms, join channels."""

    bot: Bot
    messenger: ConsoleMessenger
    profiles: dict[str, Profile] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)

    def actor(self, user: str) -> Actor:
        profile = self.profiles.setdefault(user, Profile(user))
        return Actor(PLATFORM, WORKSPACE, user, profile.name, profile.locale, profile.timezone,
                     dm=conversation_ref(dm_id(user)))

    def dm(self, user: str) -> list[Message]:
        return self.messenger.conversations.get(dm_id(user), [])

    def last(self, user: str) -> Card | str:
        return self.dm(user)[-1].body

    def _responder(self, user: str, conversation: ConversationRef) -> ConsoleResponder:
        return ConsoleResponder(self, user, conversation)

    async def say(self, user: str, text: str) -> None:
        """A DM, or a slash command when it starts with /voix."""
        conversation = conversation_ref(dm_id(user))
        responder = self._responder(user, conversation)
        if text.strip().lower().startswith(COMMAND):
            command = text.strip()[len(COMMAND):].strip()
            await self.bot.dispatch(Command(self.actor(user), command, conversation), responder)
        else:
            await self.bot.dispatch(DirectMessage(self.actor(user), text, conversation), responder)

    def buttons(self, user: str) -> list[tuple[MessageRef, Button]]:
        """The buttons of the latest message in the user's DM that has any."""
        for message in reversed(self.dm(user)):
            if isinstance(message.body, Card) and message.body.buttons():
                ref = MessageRef(conversation_ref(dm_id(user)), message.id)
                return [(ref, button) for button in message.body.buttons()]
        return []

    async def click(self, user: str, which: int | str) -> str | None:
        """Press button number `which` (from 1) or the first whose label contains it.

        Returns the URL for link buttons (nothing is sent to the bot for those)."""
        choices = self.buttons(user)
        if isinstance(which, int):
            if not 1 <= which <= len(choices):
                raise LookupError(f"no button {which}")
            ref, button = choices[which - 1]
        else:
            matches = [c for c in choices if which.lower() in c[1].label.lower()]
            if not matches:
                raise LookupError(f"no button labelled {which!r}")
            ref, button = matches[0]
        if button.url:
            return button.url
        await self.press(user, button.action_id, button.value, ref)
        return None

    async def press(self, user: str, action_id: str, value: str,
                    ref: MessageRef | None = None) -> None:
        conversation = conversation_ref(dm_id(user))
        await self.bot.dispatch(CardAction(self.actor(user), action_id, value, conversation, ref),
                                self._responder(user, conversation))

    async def submit(self, user: str, **values: str) -> None:
        """Submit the user's open form: given values over the prefilled ones."""
        form = self.forms.pop(user)
        filled: dict[str, str] = {}
        for field_ in form.inputs:
            filled[field_.name] = values.get(field_.name, as_typed(field_))
        conversation = conversation_ref(dm_id(user))
        await self.bot.dispatch(
            FormSubmitted(self.actor(user), form.form_id, filled, form.private, conversation),
            self._responder(user, conversation))

    async def open_home(self, user: str) -> None:
        """What Slack's App Home shows; on the console the home card arrives in the DM."""
        conversation = conversation_ref(dm_id(user))
        await self.bot.dispatch(HomeOpened(self.actor(user)), self._responder(user, conversation))

    async def join_channel(self, user: str, channel: str) -> None:
        name = "#" + channel.lstrip("#")
        ref = conversation_ref(name)
        await self.bot.dispatch(MemberJoined(self.actor(user), ref, name),
                                self._responder(user, ref))
