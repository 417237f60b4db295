"""What the core needs from an adapter: answering in place and sending on its own."""

from __future__ import annotations

from typing import Protocol

from bot.cards import Card, Form
from bot.events import ConversationRef, MessageRef


class Responder(Protocol):
    """The adapter's way to answer the event being handled."""

    async def reply(self, message: Card | str) -> MessageRef | None: ...

    async def update(self, ref: MessageRef, card: Card) -> None:
        """Raises SendError when the platform refuses."""
        ...

    async def open_form(self, form: Form) -> None: ...


class Messenger(Protocol):
    """Proactive sending for one platform: nudges to members, digests to channels."""

    platform: str
    # Sends a second to one conversation that the platform tolerates; None for no limit.
    rate_per_target: float | None

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        """Send a card; `key` identifies the delivery so the platform can tag the message."""
        ...

    async def update(self, ref: MessageRef, card: Card) -> None: ...


class SendError(Exception):
    """A send that failed; `kind` tells the outbox what to do about it."""

    def __init__(
        self, kind: str, detail: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        if kind not in {"rate_limited", "transient", "permanent"}:
            raise ValueError(f"unknown send error kind {kind!r}")
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after
