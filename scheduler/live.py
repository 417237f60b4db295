"""The jobs as `porte-voix serve` runs them: at start, the moment something asks for them,
and on an interval as a safety net.

- plan runs at start, whenever a handler wakes it (a post queued, a workspace resumed, a
  charter accepted, a pause ended by its volunteer) and at the next moment planning would
  find something new on its own (a scheduled post's time, a pause's end: an APScheduler
  date job, set again after each plan); every 5 minutes besides. A plan woken while another
  replica holds the plan lock tries again shortly: that replica may have begun before the
  change was committed.
- the outbox runs at start and then sleeps until its next delivery is due, or until woken
  (by this replica's plan, by another replica through scheduler/notify.py, by a resume),
  never longer than IDLE.
- drafts (only with an AI model configured) after each plan that created deliveries, every
  minute besides (another replica's plan, a model's pause that ended), and again as soon as
  a backed-off model may be asked.
- digest every minute (so a digest goes out within a minute of its slot), the fatigue
  rule and the impact notes every 15 minutes, maintenance every hour; all at start.
- `close()` (SIGTERM): nothing new starts, sends on the wire finish, every other claimed
  delivery goes back to the queue at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.wakeups import CARDS, OUTBOX, PLAN
from scheduler.runner import Jobs

log = logging.getLogger(__name__)
IDLE = 60.0  # longest outbox sleep with nothing due: a safety net behind the wake-ups
PLAN_RETRY = 0.5  # seconds before a woken plan tries again when another replica plans
FAILURE_PAUSE = 5.0  # seconds after an unexpected error before a loop goes on
SHUTDOWN_GRACE = 15.0  # seconds the sends on the wire get to finish (clients time out at 10)


class Live:
    """Runs `jobs` for a serving process; `start()` then `close()`."""

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
        self._plan_wanted = asyncio.Event()
        self._drafts_wanted = asyncio.Event()
        self._cards_wanted = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._closing = False

    def start(self) -> None:
        jobs, now = self.jobs, datetime.now(UTC)
        jobs.rt.wakeups.on(PLAN, self.plan_soon)
        jobs.rt.wakeups.on(OUTBOX, jobs.outbox.wake)
        jobs.rt.wakeups.on(CARDS, self._cards_wanted.set)
        self.scheduler.add_job(self._plan_due, "interval", minutes=5, id="plan",
                               next_run_time=now)
        self.scheduler.add_job(jobs.digest, "interval", minutes=1, id="digest",
                               next_run_time=now)
        self.scheduler.add_job(jobs.fatigue, "interval", minutes=15, id="fatigue",
                               next_run_time=now)
        self.scheduler.add_job(jobs.impact, "interval", minutes=15, id="impact",
                               next_run_time=now)
        self.scheduler.add_job(jobs.maintenance, "interval", hours=1, id="maintenance",
                               next_run_time=now)
        self.scheduler.add_job(self._cards_due, "interval", seconds=30, id="cards",
                               next_run_time=now)
        self.scheduler.start()
        jobs.announcer.start()
        self._loops = [asyncio.create_task(self._forever("plan", self._plan_once)),
                       asyncio.create_task(self._forever("outbox", self._outbox_once)),
                       asyncio.create_task(self._forever("cards", self._cards_once))]
        if jobs.drafter is not None:
            self.scheduler.add_job(self._drafts_due, "interval", minutes=1, id="drafts",
                                   next_run_time=now)
            self._loops.append(asyncio.create_task(self._forever("drafts", self._drafts_once)))

    def plan_soon(self) -> None:
        self._plan_wanted.set()

    async def _plan_due(self) -> None:
        """plan_soon for APScheduler: a coroutine runs on the event loop (a plain function
        would run on a worker thread, where an asyncio.Event must not be touched)."""
        self.plan_soon()

    async def _drafts_due(self) -> None:
        self._drafts_wanted.set()

    async def _cards_due(self) -> None:
        self._cards_wanted.set()

    async def close(self) -> None:
        self._closing = True
        self.scheduler.shutdown(wait=False)
        planning, sending, *others = self._loops
        planning.cancel()
        for loop in others:
            loop.cancel()
        self.jobs.outbox.stop()
        try:  # the sends on the wire end within their client's timeout
            await asyncio.wait_for(asyncio.shield(sending), SHUTDOWN_GRACE)
        except TimeoutError:
            log.warning("outbox still busy after %.0f s: stopping it", SHUTDOWN_GRACE)
        for loop in self._loops:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await self.jobs.announcer.close()
        await self.jobs.close()
        try:
            released = await self.jobs.outbox.release()
        except Exception as error:  # the database is gone: the claims wait for their lease
            log.error("scheduler stopped; claimed deliveries not given back (%s): they wait "
                      "for their lease", error)
            return
        log.info("scheduler stopped; %d claimed deliveries back in the queue", released)

    async def _forever(self, name: str, once: Callable[[], Awaitable[Any]]) -> None:
        while not self._closing:
            try:
                await once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed; trying again in %.0f s", name, FAILURE_PAUSE)
                await asyncio.sleep(FAILURE_PAUSE)

    async def _plan_once(self) -> None:
        await self._plan_wanted.wait()
        self._plan_wanted.clear()
        try:
            while (created := await self.jobs.plan()) is None:  # another replica plans
                await asyncio.sleep(PLAN_RETRY)
            if created:
                self._drafts_wanted.set()
        except Exception:
            self._plan_wanted.set()  # still wanted: after the pause, try again
            raise
        when = await self.jobs.next_change()
        if when is not None:
            self.scheduler.add_job(self._plan_due, "date", run_date=when, id="plan-at",
                                   replace_existing=True)

    async def _drafts_once(self) -> None:
        await self._drafts_wanted.wait()
        self._drafts_wanted.clear()
        await self.jobs.draft()
        pause = self.jobs.drafts_paused()
        if pause:  # backed off: ask again once the model may be asked
            await asyncio.sleep(pause)
            self._drafts_wanted.set()

    async def _cards_once(self) -> None:
        """Open cards and crisis notes brought in line: when a crisis starts or ends or a post
        is edited or cancelled, and every 30 s (an expired post's cards, a run that met a 429
        or its time budget)."""
        await self._cards_wanted.wait()
        self._cards_wanted.clear()
        await self.jobs.cards()

    async def _outbox_once(self) -> None:
        outbox = self.jobs.outbox
        done = await self.jobs.send()
        if self._closing:
            return
        due = await outbox.next_due()
        wait = IDLE if due is None else (due - self.jobs.rt.clock.now()).total_seconds()
        if not done:  # nothing could be taken: never spin on a due time we cannot claim
            wait = max(wait, 0.05)
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(outbox.woken(), min(wait, IDLE))
