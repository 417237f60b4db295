"""Counting visits of tracked links and finding where they lead.

`follow` records a click at once, in its own transaction: what the console's `open` and
the tests use. The web server's /r/<token> goes through a `ClickCounter` instead, built for
load: token → link lookups are cached (bounded LRU, entries expire), and the redirect does
not wait for the database. Clicks wait in memory for one background writer, which writes
all those waiting with one multi-row INSERT, then those that arrived meanwhile, and so on
(group commit: one click alone is written at once, under load the batches grow by
themselves); `linger` can make it wait for a batch to form. `close()` writes what is left,
so a clean shutdown loses no counted click.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.metrics import CLICK_FLUSH_SECONDS, CLICKS, CLICKS_DROPPED, CLICKS_PENDING
from bot.runtime import Runtime
from bot.services.urls import with_utm
from bot.services.useragents import is_bot
from storage.models import Click, Post, Share

log = logging.getLogger(__name__)
MAX_TOKEN = 32
BATCH = 500  # clicks that end a linger at once
RETRY_PAUSE = 1.0  # seconds between attempts while the database is unreachable
MAX_PENDING = 200_000  # beyond this (database down for long), new clicks are dropped
CACHE_SIZE = 10_000
CACHE_TTL = 300.0  # seconds: a removed share stops redirecting within this time


@dataclass(frozen=True)
class Link:
    """Where a token leads: its share and the post's own URL with UTM tags."""

    share_id: int
    target: str


async def find_link(session: AsyncSession, token: str) -> Link | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    found = (await session.execute(
        select(Share.id, Share.network, Share.post_id, Post.url)
        .join(Post, Post.id == Share.post_id).where(Share.link_token == token)
    )).first()
    if found is None:
        return None
    return Link(found.id, with_utm(found.url, source=found.network,
                                   campaign=f"post-{found.post_id}", content=f"share-{found.id}"))


def _count(user_agent: str | None) -> bool:
    """Tell people from link-preview bots, count the visit; True for a bot."""
    bot = is_bot(user_agent)
    CLICKS.labels("bot" if bot else "person").inc()
    return bot


async def follow(rt: Runtime, token: str, user_agent: str | None) -> str | None:
    """Record the click now and return the post's own URL with UTM tags, or None if unknown."""
    async with rt.sessions() as session:
        link = await find_link(session, token)
        if link is None:
            return None
        bot = _count(user_agent)
        session.add(Click(share_id=link.share_id, at=rt.clock.now(), is_bot=bot))
        await session.commit()
    return link.target


class ClickCounter:
    """Tracked links under load: cached lookups, clicks written in batches."""

    def __init__(self, rt: Runtime, *, linger: float = 0.0, batch: int = BATCH,
                 cache_size: int = CACHE_SIZE, cache_ttl: float = CACHE_TTL) -> None:
        self.rt = rt
        self.linger, self.batch = linger, batch
        self.cache_size, self.cache_ttl = cache_size, cache_ttl
        self._links: OrderedDict[str, tuple[Link, float]] = OrderedDict()
        self._pending: list[dict[str, object]] = []
        self._wake = asyncio.Event()
        self._writing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._dropping = False

    async def follow(self, token: str, user_agent: str | None) -> str | None:
        """Count the click (written by the background writer) and return where it leads."""
        link = await self._link(token)
        if link is None:
            return None
        bot = _count(user_agent)
        self._keep({"share_id": link.share_id, "at": self.rt.clock.now(), "is_bot": bot})
        return link.target

    async def _link(self, token: str) -> Link | None:
        cached = self._links.get(token)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            self._links.move_to_end(token)
            return cached[0]
        async with self.rt.sessions() as session:
            link = await find_link(session, token)
        if link is None:  # unknown tokens are not cached: guessing costs one indexed query
            self._links.pop(token, None)
            return None
        self._links[token] = (link, now + self.cache_ttl)
        self._links.move_to_end(token)
        while len(self._links) > self.cache_size:
            self._links.popitem(last=False)
        return link

    def _keep(self, row: dict[str, object]) -> None:
        if len(self._pending) >= MAX_PENDING:
            if not self._dropping:
                log.error("click buffer full (%s waiting): clicks are being dropped", MAX_PENDING)
                self._dropping = True
            CLICKS_DROPPED.labels("buffer full").inc()
            return
        self._pending.append(row)
        CLICKS_PENDING.inc()
        if self._task is None and not self._closing:
            self.start()  # the app starts it on startup; this covers an app that did not
        if len(self._pending) == 1 or len(self._pending) >= self.batch:
            self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        """Start writing in the background (the web app does it on startup)."""
        if self._task is None or self._task.done():
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="click-writer")

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.linger and not self._closing and self.pending < self.batch:
                with contextlib.suppress(TimeoutError):  # until `batch` wait, at most `linger`
                    await asyncio.wait_for(self._wake.wait(), self.linger)
                self._wake.clear()
            if self._closing:
                return  # close() writes what is left
            try:
                await self.flush()
            except Exception:  # the writer must outlive a database outage
                log.exception("clicks not written yet (%s waiting); retrying", self.pending)
                await asyncio.sleep(RETRY_PAUSE)
            if self._pending:
                self._wake.set()  # those that came during the write, or the failed ones

    async def flush(self) -> int:
        """Write every waiting click now; returns how many were written."""
        async with self._writing:
            rows, self._pending = self._pending, []
            if not rows:
                return 0
            started = time.perf_counter()
            try:
                written = await self._insert(rows)
            except BaseException:
                self._pending[:0] = rows  # kept for the next attempt, in order
                raise
            CLICKS_PENDING.dec(len(rows))
            CLICK_FLUSH_SECONDS.observe(time.perf_counter() - started)
            self._dropping = False
            return written

    async def _insert(self, rows: list[dict[str, object]]) -> int:
        try:
            async with self.rt.engine.begin() as conn:
                await conn.execute(insert(Click), rows)
            return len(rows)
        except IntegrityError:
            # A share removed since its link was cached: keep the clicks of the others.
            async with self.rt.engine.begin() as conn:
                ids = {row["share_id"] for row in rows}
                alive = set((await conn.execute(
                    select(Share.id).where(Share.id.in_(ids)))).scalars())
                kept = [row for row in rows if row["share_id"] in alive]
                if kept:
                    await conn.execute(insert(Click), kept)
            CLICKS_DROPPED.labels("share removed").inc(len(rows) - len(kept))
            return len(kept)

    async def close(self) -> None:
        """Stop the background writer and write what is left (a clean shutdown).

        The writer is not cancelled but asked to stop: a cancellation in the middle of a
        commit could not tell whether its clicks were written."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()

