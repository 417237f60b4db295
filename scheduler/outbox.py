"""The outbox job: claim due deliveries, check them again, send each once, record the outcome.

The protocol, its guarantees and its failure cases are in docs/delivery.md. In short: a
claim is a conditional UPDATE ... RETURNING committed before anything is sent, with a lease;
a delivery claimed again after an attempt that may have posted (the lease of a dead worker
ran out, or the platform's answer was lost in a timeout or a 5xx) first asks the platform
whether the message is already there (`Messenger.find_sent`), under the platform's limit
for that lookup, and is sent only if it is not. Immediately before each platform call the
delivery is checked once more in the database (scheduler/standing.py), and recording a send
never overwrites a cancellation. The claim, the loading, the last check and the records are
made a batch at a time (scheduler/batching.py): a delivery costs little CPU of its own.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import Card
from bot.events import ConversationRef, MessageRef
from bot.metrics import (
    AI_NUDGES,
    DELIVERIES,
    RATE_LIMITED,
    RETRIES,
    SEND_SECONDS,
    SENT_IN_FLIGHT,
    delivery_fields,
)
from bot.nudges import nudge_card
from bot.ports import Messenger, SendError
from bot.refs import conversation_from_json, message_to_json
from bot.runtime import Runtime
from bot.voice.compose import Batch, compose
from bot.voice.stored import AI
from scheduler.batching import Batcher
from scheduler.ratelimit import RateLimiter, make_limits
from scheduler.standing import CANCEL, HOLD, Standing, standings, verdict
from storage.models import Delivery, Member, Post, Team, Workspace

log = logging.getLogger(__name__)
# How long a claim is the claimer's alone. A send starts only while at least SEND_MARGIN of
# it is left, so a live worker never overruns its lease (its sends take at most the
# platform client's timeout, 10 s for Slack): see docs/delivery.md.
LEASE = timedelta(minutes=5)
SEND_MARGIN = timedelta(seconds=60)
# A send whose limiter turn is further away than this goes back to the queue for then.
MAX_WAIT = 10.0
# How much wider than the previous attempt's lease the resend check looks (replicas'
# clocks and the platform's may disagree by up to this much).
CLOCK_SKEW = timedelta(minutes=5)
MAX_ATTEMPTS = 5
NO_ADAPTER_RETRY = timedelta(minutes=15)  # a platform whose adapter this replica lacks
# One run drains what is due in batches for at most this long, then lets the next run go on.
DRAIN = timedelta(minutes=2)
# A resend check the platform could not answer is tried again after about this long.
LOOKUP_RETRY = 20.0
# Seconds the last checks (before sends) and the records (after) of paced sends wait for
# each other, so that one statement serves several: the check is still made after the
# limiter's wait, right before the call; a record this late only widens the window a crash
# leaves to the resend check.
CHECK_LINGER = 0.02
RECORD_LINGER = 0.1


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


def _live_workspace() -> ColumnElement[bool]:
    """Deliveries of a paused workspace stay in the queue, untouched, until it resumes."""
    return Delivery.member_id.in_(
        select(Member.id).join(Workspace, Workspace.id == Member.workspace_id)
        .where(Workspace.paused.is_(False)))


@dataclass(frozen=True)
class Claim:
    """A delivery taken: whether its previous worker's lease ran out, and the span of time
    in which its previous attempt may have posted (None for a first attempt): where a
    resend check looks."""

    stale: bool
    window: tuple[datetime, datetime] | None


async def claim(session: AsyncSession, now: datetime, worker: str, limit: int,
                lease: timedelta = LEASE) -> list[int]:
    """Take up to `limit` deliveries for this worker and return only those really taken.

    SKIP LOCKED keeps PostgreSQL replicas apart; the conditional UPDATE ... RETURNING
    keeps two overlapping runs apart on any database. Each claim counts as an attempt; the
    outcomes that cannot have posted anything give it back (`Outbox._later`).
    """
    return list(await take(session, now, worker, limit, lease))


async def take(session: AsyncSession, now: datetime, worker: str, limit: int,
               lease: timedelta = LEASE) -> dict[int, Claim]:
    """`claim`, telling for each delivery taken how its previous attempt ended."""
    found = {row.id: row for row in (await session.execute(
        select(Delivery.id, Delivery.status, Delivery.attempts, Delivery.claimed_until)
        .where(_claimable(now), _live_workspace())
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
    # The previous attempt began at most a lease before its lease's end (replicas may be
    # given other leases: look far enough back) and could post until that end.
    longest = max(lease, LEASE)
    claims = {}
    for i in sorted(taken):
        row = found[i]
        end = row.claimed_until if row.attempts else None
        window = (end - longest - CLOCK_SKEW, end + CLOCK_SKEW) if end else None
        claims[i] = Claim(row.status == "sending", window)
    return claims


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
    claim: Claim
    card: Card | None = None

    @property
    def key(self) -> str:
        return delivery_key(self.delivery.id)


@dataclass(frozen=True)
class _Sent:
    """A message the platform accepted (or that a resend check found), to be recorded."""

    delivery_id: int
    ref: MessageRef
    outcome: str  # "sent" or "recovered"


class Outbox:
    def __init__(self, rt: Runtime, worker: str, limiters: dict[str, RateLimiter] | None = None,
                 batch: int = 100, concurrency: int = 8, lease: timedelta = LEASE,
                 drain: timedelta = DRAIN) -> None:
        self.rt = rt
        self.worker = worker
        self.limits = make_limits(rt, limiters)
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.margin = min(SEND_MARGIN, lease / 4)
        self.drain = drain
        self._standings: Batcher[int, Standing | None] = Batcher(self._standing,
                                                                  linger=CHECK_LINGER)
        self._records: Batcher[_Sent, str] = Batcher(self._write, linger=RECORD_LINGER)
        self._woken = asyncio.Event()
        self._closing = False
        self._on_wire: set[asyncio.Task[Any]] = set()
        self._tasks: set[asyncio.Task[str]] = set()

    # -- running -------------------------------------------------------------------

    def wake(self) -> None:
        """Something may be due now: claim again without waiting for the next run."""
        self._woken.set()

    async def woken(self) -> None:
        """Returns once `wake` was called (at once if it was since the last claim)."""
        await self._woken.wait()

    async def run(self) -> dict[str, int]:
        """Drain what is due now; returns a count per outcome.

        Claims a batch, and another whenever half of the claimed deliveries are done or
        when woken, so a slow or throttled target holds up no one but itself."""
        outcomes: Counter[str] = Counter()
        gate = asyncio.Semaphore(self.concurrency)
        stop = time.monotonic() + self.drain.total_seconds()
        more = True
        woken = asyncio.ensure_future(self._woken.wait())
        try:
            while not self._closing:
                room = self.batch - len(self._tasks)
                if more and room * 2 >= self.batch:
                    self._woken.clear()
                    ready, settled = await self._claim(room)
                    claimed = time.monotonic()
                    more = len(ready) + sum(settled.values()) == room and claimed < stop
                    outcomes.update(settled)
                    self._tasks.update(asyncio.create_task(self._one(send, claimed, gate))
                                       for send in ready)
                if not self._tasks:
                    break
                waiting: set[asyncio.Future[Any]] = {*self._tasks, woken}
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if woken in done:  # more may be due: claim again when there is room
                    self._woken.clear()
                    more = time.monotonic() < stop
                    woken = asyncio.ensure_future(self._woken.wait())
                for task in self._tasks & done:
                    self._tasks.discard(task)
                    if not task.cancelled():  # stopped at shutdown: given back by `release`
                        outcomes[task.result()] += 1
            if self._tasks:  # closing: what is on the wire finishes, the rest is given back
                for task in self._tasks - self._on_wire:
                    task.cancel()
                for result in await asyncio.gather(*self._tasks, return_exceptions=True):
                    if isinstance(result, str):
                        outcomes[result] += 1
        finally:
            woken.cancel()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks.clear()
        for outcome, count in outcomes.items():
            DELIVERIES.labels(outcome).inc(count)
        return dict(outcomes)

    async def next_due(self) -> datetime | None:
        """When the next delivery becomes claimable (None: nothing is waiting)."""
        async with self.rt.sessions() as session:
            planned = await session.scalar(
                select(func.min(Delivery.due_at))
                .where(Delivery.status == "planned", _live_workspace()))
            leased = await session.scalar(
                select(func.min(Delivery.claimed_until))
                .where(Delivery.status == "sending", _live_workspace()))
        return min((at for at in (planned, leased) if at is not None), default=None)

    def stop(self) -> None:
        """Shutting down: claim nothing more, and stop every delivery not on the wire
        (`run` returns once the sends on the wire are recorded; then `release`)."""
        self._closing = True
        self._woken.set()
        for task in self._tasks - self._on_wire:
            task.cancel()

    async def release(self) -> int:
        """Every delivery this worker still holds back to the queue, due now, its attempt
        given back: a restart resumes at once instead of waiting for leases. Returns how
        many were given back."""
        async with self.rt.sessions() as session:
            released = list((await session.scalars(
                update(Delivery).where(Delivery.status == "sending",
                                       Delivery.claimed_by == self.worker)
                .values(status="planned", claimed_by=None, due_at=self._now(),
                        attempts=Delivery.attempts - 1)
                .returning(Delivery.id).execution_options(synchronize_session=False))).all())
            await session.commit()
        return len(released)

    def _left(self, claimed: float) -> float:
        """Seconds a send may still start within this worker's lease."""
        return (self.lease - self.margin).total_seconds() - (time.monotonic() - claimed)

    def _now(self) -> datetime:
        return self.rt.clock.now()

    # -- claiming and preparing, a batch at a time -------------------------------------

    async def _claim(self, limit: int) -> tuple[list[_Send], Counter[str]]:
        """Claim up to `limit`, load them in one query, check and render each: the sends
        that may go, and the outcomes of those settled on the way."""
        settled: Counter[str] = Counter()
        ready: list[_Send] = []
        async with self.rt.sessions() as session:
            claims = await take(session, self._now(), self.worker, limit, self.lease)
            if not claims:
                return ready, settled
            rows = (await session.execute(
                select(Delivery, Member, Post, Workspace)
                .join(Member, Member.id == Delivery.member_id)
                .join(Post, Post.id == Delivery.post_id)
                .join(Workspace, Workspace.id == Member.workspace_id)
                .where(Delivery.id.in_(claims)).order_by(Delivery.due_at, Delivery.id))).all()
            teams = {m.team_id for _, m, _, _ in rows if m.team_id}
            if teams:  # into the session's identity map, for compose
                (await session.scalars(select(Team).where(Team.id.in_(teams)))).all()
            batch = await Batch.of(session, [m.id for _, m, _, _ in rows])
            for delivery, member, post, workspace in rows:
                try:
                    outcome = await self._prepare(session, delivery, member, post, workspace,
                                                  claims[delivery.id], batch)
                except Exception:
                    log.exception("delivery %s: unexpected error, left to its lease",
                                  delivery.id, extra=delivery_fields(
                                      delivery.id, outcome="error", worker=self.worker))
                    outcome = "error"
                if isinstance(outcome, str):
                    settled[outcome] += 1
                else:
                    ready.append(outcome)
            await session.commit()  # the suggestions computed for the cards
        return ready, settled

    async def _prepare(self, session: AsyncSession, delivery: Delivery, member: Member,
                       post: Post, workspace: Workspace, claim: Claim,
                       batch: Batch) -> _Send | str:
        """The delivery checked again and its card rendered, or the outcome that ends it."""
        target = conversation_from_json(member.conversation)
        if target is None:
            member.status = "unreachable"
            return await self._finish(session, delivery, "failed", "no conversation")
        try:
            messenger = self.rt.messenger(workspace.platform)
        except LookupError:
            return await self._later(session, delivery, self._now() + NO_ADAPTER_RETRY,
                                     "no-adapter", count=False)
        ready = _Send(delivery, member, messenger, target, claim)
        if claim.stale:
            RETRIES.labels(messenger.platform, "lease_expired").inc()
            log.warning("delivery %s: taken again, its worker's lease ran out", delivery.id,
                        extra=self._fields(ready, "lease_expired"))
        if delivery.attempts <= 1:  # an earlier attempt that may have posted is looked up
            outcome = await self._settle_by_standing(
                session, delivery, verdict(Standing.of(delivery, member, post, workspace),
                                           self.rt.charter.version, self._now()))
            if outcome is not None:
                return outcome
        if delivery.attempts > MAX_ATTEMPTS:  # claims that never came back (crashes)
            return await self._give_up(session, delivery, "no answer after repeated claims")
        drafted = bool(delivery.suggestions)
        suggestions, style = await compose(session, self.rt.texts, delivery, post, member,
                                           workspace, batch)
        if workspace.ai_drafts and self.rt.settings.llm_configured and delivery.attempts <= 1:
            AI_NUDGES.labels("ai" if any(s.source == AI for s in suggestions)
                             else "engine" if drafted else "late").inc()
        ready.card = nudge_card(self.rt.texts, post, delivery, suggestions, member, workspace,
                                style)
        return ready

    async def _settle_by_standing(self, session: AsyncSession, delivery: Delivery,
                                  decided: str | datetime | None) -> str | None:
        """End or postpone the claim as `verdict` decided; None when it may go."""
        if decided == CANCEL:
            return await self._finish(session, delivery, "cancelled")
        if decided == HOLD:
            return await self._later(session, delivery, delivery.due_at, "held", count=False)
        if isinstance(decided, datetime):
            return await self._later(session, delivery, decided, "postponed", count=False)
        return None

    # -- one delivery ------------------------------------------------------------------

    async def _one(self, ready: _Send, claimed: float, gate: asyncio.Semaphore) -> str:
        """One delivery: its resend check if it needs one, its turn awaited (outside the
        gate, so that waiting holds no worker), its last check, then sent and recorded."""
        delivery = ready.delivery
        try:
            if delivery.attempts > 1:
                looked = await self._look(ready, claimed)
                if looked is not None:
                    return looked
            late = await self.limits.wait(ready.messenger, ready.target,
                                          min(MAX_WAIT, max(self._left(claimed), 0.0)))
            if late:
                return await self._later_alone(delivery, self._now() + timedelta(seconds=late),
                                               "throttled")
            async with gate:
                if self._left(claimed) <= 0:  # the lease is nearly over: give it back
                    return await self._later_alone(delivery, self._now(), "lease-short")
                sent = await self._checked_send(ready)
            if isinstance(sent, str):
                return sent
            try:  # outside the gate: a record waiting for its batch holds no send back
                return await self._records.submit(sent)
            finally:
                self._on_wire.discard(asyncio.current_task())
        except Exception:
            # The claim stays until its lease ends; then it is checked and taken again.
            log.exception("delivery %s: unexpected error, left to its lease", delivery.id,
                          extra=delivery_fields(delivery.id, outcome="error",
                                                worker=self.worker))
            return "error"

    async def _checked_send(self, ready: _Send) -> str | _Sent:
        """The last check in the database, then the platform call: what to record, or the
        outcome that ends the delivery. A delivery that passed the check is on the wire
        (a shutdown lets it finish) until its record is written."""
        delivery = ready.delivery
        standing = await self._standings.submit(delivery.id)
        if standing is None or standing.delivery_status != "sending" \
                or standing.claimed_by != self.worker:
            # A stop or a cancelled post settled it meanwhile (or another worker has it).
            gone = standing is not None and standing.delivery_status == "cancelled"
            return "cancelled" if gone else "lost-claim"
        decided = verdict(standing, self.rt.charter.version, self._now())
        if decided is not None:
            async with self.rt.sessions() as session:
                outcome = await self._settle_by_standing(session, delivery, decided)
            assert outcome is not None
            return outcome
        assert ready.card is not None
        task = asyncio.current_task()
        assert task is not None
        self._on_wire.add(task)
        started = time.perf_counter()
        try:
            sent = await ready.messenger.send(ready.target, ready.card, key=ready.key)
        except SendError as error:
            self._on_wire.discard(task)
            return await self._failed(ready, error)
        except BaseException:
            self._on_wire.discard(task)
            raise
        SEND_SECONDS.labels(ready.messenger.platform).observe(time.perf_counter() - started)
        self.limits.succeeded(ready.messenger, ready.target)
        return _Sent(delivery.id, sent, "sent")

    async def _look(self, ready: _Send, claimed: float) -> str | None:
        """Record the delivery as found if an earlier attempt's message is already on the
        platform; None to go on and send it. A check that cannot be made now waits and is
        tried again: it never leads to a blind send, and never uses an attempt."""
        delivery = ready.delivery
        late = await self.limits.wait_lookup(ready.messenger, ready.target,
                                             min(MAX_WAIT, max(self._left(claimed), 0.0)))
        if late:
            return await self._later_alone(delivery, self._now() + timedelta(seconds=late),
                                           "lookup-throttled")
        since, until = ready.claim.window or (delivery.created_at - CLOCK_SKEW, None)
        try:
            found = await ready.messenger.find_sent(ready.target, ready.key, since, until)
        except SendError as error:
            return await self._lookup_failed(ready, error)
        if found is None:
            log.info("delivery %s: attempt %s, not on %s yet: sending", delivery.id,
                     delivery.attempts, ready.messenger.platform,
                     extra=self._fields(ready, "absent"))
            return None
        log.warning("delivery %s: already on %s from an unfinished attempt: recorded, not "
                    "sent again", delivery.id, ready.messenger.platform,
                    extra=self._fields(ready, "recovered"))
        return await self._records.submit(_Sent(delivery.id, found, "recovered"))

    async def _lookup_failed(self, ready: _Send, error: SendError) -> str:
        """The platform would not say whether the message is there: ask again later."""
        delivery, platform = ready.delivery, ready.messenger.platform
        log.warning("delivery %s: resend check failed: %s", delivery.id, error,
                    extra=self._fields(ready, "lookup-failed", error_kind=error.kind,
                                       retry_after=error.retry_after))
        if error.kind == "permanent":
            async with self.rt.sessions() as session:
                await self._unreachable(session, ready)
                return await self._finish(session, delivery, "failed", str(error))
        if error.kind == "rate_limited":
            RATE_LIMITED.labels(platform).inc()
            wait = 1.0 if error.retry_after is None else error.retry_after
            self.limits.lookup_limited(ready.messenger, ready.target, wait)
        else:
            wait = LOOKUP_RETRY * random.uniform(0.5, 1.5)
        RETRIES.labels(platform, "lookup").inc()
        return await self._later_alone(delivery, self._now() + timedelta(seconds=wait),
                                       "lookup-retry")

    async def _failed(self, ready: _Send, error: SendError) -> str:
        """What a refused send does to the delivery."""
        delivery, platform = ready.delivery, ready.messenger.platform
        log.warning("delivery %s: send failed (attempt %s): %s", delivery.id,
                    delivery.attempts, error,
                    extra=self._fields(ready, "send-failed", error_kind=error.kind,
                                       retry_after=error.retry_after))
        async with self.rt.sessions() as session:
            if error.kind == "rate_limited":
                RATE_LIMITED.labels(platform).inc()
                RETRIES.labels(platform, "rate_limited").inc()
                wait = 1.0 if error.retry_after is None else error.retry_after
                if self.limits.rate_limited(ready.messenger, ready.target, wait):
                    log.warning("%s: repeated 429s, workspace %s paused for %.1f s",
                                platform, ready.target.workspace_id, wait)
                return await self._later(session, delivery,
                                         self._now() + timedelta(seconds=wait),
                                         "rate-limited", count=False)
            if error.kind == "permanent":
                await self._unreachable(session, ready)
                return await self._finish(session, delivery, "failed", str(error))
            if delivery.attempts >= MAX_ATTEMPTS:
                return await self._give_up(session, delivery, str(error))
            RETRIES.labels(platform, "timeout" if "Timeout" in error.detail
                           else "transient").inc()
            return await self._later(session, delivery,
                                     self._now() + backoff(delivery.attempts), "retry",
                                     error=str(error))

    @staticmethod
    async def _unreachable(session: AsyncSession, ready: _Send) -> None:
        await session.execute(update(Member).where(Member.id == ready.member.id)
                              .values(status="unreachable"))

    def _fields(self, ready: _Send, outcome: str, **more: object) -> dict[str, object]:
        """A log record's structured fields about this delivery."""
        delivery = ready.delivery
        return delivery_fields(delivery.id, post_id=delivery.post_id,
                               member_id=delivery.member_id, platform=ready.messenger.platform,
                               outcome=outcome, attempt=delivery.attempts, worker=self.worker,
                               **more)

    # -- the database, in batches where it is the common path ---------------------------

    async def _standing(self, ids: list[int]) -> list[Standing | None]:
        async with self.rt.engine.connect() as conn:  # Core: no ORM session for a read
            found = await standings(conn, ids)
        return [found.get(i) for i in ids]

    async def _write(self, records: list[_Sent]) -> list[str]:
        """Record messages that went out, whoever holds the claim now: one statement for the
        batch. A delivery cancelled meanwhile stays cancelled (its message was on the wire
        when the stop came: counted in SENT_IN_FLIGHT); one another worker had recorded a
        message of its own for first is a duplicate (both went out: say so)."""
        refs = {r.delivery_id: message_to_json(r.ref) for r in records}
        table = Delivery.__table__
        assert isinstance(table, Table)
        async with self.rt.engine.begin() as conn:
            await conn.execute(
                update(table).where(table.c.id == bindparam("record_id"),
                                    table.c.sent_at.is_(None))
                .values(status=case((table.c.status == "sending", "sent"),
                                    else_=table.c.status),
                        sent_at=self._now(), message_ref=bindparam("record_ref"),
                        claimed_by=None),
                [{"record_id": i, "record_ref": ref} for i, ref in refs.items()])
            stored = {row.id: row for row in (await conn.execute(
                select(Delivery.id, Delivery.status, Delivery.message_ref)
                .where(Delivery.id.in_(refs)))).all()}
        outcomes = []
        for record in records:
            row = stored.get(record.delivery_id)
            if row is None or row.message_ref != refs[record.delivery_id]:
                log.error("delivery %s: sent, but another worker had recorded it already",
                          record.delivery_id, extra=delivery_fields(
                              record.delivery_id, outcome="duplicate", worker=self.worker))
                outcomes.append("duplicate")
                continue
            if row.status != "sent":
                SENT_IN_FLIGHT.labels(row.status).inc()
                log.info("delivery %s: its message was on the wire when it was %s",
                         record.delivery_id, row.status, extra=delivery_fields(
                             record.delivery_id, outcome="in-flight", worker=self.worker))
            outcomes.append(record.outcome)
        return outcomes

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

    async def _later_alone(self, delivery: Delivery, due: datetime, outcome: str) -> str:
        """`_later` in a session of its own, giving the attempt back."""
        async with self.rt.sessions() as session:
            return await self._later(session, delivery, due, outcome, count=False)

    async def _later(self, session: AsyncSession, delivery: Delivery, due: datetime,
                     outcome: str, *, count: bool = True, error: str | None = None) -> str:
        """Back to the queue for `due`. Only an attempt that may have posted (a send that
        failed in a way that leaves it unknown) keeps its count; every other way back gives
        the claim's attempt back, so `attempts > 1` at a claim means "look before sending".
        The lease's end stays: it tells the next claim when this attempt began."""
        values = {"last_error": error[:500]} if error else {}
        return await self._settle(
            session, delivery, outcome, status="planned", due_at=due,
            attempts=Delivery.attempts - (0 if count else 1), **values)

    async def _settle(self, session: AsyncSession, delivery: Delivery, outcome: str,
                      **values: object) -> str:
        """End this worker's claim with `values`, if the claim is still its own (a claim
        whose lease ran out may have been taken again, a stop may have cancelled it):
        `outcome`, else 'cancelled' or 'lost-claim'."""
        settled = await session.scalar(
            update(Delivery).where(Delivery.id == delivery.id, Delivery.status == "sending",
                                   Delivery.claimed_by == self.worker)
            .values(claimed_by=None, **values)
            .returning(Delivery.id).execution_options(synchronize_session=False))
        await session.commit()
        if settled is None:
            status = await session.scalar(select(Delivery.status)
                                          .where(Delivery.id == delivery.id))
            if status == "cancelled":
                return "cancelled"
            log.warning("delivery %s: claim lost before it ended (%s)", delivery.id, outcome,
                        extra=delivery_fields(delivery.id, outcome="lost-claim",
                                              worker=self.worker))
            return "lost-claim"
        return outcome
