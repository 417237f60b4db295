"""Neutral inbound events that adapters build from platform payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ConversationRef:
    """Where to reach someone: a DM or a channel, with the platform's own reference data."""

    platform: str
    workspace_id: str
    conversation_id: str
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class MessageRef:
    """A message the bot sent, so that it can be updated in place."""

    conversation: ConversationRef
    message_id: str


@dataclass(frozen=True)
class Actor:
    """The person behind an event, as the platform describes them."""

    platform: str
    workspace_id: str
    user_id: str
    display_name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    email: str | None = None
    # Where to reach this person privately later (nudges), when the platform tells us.
    dm: ConversationRef | None = None
    # Their role as their platform profile gives it (Slack's title); "" when they set none,
    # None when the platform does not say (Teams activities, the console).
    job_title: str | None = None


@dataclass(frozen=True)
class DirectMessage:
    """A message written to the bot in a one-to-one conversation."""

    actor: Actor
    text: str
    conversation: ConversationRef


@dataclass(frozen=True)
class Command:
    """An admin or volunteer command (`/voix ...`), text without the command name."""

    actor: Actor
    text: str
    conversation: ConversationRef


@dataclass(frozen=True)
class CardAction:
    """A button pressed on a card the bot sent."""

    actor: Actor
    action_id: str
    value: str
    conversation: ConversationRef
    message: MessageRef | None = None


@dataclass(frozen=True)
class FormSubmitted:
    """A form (modal or inline card) submitted with its values."""

    actor: Actor
    form_id: str
    values: dict[str, str]
    private: str
    conversation: ConversationRef
    message: MessageRef | None = None


@dataclass(frozen=True)
class MemberJoined:
    """Someone joined a channel where the bot lives: that channel is their team."""

    actor: Actor
    channel: ConversationRef
    channel_name: str


@dataclass(frozen=True)
class HomeOpened:
    """The person opened the bot's home (Slack's App Home tab): reply with their home card."""

    actor: Actor


Event = DirectMessage | Command | CardAction | FormSubmitted | MemberJoined | HomeOpened
