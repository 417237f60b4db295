"""What the core needs from an adapter: answering in place and sending on its own."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from bot.cards import Card, Form
from bot.events import ConversationRef, MessageRef

SEND_ERROR_KINDS = frozenset({"rate_limited", "transient", "permanent"})
# A file to hand to the person: its name, its bytes, its title.
Upload = tuple[str, bytes, str]


class Responder(Protocol):
    """The adapter's way to answer the event being handled."""

    async def reply(self, message: Card | str) -> MessageRef | None: ...

    async def update(self, ref: MessageRef, card: Card) -> None:
        """Raises SendError when the platform refuses."""
        ...

    async def open_form(self, form: Form) -> None: ...

    async def refuse(self, form: Form) -> bool:
        """Show a refused submission's form again where it was submitted, as the person left
        it, its errors beside their inputs; False where the platform cannot (the refusal
        is then answered as a message)."""
        ...

    async def upload(self, files: list[Upload], comment: str) -> bool:
        """Put `files` in the person's DM with `comment`; False where the platform cannot
        (or refuses now), so that the core offers them another way."""
        ...


class Messenger(Protocol):
    """Proactive sending for one platform: nudges to members, digests to channels."""

    platform: str
    # Sends a second to one conversation that the platform tolerates; None for no limit.
    rate_per_target: float | None
    # Sends a second to all conversations of one workspace (tenant); None for no limit.
    rate_per_workspace: float | None
    # Lookups a second (find_sent's history reads) to one workspace; None for no limit.
    lookup_rate_per_workspace: float | None

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        """Send a card; `key` identifies the delivery so the platform can tag the message."""
        ...

    async def update(self, ref: MessageRef, card: Card) -> None: ...

    async def find_sent(self, target: ConversationRef, key: str, since: datetime,
                        until: datetime | None = None) -> MessageRef | None:
        """The message tagged `key` already in `target`, posted between `since` and `until`
        (None: now).

        None when there is none, or when the platform has no way to tell (Teams: then a
        resend may duplicate). Raises SendError like `send` when the platform refuses to
        answer or cannot answer now: the caller asks again later, it never sends blindly."""
        ...


class SendError(Exception):
    """A send that failed; `kind` tells the outbox what to do about it.

    rate_limited: nothing was sent, come back after `retry_after` seconds;
    transient: may or may not have been sent (5xx, timeout), retry with backoff;
    permanent: the target is gone or refuses the bot, never retry."""

    def __init__(
        self, kind: str, detail: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        if kind not in SEND_ERROR_KINDS:
            raise ValueError(f"unknown send error kind {kind!r}")
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after


def retry_after_seconds(value: object, default: float = 1.0,
                        now: datetime | None = None) -> float:
    """A Retry-After header in seconds: delta-seconds or an HTTP date; `default` if unreadable."""
    text = str(value).strip() if value is not None else ""
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return default
    return max(seconds, 0.0)
