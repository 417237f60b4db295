"""A rate budget every replica shares through PostgreSQL: one GCRA bucket row per key, booked
in small blocks of slots, with a 429's pause that every replica holds.

Why a shared bucket rather than leases of the ceiling among live replicas: leases split the
ceiling evenly whatever each replica's queue, need a liveness protocol, and a replica that
dies keeps its share until its lease runs out. A shared bucket gives each slot to whoever
asks first, works for any number of replicas without knowing it, and a replica that dies
holds only the slots it had booked, all due within HORIZON + BLOCK_SECONDS.

How: a key ("slack:T123" for sends, "slack:T123/lookup" for resend checks) is a
`RateBucket` row: `tat` (GCRA's theoretical arrival time) and `paused_until`, in epoch
seconds on the database's clock (clock_timestamp()), so replicas' clocks do not matter. One
INSERT ... ON CONFLICT DO UPDATE ... RETURNING books n slots: tat moves on by n intervals from
max(tat, now, paused_until), and the slots are the n intervals before the new tat. The row
lock orders concurrent bookings, so slots of all replicas together are one interval apart.
The statement's own clock_timestamp() maps them onto this process's monotonic clock: the
offset is the smallest of the last few bookings' (the least delayed answer), late by at most
a round trip, never early.

- A block is as many slots as callers wait for, or as this replica used in the last
  BLOCK_SECONDS (so a steady trickle costs well under one round trip a send), and at most
  BLOCK_SECONDS worth of the rate. A replica books only when the bucket's next slot is
  within LOOKAHEAD as far as it knows, and the database refuses a block starting more than
  HORIZON away (then it answers where the bucket is): nobody sits on budget far ahead.
- Callers of one replica queue in order for its slots. A slot is used within GRACE of its
  time or not at all (nobody took it, or its caller's event loop woke it too late): a
  replica that stalled never spends its overdue slots in one burst. So any window of w
  seconds holds at most rate * (w + GRACE) + 1 sends of all replicas together.
- A 429's pause holds this replica at once and is written to the row in the background;
  the others book after it from their next booking on.
- When the database fails, callers are told to come back in RETRY seconds.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
BLOCK_SECONDS = 0.25  # the most one booking takes: this many seconds of the rate
LOOKAHEAD = 0.5  # a replica books when the bucket's next slot is this near
HORIZON = 1.0  # the database books no block starting further away than this
GRACE = 0.5  # a booked slot unused this long after its time is lost
RETRY = 1.0  # seconds a caller is told to wait when the database could not be asked
OFFSETS = 8  # bookings whose clock offsets are kept: the smallest is used

# Epoch seconds on the database's clock at the instant each expression is evaluated (after
# any row-lock wait, unlike now()).
_NOW = "extract(epoch FROM clock_timestamp())::float8"
BOOK = text(f"""
WITH booked AS (
    INSERT INTO rate_buckets AS b (key, tat, paused_until)
    VALUES (:key, {_NOW} + :span, 0)
    ON CONFLICT (key) DO UPDATE
    SET tat = greatest(b.tat, {_NOW}, b.paused_until) + :span
    WHERE greatest(b.tat, b.paused_until) <= {_NOW} + :horizon
    RETURNING b.tat, b.paused_until, {_NOW} AS now, true AS booked
)
SELECT tat, paused_until, now, booked FROM booked
UNION ALL
SELECT tat, paused_until, {_NOW}, false FROM rate_buckets
WHERE key = :key AND NOT EXISTS (SELECT FROM booked)
""")
PAUSE = text(f"""
INSERT INTO rate_buckets AS b (key, tat, paused_until) VALUES (:key, 0, {_NOW} + :seconds)
ON CONFLICT (key) DO UPDATE SET paused_until = greatest(b.paused_until, {_NOW} + :seconds)
""")


@dataclass(frozen=True)
class Booking:
    """A bucket as a booking left it, in epoch seconds on the database's clock: `booked`
    says whether the slots up to `tat` were taken (else it was too far ahead: nothing)."""

    tat: float
    paused_until: float
    now: float
    booked: bool


class Bookings(Protocol):
    """Where the buckets live."""

    async def book(self, key: str, span: float, horizon: float) -> Booking:
        """Move `key`'s tat on by `span` seconds if its next slot is within `horizon`."""
        ...

    async def pause(self, key: str, seconds: float) -> None: ...


