"""The outbox job: claim due deliveries, check them again, send them, record the outcome."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import member_locale, member_zone
from bot.metrics import DELIVERIES, RATE_LIMITED, SEND_SECONDS
from bot.nudges import nudge_card, suggestions_for, weekly_cap
from bot.ports import SendError
from bot.preferences import preferences
from bot.refs import conversation_from_json, message_to_json
from bot.runtime import Runtime
from bot.services.quiet_hours import in_quiet_time, next_allowed
from scheduler.ratelimit import RateLimiter
from storage.models import Delivery, Member, Post, Workspace

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
PAUSED_RETRY = timedelta(minutes=15)


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 30 s, 1 min, 2 min ... capped at one hour."""
    base = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(0.5, 1.5))


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Due and planned, or claimed by a worker whose lease ran out (it died mid-send)."""
    return or_(
        and_(Delivery.status == "planned", Delivery.due_at <= now),
        and_(Delivery.status == "sending", Delivery.claimed_until <= now),
    )


async def claim(session: AsyncSession, now: datetime, worker: str, limit: int) -> list[int]:
    """Take up to `limit` deliveries for this worker and return only those really taken.

    SKIP LOCKED keeps PostgreSQL replicas apart; the conditional UPDATE ... RETURNING
    keeps two overlapping runs apart on any database.
    """
    ids = list((await session.scalars(
        select(Delivery.id).where(_claimable(now))
        .order_by(Delivery.due_at, Delivery.id).limit(limit)
        .with_for_update(skip_locked=True)
    )).all())
    taken: list[int] = []
    if ids:
        taken = list((await session.scalars(
            update(Delivery).where(Delivery.id.in_(ids), _claimable(now))
            .values(status="sending", claimed_by=worker, claimed_until=now + LEASE,
                    attempts=Delivery.attempts + 1)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False))).all())
    await session.commit()
    return sorted(taken)


def _recheck(delivery: Delivery, post: Post, member: Member, workspace: Workspace,
             charter_version: str, now: datetime) -> str | datetime | None:
    """'cancel', a later due time, or None when the nudge may go now."""
    if member.status != "active" or member.charter_version != charter_version:
        return "cancel"
    if post.status != "active" or (post.expires_at is not None and post.expires_at <= now):
        return "cancel"
    if workspace.paused:
        return now + PAUSED_RETRY
    prefs = preferences(member.prefs, workspace.weekly_cap)
    start, end = prefs.quiet
    tz = member_zone(member, workspace)
    earliest = max(now, member.paused_until or now)
    if earliest > now or in_quiet_time(now, tz, start, end, prefs.weekends):
        return next_allowed(earliest, tz, start, end, prefs.weekends)
    return None


class Outbox:
    def __init__(self, rt: Runtime, worker: str, limiters: dict[str, RateLimiter] | None = None,
                 batch: int = 100, concurrency: int = 8) -> None:
        self.rt = rt
        self.worker = worker
        self.limiters = limiters or {}
        self.batch = batch
        self.concurrency = concurrency

    def _limiter(self, platform: str, rate: float | None) -> RateLimiter | None:
        if platform not in self.limiters and rate:
            self.limiters[platform] = RateLimiter(rate)
        return self.limiters.get(platform)

    async def run(self) -> dict[str, int]:
        """Drain what is due now; returns a count per outcome."""
        now = self.rt.clock.now()
        async with self.rt.sessions() as session:
            ids = await claim(session, now, self.worker, self.batch)
        outcomes: dict[str, int] = {}
        gate = asyncio.Semaphore(self.concurrency)

        async def one(delivery_id: int) -> None:
            async with gate, self.rt.sessions() as session:
                outcome = await self._deliver(session, delivery_id, now)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            DELIVERIES.labels(outcome).inc()

        await asyncio.gather(*(one(i) for i in ids))
        return outcomes

    async def _deliver(self, session: AsyncSession, delivery_id: int, now: datetime) -> str:
        delivery = await session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != "sending" or delivery.claimed_by != self.worker:
            return "lost-claim"
        post = await session.get(Post, delivery.post_id)
        member = await session.get(Member, delivery.member_id)
        assert post is not None and member is not None
        workspace = await session.get(Workspace, member.workspace_id)
        assert workspace is not None
        verdict = _recheck(delivery, post, member, workspace, self.rt.charter.version, now)
        if verdict == "cancel":
            return await self._finish(session, delivery, "cancelled")
        if isinstance(verdict, datetime):
            return await self._later(session, delivery, verdict, "postponed", count=False)
        target = conversation_from_json(member.conversation)
        if target is None:
            member.status = "unreachable"
            return await self._finish(session, delivery, "failed", "no conversation")
        try:
            messenger = self.rt.messenger(workspace.platform)
        except LookupError:
            return await self._later(session, delivery, now + PAUSED_RETRY, "no-adapter",
                                     count=False)
        await suggestions_for(session, self.rt.texts, delivery, post, member, workspace)
        card = nudge_card(self.rt.texts, member_locale(member, workspace), post, delivery,
                          weekly_cap(member, workspace))
        await session.commit()
        limiter = self._limiter(workspace.platform, messenger.rate_per_target)
        key = f"{workspace.platform}:{target.conversation_id}"
        try:
            if limiter:
                await limiter.acquire(key)
            started = time.perf_counter()
            sent = await messenger.send(target, card, key=f"delivery-{delivery.id}")
            SEND_SECONDS.labels(workspace.platform).observe(time.perf_counter() - started)
        except SendError as error:
            return await self._failed_send(session, delivery, member, error, limiter, key, now)
        delivery.status = "sent"
        delivery.sent_at = now
        delivery.message_ref = message_to_json(sent)
        delivery.claimed_by = None
        await session.commit()
        return "sent"

    async def _failed_send(self, session: AsyncSession, delivery: Delivery, member: Member,
                           error: SendError, limiter: RateLimiter | None, key: str,
                           now: datetime) -> str:
        log.warning("delivery %s: %s", delivery.id, error)
        if error.kind == "rate_limited":
            RATE_LIMITED.labels(key.split(":")[0]).inc()
            wait = error.retry_after or 1.0
            if limiter:
                limiter.pause(key, wait)
            return await self._later(session, delivery, now + timedelta(seconds=wait),
                                     "rate-limited", count=False)
        if error.kind == "permanent":
            member.status = "unreachable"
            return await self._finish(session, delivery, "failed", str(error))
        if delivery.attempts >= MAX_ATTEMPTS:
            return await self._finish(session, delivery, "failed", str(error))
        return await self._later(session, delivery, now + backoff(delivery.attempts), "retry",
                                 error=str(error))

    @staticmethod
    async def _finish(session: AsyncSession, delivery: Delivery, status: str,
                      error: str | None = None) -> str:
        delivery.status = status
        delivery.claimed_by = None
        delivery.last_error = error[:500] if error else delivery.last_error
        await session.commit()
        return status

    @staticmethod
    async def _later(session: AsyncSession, delivery: Delivery, due: datetime, outcome: str,
                     *, count: bool = True, error: str | None = None) -> str:
        """Back to the queue for `due`; a postponement does not use up an attempt."""
        delivery.status = "planned"
        delivery.due_at = due
        delivery.claimed_by = None
        delivery.claimed_until = None
        if not count:
            delivery.attempts -= 1
        if error:
            delivery.last_error = error[:500]
        await session.commit()
        return outcome
