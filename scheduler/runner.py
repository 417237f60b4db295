"""The jobs bound to a runtime, run by APScheduler in production or stepped in simulation."""

from __future__ import annotations

import logging
import socket
import uuid
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import ManualClock
from bot.metrics import PLANNED
from bot.runtime import Runtime
from scheduler.digests import run_digests
from scheduler.maintenance import maintain
from scheduler.outbox import Outbox
from scheduler.plan import plan
from scheduler.ratelimit import RateLimiter

log = logging.getLogger(__name__)


class Jobs:
    """plan, outbox, digest and maintenance, each short, idempotent, state in the database."""

    def __init__(self, rt: Runtime, limiters: dict[str, RateLimiter] | None = None) -> None:
        self.rt = rt
        self.worker = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self.outbox = Outbox(rt, self.worker, limiters)

    async def plan(self) -> int:
        async with self.rt.sessions() as session:
            created = await plan(session, self.rt.charter.version, self.rt.clock.now())
        PLANNED.inc(created)
        return created

    async def send(self) -> dict[str, int]:
        return await self.outbox.run()

    async def digest(self) -> dict[str, int]:
        return await run_digests(self.rt)

    async def maintenance(self) -> dict[str, int]:
        async with self.rt.sessions() as session:
            return await maintain(session, self.rt.clock.now())

    async def tick(self) -> None:
        """Every job once, in order: what a simulated step does."""
        await self.maintenance()
        await self.plan()
        await self.send()
        await self.digest()


async def simulate(jobs: Jobs, clock: ManualClock, until: datetime, step: timedelta) -> None:
    """Run every job at each step of simulated time until `until`."""
    while clock.now() < until:
        await jobs.tick()
        clock.advance(step)


def build_scheduler(jobs: Jobs) -> AsyncIOScheduler:
    """APScheduler 3 with jobs in memory (their state lives in our tables)."""
    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    scheduler.add_job(jobs.plan, "interval", minutes=5, id="plan")
    scheduler.add_job(jobs.send, "interval", seconds=20, id="outbox")
    scheduler.add_job(jobs.digest, "interval", minutes=10, id="digest")
    scheduler.add_job(jobs.maintenance, "interval", hours=1, id="maintenance")
    return scheduler
