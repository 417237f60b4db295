"""Slack payloads to neutral events: pure functions over the bodies Bolt hands us."""

from __future__ import annotations

import html
from typing import Any

from bot.events import (
    Actor,
    CardAction,
    Command,
    ConversationRef,
    DirectMessage,
    FormSubmitted,
    MessageRef,
)

PLATFORM = "slack"
COMMAND = "/voix"
# Subtypes that are still a person's own words (a file with a comment, a thread reply also
# sent to the channel); every other subtype is an edit, a deletion, a join or a bot.
_TYPED_SUBTYPES = {"file_share", "thread_broadcast"}


class BadPayload(ValueError):
    """The payload lacks what every Slack payload of its kind carries."""


def _get(data: dict[str, Any], *path: str) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise BadPayload("missing " + ".".join(path))
        value = value[key]
    return value


def _field(value: object, key: str) -> object:
    """`key` of an object, or the value itself when Slack sent the id alone."""
    return value.get(key) if isinstance(value, dict) else value if key == "id" else None


def team_id(body: dict[str, Any]) -> str:
    """The workspace of any payload: events, commands and interactivity differ."""
    found = body.get("team_id") or _field(body.get("team"), "id") \
        or _field(body.get("user"), "team_id")
    if not isinstance(found, str) or not found:
        raise BadPayload("no team id")
    return found


def conversation(team: str, channel_id: str) -> ConversationRef:
    return ConversationRef(PLATFORM, team, channel_id)


def joined_channel(body: dict[str, Any], team: str) -> ConversationRef:
    """The channel of a member_joined_channel event."""
    return conversation(team, str(_get(body, "event", "channel")))


def user_dm(team: str, user_id: str) -> ConversationRef:
    """chat.postMessage to a user id lands in their DM with the bot."""
    return ConversationRef(PLATFORM, team, user_id)


def direct_message(body: dict[str, Any], actor: Actor) -> DirectMessage | None:
    """A person's message in their DM with the bot; None for channel messages and noise."""
    event = _get(body, "event")
    if not typed_in_dm(event):
        return None
    # Slack escapes &, < and > in message text; the core wants what the person typed.
    text = html.unescape(str(event.get("text") or ""))
    return DirectMessage(actor, text, conversation(actor.workspace_id, _get(event, "channel")))


def command(body: dict[str, Any], actor: Actor) -> Command:
    text = html.unescape(str(body.get("text") or ""))
    return Command(actor, text, conversation(actor.workspace_id, _get(body, "channel_id")))


def _message_ref(body: dict[str, Any], team: str) -> MessageRef | None:
    container = body.get("container") or {}
    if container.get("type") == "message" and container.get("channel_id") \
            and container.get("message_ts"):
        return MessageRef(conversation(team, container["channel_id"]), container["message_ts"])
    return None


def card_action(body: dict[str, Any], actor: Actor, base_action_id: Any) -> CardAction | None:
    """The first action of a block_actions payload; None for link buttons and choices made
    (nothing to do until a button is pressed)."""
    actions = _get(body, "actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise BadPayload("no action")
    action = actions[0]
    if action.get("url") or action.get("type") == "radio_buttons":
        return None  # a link opened, or an idea picked before its button is pressed
    ref = _message_ref(body, actor.workspace_id)
    where = ref.conversation if ref else user_dm(actor.workspace_id, actor.user_id)
    return CardAction(actor, base_action_id(str(_get(action, "action_id"))),
                      str(action.get("value") or ""), where, ref)


def form_submitted(body: dict[str, Any], actor: Actor,
                   values: dict[str, str]) -> FormSubmitted:
    view = _get(body, "view")
    return FormSubmitted(actor, str(_get(view, "callback_id")), values,
                         str(view.get("private_metadata") or ""),
                         user_dm(actor.workspace_id, actor.user_id))


def user_id(body: dict[str, Any]) -> str:
    """Who acted, in every payload shape Slack uses."""
    event = body.get("event")
    found = (_field(event.get("user"), "id") if isinstance(event, dict) else None) \
        or body.get("user_id") or _field(body.get("user"), "id")
    if not isinstance(found, str) or not found:
        raise BadPayload("no user")
    return found


def is_dm(channel_id: str | None) -> bool:
    """Slack's direct-message conversations have ids starting with D."""
    return bool(channel_id) and str(channel_id).startswith("D")


def typed_in_dm(event: dict[str, Any], bot_user_id: str | None = None) -> bool:
    """A message someone typed in their DM with the bot, not an edit, a deletion, a join or a
    bot's (ours included): those carry another subtype, a bot_id, or no top-level user."""
    user = event.get("user")
    subtype = event.get("subtype")
    return event.get("channel_type") == "im" and not event.get("bot_id") \
        and (subtype is None or subtype in _TYPED_SUBTYPES) \
        and isinstance(user, str) and bool(user) and user != bot_user_id


def replay_keys(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The (namespace, id) pairs a payload is remembered by, so that it is handled once:
    an event's event_id (Slack retries events), a command's or interaction's trigger_id
    (unique per invocation; Slack never retries those, so a repeat is a replay), and a
    button press's person, action and action_ts."""
    keys: list[tuple[str, str]] = []
    if body.get("type") == "event_callback" and isinstance(body.get("event_id"), str):
        keys.append((PLATFORM, body["event_id"]))
    trigger = body.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        keys.append((PLATFORM + "-trigger", trigger))
    actions = body.get("actions")
    if body.get("type") == "block_actions" and isinstance(actions, list) and actions \
            and isinstance(actions[0], dict):
        action = actions[0]
        stamp, action_id = action.get("action_ts"), action.get("action_id")
        if isinstance(stamp, str) and stamp and isinstance(action_id, str):
            keys.append((PLATFORM + "-action",
                         " ".join((team_id(body), user_id(body), action_id, stamp))))
    return keys
