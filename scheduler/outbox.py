"""The outbox job: claim due deliveries, check them again, send each once, record the outcome.

The protocol, its guarantees and its failure cases are in docs/delivery.md. In short: a
claim is a conditional UPDATE ... RETURNING committed before anything is sent, with a lease;
a delivery claimed again after an attempt that may have posted (the lease of a dead worker
ran out, or the platform's answer was lost in a timeout or a 5xx) first asks the platform
whether the message is already there (`Messenger.find_sent`), and is sent only if it is not.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import Card
from bot.context import member_locale, member_zone
from bot.events import ConversationRef, MessageRef
from bot.metrics import DELIVERIES, RATE_LIMITED, RETRIES, SEND_SECONDS, delivery_fields
from bot.nudges import nudge_card, suggestions_for, weekly_cap
from bot.ports import Messenger, SendError
from bot.preferences import preferences
from bot.refs import conversation_from_json, message_to_json
from bot.runtime import Runtime
from bot.services.quiet_hours import in_quiet_time, next_allowed
from scheduler.ratelimit import Limits, RateLimiter
from storage.models import Delivery, Member, Post, Workspace

log = logging.getLogger(__name__)
# How long a claim is the claimer's alone. A send starts only while at least SEND_MARGIN of
# it is left, so a live worker never overruns its lease (its sends take at most the
# platform client's timeout, 10 s for Slack): see docs/delivery.md.
LEASE = timedelta(minutes=5)
SEND_MARGIN = timedelta(seconds=60)
# A send whose limiter turn is further away than this goes back to the queue for then.
MAX_WAIT = 10.0
# How much earlier than the delivery's creation the resend check looks (replicas' clocks
# and the platform's may disagree by up to this much).
CLOCK_SKEW = timedelta(minutes=5)
MAX_ATTEMPTS = 5
PAUSED_RETRY = timedelta(minutes=15)
# One run drains what is due in batches for at most this long, then lets the next run go on.
DRAIN = timedelta(minutes=2)


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


async def claim(session: AsyncSession, now: datetime, worker: str, limit: int,
                lease: timedelta = LEASE) -> list[int]:
    """Take up to `limit` deliveries for this worker and return only those really taken.

    SKIP LOCKED keeps PostgreSQL replicas apart; the conditional UPDATE ... RETURNING
    keeps two overlapping runs apart on any database. Each claim counts as an attempt; the
    outcomes that cannot have posted anything give it back (`Outbox._later`).
    """
    return list(await take(session, now, worker, limit, lease))


async def take(session: AsyncSession, now: datetime, worker: str, limit: int,
               lease: timedelta = LEASE) -> dict[int, bool]:
    """`claim`, telling for each delivery taken whether its previous worker's lease ran out."""
    found = {row.id: row.status for row in (await session.execute(
        select(Delivery.id, Delivery.status).where(_claimable(now))
        .order_by(Delivery.due_at, Delivery.id).limit(limit)
        .with_for_update(skip_locked=True)
    )).all()}
    taken: list[int] = []
    if found:
        taken = list((await session.scalars(
            update(Delivery).where(Delivery.id.in_(found), _claimable(now))
            .values(status="sending", claimed_by=worker, claimed_until=now + lease,
                    attempts=Delivery.attempts + 1)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False))).all())
    await session.commit()
    return {i: found[i] == "sending" for i in sorted(taken)}


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


def delivery_key(delivery_id: int) -> str:
    """What tags a delivery's message on its platform (Slack: the message metadata)."""
    return f"delivery-{delivery_id}"


@dataclass
class _Send:
    """A claimed delivery, checked and rendered, waiting for its turn to go."""

    delivery: Delivery
    member: Member
    messenger: Messenger
    target: ConversationRef
    card: Card | None = None  # rendered once the checks passed

    @property
    def key(self) -> str:
        return delivery_key(self.delivery.id)


