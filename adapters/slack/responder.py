"""Answering a Slack event in place: messages, ephemeral notes, modals and the App Home."""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import conversation, is_dm
from adapters.slack.messenger import API_ERRORS, send_error, update_message
from adapters.slack.render import fallback_text, render_blocks, render_modal
from bot.cards import Actions, Button, Card, Form, Text
from bot.events import MessageRef
from bot.ports import Upload

log = logging.getLogger(__name__)
FORM_TTL = 900.0
FORM_ACTION = "slack.form"
Say = Callable[..., str]
Respond = Callable[..., Awaitable[object]]
Ack = Callable[..., Awaitable[object]]


def as_card(message: Card | str) -> Card:
    return message if isinstance(message, Card) else Card(message, (Text(message),))


@dataclass
class PendingForms:
    """Forms opened where Slack gives no trigger_id (a DM): kept until their button is pressed.

    In memory: a click landing on another replica finds nothing and is asked to retry."""

    limit: int = 1000
    _forms: OrderedDict[str, tuple[float, Form]] = field(default_factory=OrderedDict)

    def keep(self, form: Form) -> str:
        key = secrets.token_urlsafe(12)
        self._forms[key] = (time.monotonic(), form)
        while len(self._forms) > self.limit:
            self._forms.popitem(last=False)
        return key

    def take(self, key: str) -> Form | None:
        found = self._forms.pop(key, None)
        if found is None or time.monotonic() - found[0] > FORM_TTL:
            return None
        return found[1]


@dataclass
class SlackResponder:
    """Where replies go depends on the event: the App Home view; in a channel, a slash
    command's response_url or, for a short notice after a button press, an ephemeral message
    (only that person sees it) and else the channel; everywhere else the person's DM with
    the bot, as a normal message: ephemeral ones vanish on reload and never reach the mobile
    app, and a person who stopped must keep a trace of it."""

    client: AsyncWebClient
    team: str
    user_id: str
    say: Say
    forms: PendingForms
    channel_id: str | None = None
    trigger_id: str | None = None
    respond: Respond | None = None
    home: bool = False
    ack: Ack | None = None  # a modal's submission, not acknowledged yet

    async def settle(self) -> None:
        """Acknowledge the modal's submission (which closes it), once."""
        if self.ack is not None:
            ack, self.ack = self.ack, None
            await ack()

    async def refuse(self, form: Form) -> bool:
        """Inside a modal's submission: its errors beside their inputs, the modal kept open."""
        names = {spec.name for spec in form.inputs}
        errors = {name: message for name, message in form.errors.items() if name in names}
        if self.ack is None or not errors:
            return False
        ack, self.ack = self.ack, None
        await ack(response_action="errors", errors=errors)
        return True

    @property
    def channel(self) -> str | None:
        """The channel the event came from; None in a DM (the bot's or between people)."""
        return None if is_dm(self.channel_id) else self.channel_id

    async def reply(self, message: Card | str) -> MessageRef | None:
        await self.settle()
        card = as_card(message)
        blocks, text = render_blocks(card), fallback_text(card)
        try:
            if self.home:
                await self.client.views_publish(user_id=self.user_id,
                                                view={"type": "home", "blocks": blocks})
                return None
            channel = self.channel
            if channel and self.respond is not None:
                await self.respond(text=text, blocks=blocks, response_type="ephemeral")
                return None
            if channel and isinstance(message, str):
                await self.client.chat_postEphemeral(channel=channel, user=self.user_id,
                                                     text=text, blocks=blocks)
                return None
            # A user id as channel is their DM with the bot, wherever a DM command was typed.
            response = await self.client.chat_postMessage(
                channel=channel or self.user_id, text=text, blocks=blocks,
                unfurl_links=False, unfurl_media=False)
        except API_ERRORS as error:
            raise send_error(error) from error
        return MessageRef(conversation(self.team, str(response["channel"])),
                          str(response["ts"]))

    async def update(self, ref: MessageRef, card: Card) -> None:
        await self.settle()
        await update_message(self.client, ref, card)

    async def open_form(self, form: Form) -> None:
        await self.settle()
        if self.trigger_id:
            trigger, self.trigger_id = self.trigger_id, None  # a trigger works once
            try:
                await self.client.views_open(trigger_id=trigger, view=render_modal(
                    form, callback_id=form.form_id, private_metadata=form.private,
                    close_label=self.say("common.cancel")))
            except API_ERRORS as error:
                raise send_error(error) from error
            return
        key = self.forms.keep(form)
        await self.reply(Card(self.say("common.form_button"), (
            Text(self.say("common.form_ready", title=form.title)),
            Actions((Button(self.say("common.form_button"), FORM_ACTION, key, "primary"),)),
        )))

    async def upload(self, files: list[Upload], comment: str) -> bool:
        """files_upload_v2 into the person's DM, by its channel id (Slack shares files in a
        conversation, not to a user id); False when Slack refuses (no files:write scope)."""
        await self.settle()
        try:
            opened = await self.client.conversations_open(users=self.user_id)
            await self.client.files_upload_v2(
                file_uploads=[{"filename": name, "content": content, "title": title}
                              for name, content, title in files],
                channel=str(opened["channel"]["id"]), initial_comment=comment)
        except (*API_ERRORS, SlackRequestError) as error:
            log.warning("files not uploaded to Slack (%s): links offered instead", error)
            return False
        return True
