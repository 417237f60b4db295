"""Holding a handler's answers until its transaction commits: nobody is told of a change
that was not saved, and a refusal never follows a premature 'done'."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.cards import Card, Form
from bot.events import MessageRef
from bot.ports import Responder, SendError, Upload

log = logging.getLogger(__name__)


class DeferredResponder:
    """Records reply, update and open_form; `flush` plays them after the commit."""

    def __init__(self, inner: Responder) -> None:
        self.inner = inner
        self._calls: list[tuple[str, Callable[[], Awaitable[object]]]] = []

    async def reply(self, message: Card | str) -> MessageRef | None:
        self._calls.append(("reply", lambda: self.inner.reply(message)))
        return None

    async def update(self, ref: MessageRef, card: Card) -> None:
        self._calls.append(("update", lambda: self.inner.update(ref, card)))

    async def open_form(self, form: Form) -> None:
        self._calls.append(("form", lambda: self.inner.open_form(form)))

    async def refuse(self, form: Form) -> bool:
        return await self.inner.refuse(form)  # a refusal comes after the rollback: no wait

    async def upload(self, files: list[Upload], comment: str) -> bool:
        # Played at once: the handler must know whether to offer links instead, and handing
        # someone their own data changes nothing stored.
        return await self.inner.upload(files, comment)

    def discard(self) -> None:
        self._calls.clear()

    async def flush(self) -> None:
        """Play the answers in order. What was recorded stands whatever the platform says:
        a card it will not update (too old, deleted) is only logged."""
        calls, self._calls = self._calls, []
        for kind, call in calls:
            try:
                await call()
            except SendError as error:
                level = logging.WARNING if kind == "update" else logging.ERROR
                log.log(level, "%s not delivered to the platform: %s", kind, error)