class Outbox:
    def __init__(self, rt: Runtime, worker: str, limiters: dict[str, RateLimiter] | None = None,
                 batch: int = 100, concurrency: int = 8, lease: timedelta = LEASE,
                 drain: timedelta = DRAIN) -> None:
        self.rt = rt
        self.worker = worker
        self.limits = Limits(limiters)
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.margin = min(SEND_MARGIN, lease / 4)
        self.drain = drain

    async def run(self) -> dict[str, int]:
        """Drain what is due now; returns a count per outcome.

        Claims a batch, and another whenever half of the claimed deliveries are done, so a
        slow or throttled target holds up no one but itself."""
        outcomes: Counter[str] = Counter()
        gate = asyncio.Semaphore(self.concurrency)
        running: set[asyncio.Task[str]] = set()
        stop = time.monotonic() + self.drain.total_seconds()
        more = True
        try:
            while True:
                room = self.batch - len(running)
                if more and room * 2 >= self.batch:
                    async with self.rt.sessions() as session:
                        taken = await take(session, self.rt.clock.now(), self.worker, room,
                                           self.lease)
                    claimed = time.monotonic()
                    more = len(taken) == room and claimed < stop
                    running.update(asyncio.create_task(self._one(i, stale, claimed, gate))
                                   for i, stale in taken.items())
                if not running:
                    break
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    outcomes[task.result()] += 1
                    DELIVERIES.labels(task.result()).inc()
        finally:  # cancelled (shutdown): the unfinished claims wait for their lease to end
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        return dict(outcomes)

    def _left(self, claimed: float) -> float:
        """Seconds a send may still start within this worker's lease."""
        return (self.lease - self.margin).total_seconds() - (time.monotonic() - claimed)

    async def _one(self, delivery_id: int, stale: bool, claimed: float,
                   gate: asyncio.Semaphore) -> str:
        """One delivery: checked and rendered, its turn awaited (outside the gate, so that
        waiting holds no worker), then sent and recorded."""
        try:
            async with self.rt.sessions() as session:
                async with gate:
                    ready = await self._prepare(session, delivery_id, stale)
                if isinstance(ready, str):
                    return ready
                late = await self.limits.wait(ready.messenger, ready.target,
                                              min(MAX_WAIT, max(self._left(claimed), 0.0)))
                if late:
                    return await self._later(session, ready.delivery,
                                             self._now() + timedelta(seconds=late), "throttled",
                                             count=False)
                async with gate:
                    if self._left(claimed) <= 0:  # the lease is nearly over: give it back
                        return await self._later(session, ready.delivery, self._now(),
                                                 "lease-short", count=False)
                    return await self._send(session, ready)
        except Exception:
            # The claim stays until its lease ends; then it is checked and taken again.
            log.exception("delivery %s: unexpected error, left to its lease", delivery_id,
                          extra=delivery_fields(delivery_id, outcome="error",
                                                worker=self.worker))
            return "error"

    def _now(self) -> datetime:
        return self.rt.clock.now()

    async def _prepare(self, session: AsyncSession, delivery_id: int,
                       stale: bool) -> _Send | str:
        """The delivery checked again and its card rendered, or the outcome that ends it."""
        delivery = await session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != "sending" or delivery.claimed_by != self.worker:
            return "lost-claim"
        post = await session.get(Post, delivery.post_id)
        member = await session.get(Member, delivery.member_id)
        assert post is not None and member is not None
        workspace = await session.get(Workspace, member.workspace_id)
        assert workspace is not None
        target = conversation_from_json(member.conversation)
        if target is None:
            member.status = "unreachable"
            return await self._finish(session, delivery, "failed", "no conversation")
        try:
            messenger = self.rt.messenger(workspace.platform)
        except LookupError:
            return await self._later(session, delivery, self._now() + PAUSED_RETRY,
                                     "no-adapter", count=False)
        ready = _Send(delivery, member, messenger, target)
        if stale:
            RETRIES.labels(messenger.platform, "lease_expired").inc()
            log.warning("delivery %s: taken again, its worker's lease ran out", delivery.id,
                        extra=self._fields(ready, "lease_expired"))
        # An earlier attempt may have posted: look before sending.
        if delivery.attempts > 1 and (outcome := await self._look(session, ready)) is not None:
            return outcome
        now = self._now()
        verdict = _recheck(delivery, post, member, workspace, self.rt.charter.version, now)
        if verdict == "cancel":
            return await self._finish(session, delivery, "cancelled")
        if isinstance(verdict, datetime):
            return await self._later(session, delivery, verdict, "postponed", count=False)
        if delivery.attempts > MAX_ATTEMPTS:  # claims that never came back (crashes)
            return await self._give_up(session, delivery, "no answer after repeated claims")
        await suggestions_for(session, self.rt.texts, delivery, post, member, workspace)
        ready.card = nudge_card(self.rt.texts, member_locale(member, workspace), post, delivery,
                                weekly_cap(member, workspace))
        await session.commit()
        return ready

    async def _look(self, session: AsyncSession, ready: _Send) -> str | None:
        """Record the delivery as sent if its message is already on the platform; None to go
        on and send it."""
        delivery = ready.delivery
        since = delivery.created_at - CLOCK_SKEW
        try:
            found = await ready.messenger.find_sent(ready.target, ready.key, since)
        except SendError as error:
            return await self._failed(session, ready, error, lookup=True)
        if found is None:
            log.info("delivery %s: attempt %s, not on %s yet: sending", delivery.id,
                     delivery.attempts, ready.messenger.platform,
                     extra=self._fields(ready, "absent"))
            return None
        log.warning("delivery %s: already on %s from an unfinished attempt: recorded, not "
                    "sent again", delivery.id, ready.messenger.platform,
                    extra=self._fields(ready, "recovered"))
        return await self._record(session, delivery, found, "recovered")

    async def _send(self, session: AsyncSession, ready: _Send) -> str:
        platform = ready.messenger.platform
        assert ready.card is not None
        started = time.perf_counter()
        try:
            sent = await ready.messenger.send(ready.target, ready.card, key=ready.key)
        except SendError as error:
            return await self._failed(session, ready, error)
        SEND_SECONDS.labels(platform).observe(time.perf_counter() - started)
        self.limits.succeeded(ready.messenger, ready.target)
        return await self._record(session, ready.delivery, sent, "sent")

    async def _failed(self, session: AsyncSession, ready: _Send, error: SendError,
                      lookup: bool = False) -> str:
        """What a refused send (or resend check) does to the delivery."""
        delivery, platform = ready.delivery, ready.messenger.platform
        what = "resend check" if lookup else "send"
        log.warning("delivery %s: %s failed (attempt %s): %s", delivery.id, what,
                    delivery.attempts, error,
                    extra=self._fields(ready, "send-failed", error_kind=error.kind,
                                       retry_after=error.retry_after))
        if error.kind == "rate_limited":
            RATE_LIMITED.labels(platform).inc()
            RETRIES.labels(platform, "rate_limited").inc()
            wait = 1.0 if error.retry_after is None else error.retry_after
            # A lookup's 429 is another API method's limit: it leaves the sending pace alone.
            if not lookup and self.limits.rate_limited(ready.messenger, ready.target, wait):
                log.warning("%s: repeated 429s, workspace %s paused for %.1f s",
                            ready.messenger.platform, ready.target.workspace_id, wait)
            return await self._later(session, delivery, self._now() + timedelta(seconds=wait),
                                     "rate-limited", count=False)
        if error.kind == "permanent":
            ready.member.status = "unreachable"
            return await self._finish(session, delivery, "failed", str(error))
        if delivery.attempts >= MAX_ATTEMPTS:
            return await self._give_up(session, delivery, str(error))
        RETRIES.labels(platform, "timeout" if "Timeout" in error.detail else "transient").inc()
        return await self._later(session, delivery, self._now() + backoff(delivery.attempts),
                                 "retry", error=str(error))

    def _fields(self, ready: _Send, outcome: str, **more: object) -> dict[str, object]:
        """A log record's structured fields about this delivery."""
        delivery = ready.delivery
        return delivery_fields(delivery.id, post_id=delivery.post_id,
                               member_id=delivery.member_id, platform=ready.messenger.platform,
                               outcome=outcome, attempt=delivery.attempts, worker=self.worker,
                               **more)

    async def _record(self, session: AsyncSession, delivery: Delivery, sent: MessageRef,
                      outcome: str) -> str:
        """It was sent: that is recorded whoever holds the claim now, unless another worker
        recorded a message of its own first (then both went out: say so)."""
        recorded = await session.scalar(
            update(Delivery).where(Delivery.id == delivery.id, Delivery.sent_at.is_(None))
            .values(status="sent", sent_at=self._now(), message_ref=message_to_json(sent),
                    claimed_by=None)
            .returning(Delivery.id).execution_options(synchronize_session=False))
        await session.commit()
        if recorded is None:
            log.error("delivery %s: sent, but another worker had recorded it already",
                      delivery.id, extra=delivery_fields(delivery.id, outcome="duplicate",
                                                         worker=self.worker))
            return "duplicate"
        return outcome

    async def _give_up(self, session: AsyncSession, delivery: Delivery, error: str) -> str:
        log.error("delivery %s failed for good after %s attempts: %s", delivery.id,
                  delivery.attempts, error,
                  extra=delivery_fields(delivery.id, outcome="failed",
                                        attempt=delivery.attempts, worker=self.worker))
        return await self._finish(session, delivery, "failed", error)

    async def _finish(self, session: AsyncSession, delivery: Delivery, status: str,
                      error: str | None = None) -> str:
        values = {"last_error": error[:500]} if error else {}
        return await self._settle(session, delivery, status, status=status, **values)

    async def _later(self, session: AsyncSession, delivery: Delivery, due: datetime,
                     outcome: str, *, count: bool = True, error: str | None = None) -> str:
        """Back to the queue for `due`. Only an attempt that may have posted (a send that
        failed in a way that leaves it unknown) keeps its count; every other way back gives
        the claim's attempt back, so `attempts > 1` at a claim means "look before sending"."""
        values = {"last_error": error[:500]} if error else {}
        return await self._settle(
            session, delivery, outcome, status="planned", due_at=due, claimed_until=None,
            attempts=Delivery.attempts - (0 if count else 1), **values)

    async def _settle(self, session: AsyncSession, delivery: Delivery, outcome: str,
                      **values: object) -> str:
        """End this worker's claim with `values`, if the claim is still its own (a claim
        whose lease ran out may have been taken again): `outcome`, else 'lost-claim'."""
        settled = await session.scalar(
            update(Delivery).where(Delivery.id == delivery.id, Delivery.status == "sending",
                                   Delivery.claimed_by == self.worker)
            .values(claimed_by=None, **values)
            .returning(Delivery.id).execution_options(synchronize_session=False))
        await session.commit()
        if settled is None:
            log.warning("delivery %s: claim lost before it ended (%s)", delivery.id, outcome,
                        extra=delivery_fields(delivery.id, outcome="lost-claim",
                                              worker=self.worker))
            return "lost-claim"
        return outcome