class SharedBudget:
    """The buckets in PostgreSQL's rate_buckets table, one autocommit statement each."""

    def __init__(self, engine: AsyncEngine) -> None:
        # A single statement needs no BEGIN and COMMIT round trips.
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def book(self, key: str, span: float, horizon: float) -> Booking:
        async with self.engine.connect() as conn:
            row = (await conn.execute(BOOK, {"key": key, "span": span,
                                             "horizon": horizon})).one()
        return Booking(row.tat, row.paused_until, row.now, row.booked)

    async def pause(self, key: str, seconds: float) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(PAUSE, {"key": key, "seconds": seconds})


class BudgetUnavailable(Exception):
    """The database could not be asked for slots."""


@dataclass
class _Waiter:
    deadline: float
    turn: asyncio.Future[tuple[float, bool]]  # (when, booked): a slot, or an estimate


@dataclass
class _Key:
    row: str
    slots: list[float] = field(default_factory=list)  # booked, nobody's yet, in order
    queue: deque[_Waiter] = field(default_factory=deque)
    floor: float = -math.inf  # no slot booked from now on can be earlier than this
    paused_until: float = -math.inf
    used: float = 0.0  # slots taken lately, decaying by e every BLOCK_SECONDS
    used_at: float = 0.0
    booking: asyncio.Task[None] | None = None
    writes: set[asyncio.Task[None]] = field(default_factory=set)


