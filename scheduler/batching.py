"""Micro-batches: the many small writes and reads of concurrent sends, made together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Batcher(Generic[K, V]):
    """`await submit(item)` gives `flush([...])`'s answer for that item.

    The items submitted while the event loop is busy, during the first `linger` seconds
    after the first of them, or while a flush is running, go together to the next call of
    `flush`, which answers a list in the same order. One flush runs at a time: under load
    the batches grow by themselves; `linger` gathers sends that a rate limiter spaces out.
    A failed flush raises its error in every submitter of that batch."""

    def __init__(self, flush: Callable[[list[K]], Awaitable[Sequence[V]]],
                 limit: int = 200, linger: float = 0.0) -> None:
        self._flush = flush
        self._limit = limit
        self._linger = linger
        self._pending: list[tuple[K, asyncio.Future[V]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: K) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._worker is None:
            self._worker = asyncio.create_task(self._work())
        # Shielded: a submitter cancelled meanwhile must not cancel its batch-mates' flush.
        return await asyncio.shield(future)

    async def _work(self) -> None:
        try:
            await asyncio.sleep(self._linger)  # let the other submitters join
            while self._pending:
                batch, self._pending = (self._pending[:self._limit],
                                        self._pending[self._limit:])
                try:
                    answers = await self._flush([item for item, _ in batch])
                except Exception as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                except asyncio.CancelledError:
                    for _, future in batch + self._pending:
                        future.cancel()
                    raise
                for (_, future), answer in zip(batch, answers, strict=True):
                    if not future.done():
                        future.set_result(answer)
        finally:
            self._worker = None
