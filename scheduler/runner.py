"""The jobs bound to a runtime, run by scheduler/live.py in production or stepped in simulation."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from bot.clock import ManualClock
from bot.metrics import PLANNED
from bot.runtime import Runtime
from bot.wakeups import OUTBOX
from scheduler.cards import CardSync
from scheduler.digests import run_digests
from scheduler.drafts import Drafter
from scheduler.fatigue import Fatigue
from scheduler.impact import ImpactNotes
from scheduler.locks import singleton
from scheduler.maintenance import maintain
from scheduler.notify import Announcer
from scheduler.outbox import Outbox
from scheduler.plan import next_change, plan
from scheduler.ratelimit import RateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")


class Jobs:
    """plan, drafts, outbox, cards, fatigue, digest, impact and maintenance, each short,
    idempotent, state in the database.

    Several replicas may run these on one PostgreSQL database. plan, cards, fatigue, digest,
    impact and maintenance are singletons (drafts too): each run takes its job's advisory
    lock first (scheduler/locks.py), and a replica that finds it held by another skips that run —
    the method then returns None and `skipped[job]` counts it. send() takes no lock:
    every replica drains the outbox, claims keep them apart (FOR UPDATE SKIP LOCKED).
    On SQLite (one process) nothing is ever skipped. Within a process, one plan runs at a
    time. A plan that created deliveries announces it, so every replica's outbox wakes.
    """

    def __init__(self, rt: Runtime, limiters: dict[str, RateLimiter] | None = None) -> None:
        self.rt = rt
        self.worker = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self.outbox = Outbox(rt, self.worker, limiters)
        self.announcer = Announcer(rt)
        self.card_sync = CardSync(rt, self.outbox.limits)  # paced with the nudges, not apart
        self.fatigue_check = Fatigue(rt, self.outbox.limits)
        self.impact_notes = ImpactNotes(rt, self.outbox.limits)
        # AI drafts only with a model configured (docs/ai.md); else the engine's alone.
        self.drafter = Drafter(rt) if rt.settings.llm_configured else None
        self.skipped: Counter[str] = Counter()
        self._planning = asyncio.Lock()

    async def _alone(self, name: str, job: Callable[[], Awaitable[T]]) -> T | None:
        """Run `job` under its singleton lock; None when another replica holds it."""
        async with singleton(self.rt, name) as held:
            if not held:
                self.skipped[name] += 1
                log.info("job %s skipped: another replica is running it", name)
                return None
            return await job()

    async def plan(self) -> int | None:
        """Deliveries created; None when another replica is planning."""
        async with self._planning:
            created = await self._alone("plan", self._plan)
        if created:
            await self.announcer.announce(OUTBOX)
        return created

    async def _plan(self) -> int:
        settings = self.rt.settings
        lead = timedelta(seconds=settings.llm_lead if self.drafter else 0)
        async with self.rt.sessions() as session:
            created = await plan(session, self.rt.charter.version, self.rt.clock.now(), lead)
        PLANNED.inc(created)
        return created

    async def next_change(self) -> datetime | None:
        """When planning should run again on its own (a scheduled post, a pause's end)."""
        async with self.rt.sessions() as session:
            return await next_change(session, self.rt.clock.now())

    async def draft(self) -> dict[str, int] | None:
        """Deliveries drafted ahead, by outcome (scheduler/drafts.py); None when no model is
        configured or another replica is drafting."""
        drafter = self.drafter
        if drafter is None:
            return None
        return await self._alone("drafts", drafter.run)

    async def close(self) -> None:
        """Let go of what the jobs hold beyond the database (the AI model's connections)."""
        if self.drafter is not None:
            await self.drafter.close()

    def drafts_paused(self) -> float:
        """Seconds before the AI model may be asked again (0.0: now, or no model)."""
        return self.drafter.writer.pause_left() if self.drafter else 0.0

    async def send(self) -> dict[str, int]:
        """A count per outcome of the deliveries this replica claimed and processed."""
        return await self.outbox.run()

    async def cards(self) -> dict[str, int] | None:
        """A count per outcome of the cards and notes a crisis or a changed post asked for
        (scheduler/cards.py); None when another replica runs them."""
        return await self._alone("cards", self.card_sync.run)

    async def fatigue(self) -> dict[str, int] | None:
        """A count per outcome of the fatigue rule (scheduler/fatigue.py); None when another
        replica runs it."""
        return await self._alone("fatigue", self.fatigue_check.run)

    async def digest(self) -> dict[str, int] | None:
        """A count per digest outcome; None when another replica runs the digests."""
        return await self._alone("digest", lambda: run_digests(self.rt))

    async def impact(self) -> dict[str, int] | None:
        """A count per outcome of the volunteers' impact notes (scheduler/impact.py); None
        when another replica sends them."""
        return await self._alone("impact", self.impact_notes.run)

    async def maintenance(self) -> dict[str, int] | None:
        """A count per clean-up; None when another replica runs maintenance."""
        return await self._alone("maintenance", self._maintenance)

    async def _maintenance(self) -> dict[str, int]:
        async with self.rt.sessions() as session:
            return await maintain(session, self.rt.clock.now(), self.rt.settings)

    async def tick(self) -> None:
        """Every job once, in order: what a simulated step does."""
        await self.maintenance()
        await self.plan()
        await self.draft()
        await self.send()
        await self.cards()
        await self.fatigue()
        await self.digest()
        await self.impact()


async def simulate(jobs: Jobs, clock: ManualClock, until: datetime, step: timedelta) -> None:
    """Run every job at each step of simulated time until `until`."""
    while clock.now() < until:
        await jobs.tick()
        clock.advance(step)