class SharedLimiter:
    """`rate` slots a second per key for all replicas together, in `bookings` (rows named
    key + `suffix`); the same `acquire`/`pause` contract as `RateLimiter`, without bursts.
    Times are on `clock`, which must advance with real time (it is slept on)."""

    def __init__(self, bookings: Bookings, rate: float, suffix: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not 0 < rate < math.inf:
            raise ValueError("a shared budget needs a finite positive rate")
        self.bookings = bookings
        self.interval = 1.0 / rate
        self.block = max(1, math.floor(rate * BLOCK_SECONDS))
        self.suffix = suffix
        self.clock = clock
        self._keys: dict[str, _Key] = {}
        self._offsets: deque[float] = deque(maxlen=OFFSETS)

    def _key(self, key: str) -> _Key:
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = _Key(key + self.suffix)
        return state

    def _turn(self, state: _Key, now: float) -> float:
        """The earliest a new caller could go (the others ahead of it may make it later)."""
        self._drop_stale(state, now)
        if state.slots:
            return max(state.slots[0], now)
        return max(state.floor + len(state.queue) * self.interval, state.paused_until, now)

    @staticmethod
    def _drop_stale(state: _Key, now: float) -> None:
        while state.slots and state.slots[0] < now - GRACE:
            state.slots.pop(0)

    def paused(self, key: str) -> float:
        """Seconds left of a pause of `key` known to this replica (0.0 when none)."""
        state = self._keys.get(key)
        return 0.0 if state is None else max(0.0, state.paused_until - self.clock())

    async def acquire(self, key: str, max_wait: float = math.inf) -> float:
        """Wait for a slot of `key` and take it: returns 0.0. A turn more than `max_wait`
        seconds away returns how far away it is instead, holding no slot."""
        state = self._key(key)
        deadline = self.clock() + max_wait
        while True:
            now = self.clock()
            if (ahead := self._turn(state, now) - now) > deadline - now:
                return ahead
            if state.slots:
                slot = state.slots.pop(0)
            else:
                try:
                    slot, booked = await self._wait_in_queue(state, deadline)
                except BudgetUnavailable:
                    return RETRY
                if not booked:
                    return max(slot - self.clock(), self.interval)
            now = self.clock()
            if slot > deadline:
                self._offer(state, slot)
                return slot - now
            if slot > now:
                await asyncio.sleep(slot - now)
            # Else a 429 came in meanwhile, or this caller woke too late: book again.
            if state.paused_until <= slot and self.clock() - slot <= GRACE:
                self._used(state, slot)
                return 0.0

    async def _wait_in_queue(self, state: _Key, deadline: float) -> tuple[float, bool]:
        """A slot (booked) or, past `deadline` or when the bucket is beyond it, an estimate
        of this caller's turn."""
        waiter = _Waiter(deadline, asyncio.get_running_loop().create_future())
        state.queue.append(waiter)
        if state.booking is None or state.booking.done():
            state.booking = asyncio.create_task(self._book(state))
        timeout = None if deadline == math.inf else max(deadline - self.clock(), 0.0)
        try:
            await asyncio.wait((waiter.turn,), timeout=timeout)
        finally:
            if not waiter.turn.done():
                waiter.turn.cancel()
                state.queue.remove(waiter)
        if waiter.turn.cancelled():
            return self._turn(state, self.clock()), False
        return waiter.turn.result()

    def _used(self, state: _Key, now: float) -> None:
        state.used = state.used * math.exp((state.used_at - now) / BLOCK_SECONDS) + 1.0
        state.used_at = now

    def _offer(self, state: _Key, slot: float) -> None:
        """A slot to the first caller in the queue, else to the free ones."""
        while state.queue:
            waiter = state.queue.popleft()
            if not waiter.turn.done():
                waiter.turn.set_result((slot, True))
                return
        bisect.insort(state.slots, slot)

    async def _book(self, state: _Key) -> None:
        """Book blocks for the queue of `state` until it is empty."""
        try:
            while state.queue:
                now = self.clock()
                if (early := max(state.floor, state.paused_until) - LOOKAHEAD - now) > 0:
                    await asyncio.sleep(early)
                    continue
                if state.writes:  # a pause of ours on its way to the row goes first
                    await asyncio.wait(state.writes)
                recent = state.used * math.exp((state.used_at - now) / BLOCK_SECONDS)
                n = min(max(len(state.queue), round(recent), 1), self.block)
                booking = await self.bookings.book(state.row, n * self.interval, HORIZON)
                self._booked(state, booking, n)
        except Exception as error:  # the database, mostly: nobody is left waiting forever
            log.warning("shared rate budget %s unavailable: %s: %s", state.row,
                        type(error).__name__, str(error).partition("\n")[0])
            while state.queue:
                waiter = state.queue.popleft()
                if not waiter.turn.done():
                    waiter.turn.set_exception(BudgetUnavailable())

    def _booked(self, state: _Key, booking: Booking, n: int) -> None:
        """What a booking of `n` slots answered, onto this process's clock."""
        self._offsets.append(self.clock() - booking.now)
        offset = min(self._offsets)
        state.paused_until = max(state.paused_until, booking.paused_until + offset)
        state.floor = max(state.floor, booking.tat + offset)
        if booking.booked:
            first = booking.tat + offset - n * self.interval
            for i in range(n):
                self._offer(state, max(first + i * self.interval, state.paused_until))
        else:
            self._beyond(state)

    def _beyond(self, state: _Key) -> None:
        """The bucket is too far ahead to book: callers who cannot wait for their turn are
        told when it is."""
        turn = max(state.floor, state.paused_until)
        for waiter in list(state.queue):
            if turn > waiter.deadline and not waiter.turn.done():
                waiter.turn.set_result((turn, False))
                state.queue.remove(waiter)
            turn += self.interval

    def pause(self, key: str, seconds: float) -> None:
        """Hold `key` for `seconds` here at once, and for every replica once written."""
        state = self._key(key)
        state.paused_until = max(state.paused_until, self.clock() + seconds)
        state.slots = [slot for slot in state.slots if slot >= state.paused_until]
        write = asyncio.get_running_loop().create_task(self._write_pause(state.row, seconds))
        state.writes.add(write)
        write.add_done_callback(state.writes.discard)

    async def _write_pause(self, row: str, seconds: float) -> None:
        try:
            await self.bookings.pause(row, seconds)
        except Exception as error:  # the database: this replica still holds the pause
            log.warning("shared rate budget %s: pause not shared: %s: %s", row,
                        type(error).__name__, str(error).partition("\n")[0])

    async def flush(self) -> None:
        """Wait until the pauses of this replica are written."""
        writes = [write for state in self._keys.values() for write in state.writes]
        if writes:
            await asyncio.wait(writes)
