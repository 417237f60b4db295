"""Waking the other replicas: PostgreSQL LISTEN/NOTIFY (through asyncpg), nothing on SQLite.

A replica that makes nudges due (the plan job) announces it on CHANNEL; every replica
listens on a connection of its own and wakes its outbox, so nobody waits for its next run.
The listening connection is watched: when it drops (the database restarted, a network cut)
it is opened again, and the jobs are woken once in case an announcement was missed. The
periodic runs remain the safety net behind all this.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import text

from bot.runtime import Runtime
from bot.wakeups import OUTBOX, PLAN

log = logging.getLogger(__name__)
CHANNEL = "porte_voix_jobs"
WATCH = 10.0  # seconds between two checks that the listening connection is alive


class Announcer:
    """`announce(job)` reaches every replica's `rt.wakeups.wake(job)`: this one's at once,
    the others' through NOTIFY (this one hears its own NOTIFY too: a wake-up is idempotent)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._shared = rt.engine.dialect.name == "postgresql"
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()  # set while the other replicas can reach this one

    async def announce(self, job: str) -> None:
        self.rt.wakeups.wake(job)  # here at once, whatever the listening connection's state
        if not self._shared:
            return
        try:
            async with self.rt.engine.connect() as conn:
                await conn.execute(text("SELECT pg_notify(:channel, :job)"),
                                   {"channel": CHANNEL, "job": job})
                await conn.commit()
        except Exception as error:  # the others will see it at their next run
            log.warning("could not tell the other replicas to run %s: %s", job, error)

    def start(self) -> None:
        if self._shared:
            self._task = asyncio.create_task(self._listen())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _heard(self, _conn: Any, _pid: int, _channel: str, job: str) -> None:
        self.rt.wakeups.wake(job)

    async def _listen(self) -> None:
        first = True
        while True:
            try:
                async with self.rt.engine.connect() as conn:
                    raw = await conn.get_raw_connection()
                    driver = raw.driver_connection
                    assert driver is not None
                    await driver.add_listener(CHANNEL, self._heard)
                    self.listening.set()
                    if not first:  # announcements made while we were away were missed
                        self.rt.wakeups.wake(PLAN, OUTBOX)
                    first = False
                    try:  # asyncpg's own calls: no transaction, or nothing is delivered
                        while not driver.is_closed():
                            await asyncio.sleep(WATCH)
                            await driver.execute("SELECT 1")
                    finally:
                        self.listening.clear()
                        with contextlib.suppress(Exception):
                            await driver.remove_listener(CHANNEL, self._heard)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("listening for the other replicas failed (%s); trying again",
                            error)
            await asyncio.sleep(1.0)
