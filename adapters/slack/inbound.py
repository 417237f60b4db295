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
_SKIPPED_SUBTYPES = {"bot_message", "message_changed", "message_deleted", "channel_join"}


class BadPayload(ValueError):
    """The payload lacks what every Slack payload of its kind carries."""


def _get(data: dict[str, Any], *path: str) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise BadPayload("missing " + ".".join(path))
        value = value[key]
    return value


def team_id(body: dict[str, Any]) -> str:
    """The workspace of any payload: events, commands and interactivity differ."""
    found = body.get("team_id") or (body.get("team") or {}).get("id") \
        or (body.get("user") or {}).get("team_id")
    if not found:
        raise BadPayload("no team id")
    return str(found)


def conversation(team: str, channel_id: str) -> ConversationRef:
    return ConversationRef(PLATFORM, team, channel_id)


def user_dm(team: str, user_id: str) -> ConversationRef:
    """chat.postMessage to a user id lands in their DM with the bot."""
    return ConversationRef(PLATFORM, team, user_id)


def direct_message(body: dict[str, Any], actor: Actor) -> DirectMessage | None:
    """A person's message in their DM with the bot; None for edits, bots and other noise."""
    event = _get(body, "event")
    if event.get("channel_type") != "im" or event.get("subtype") in _SKIPPED_SUBTYPES:
        return None
    if event.get("bot_id") or not event.get("user"):
        return None
    # Slack escapes &, < and > in message text; the core wants what the person typed.
    text = html.unescape(str(event.get("text") or ""))
    return DirectMessage(actor, text, conversation(actor.workspace_id, _get(event, "channel")))


def command(body: dict[str, Any], actor: Actor) -> Command:
    text = html.unescape(str(body.get("text") or ""))
    return Command(actor, text, conversation(actor.workspace_id, _get(body, "channel_id")))


def _message_ref(body: dict[str, Any], team: str) -> MessageRef | None:
    container = body.get("container") or {}
    if container.get("type") == "message" and container.get("channel_id"):
        return MessageRef(conversation(team, container["channel_id"]), container["message_ts"])
    return None


def card_action(body: dict[str, Any], actor: Actor, base_action_id: Any) -> CardAction | None:
    """The first action of a block_actions payload; None for link buttons (nothing to do)."""
    actions = _get(body, "actions")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise BadPayload("no action")
    action = actions[0]
    if action.get("url"):
        return None
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


def shape_problem(body: object) -> str | None:
    """Why a parsed Slack body cannot be handled, or None; checked before Bolt sees it."""
    if not isinstance(body, dict):
        return "body is not an object"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback without an event"
    elif kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict) \
                or not isinstance(actions[0].get("action_id"), str):
            return "block_actions without an action"
    elif kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
            return f"{kind} without a view"
    elif kind is None and "command" in body and not (
            isinstance(body.get("user_id"), str) and isinstance(body.get("command"), str)):
        return "command without a user"
    for key in ("user", "team", "container"):
        if key in body and body[key] is not None and not isinstance(body[key], dict | str):
            return f"malformed {key}"
    return None


def user_id(body: dict[str, Any]) -> str:
    """Who acted, in every payload shape Slack uses."""
    found = (body.get("event") or {}).get("user") or body.get("user_id") \
        or (body.get("user") or {}).get("id")
    if not isinstance(found, str) or not found:
        raise BadPayload("no user")
    return found
