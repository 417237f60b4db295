"""Token buckets per key, pausable for a 429's Retry-After, and the outbox's levels of them:
each conversation ("platform:conversation") and each workspace ("platform:workspace") before
a send, and each workspace's lookups (the resend check) on their own.

A bucket is kept as GCRA's theoretical arrival time: every caller books its own slot and
waits for it, first come first served, so many waiters never stampede one bucket. Time is
the process's monotonic clock (the limits are about real seconds, whatever the scheduler's
clock says); tests pass their own. On PostgreSQL the workspace and lookup levels are one
budget for all replicas (scheduler/budget.py); conversations stay in each process, as a
volunteer has one nudge at a time (weekly cap, minimum gap).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.events import ConversationRef
from bot.ports import Messenger
from bot.runtime import Runtime
from scheduler.budget import Bookings, SharedBudget, SharedLimiter

# Consecutive 429s in one workspace (no success in between) that pause the whole workspace.
# A 429 on chat.postMessage does not say whether it is the channel's limit or the
# workspace's: an isolated one pauses its conversation only; a run of them, which is what a
# workspace-wide limit looks like, pauses every conversation of the workspace. 1 pauses the
# workspace on every 429.
WORKSPACE_429_STREAK = 3
PRUNE_AT = 4096  # buckets kept before idle (full) ones are forgotten


@dataclass
class _Bucket:
    tat: float  # theoretical arrival time: the bucket is full again when tat <= now
    paused_until: float = 0.0


class RateLimiter:
    """`rate` sends a second per key, with bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int = 1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not rate > 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1) * self._interval
        self._buckets: dict[str, _Bucket] = {}

    def _start(self, bucket: _Bucket, now: float) -> float:
        """When the next slot of this bucket begins."""
        return max(now, bucket.tat - self._tolerance, bucket.paused_until)

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= PRUNE_AT:  # a full, unpaused bucket is a new one
                self._buckets = {k: b for k, b in self._buckets.items()
                                 if b.tat > now or b.paused_until > now}
            bucket = self._buckets[key] = _Bucket(now)
        return bucket

    def delay(self, key: str) -> float:
        """Seconds before `key` may send (0.0: now); books nothing."""
        now = self.clock()
        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else self._start(bucket, now) - now

    def reserve(self, key: str) -> float:
        """Book the next slot of `key`; returns the seconds to wait for it."""
        now = self.clock()
        bucket = self._bucket(key, now)
        start = self._start(bucket, now)
        bucket.tat = max(bucket.tat, start) + self._interval
        return start - now

    def paused(self, key: str) -> float:
        """Seconds left of a pause of `key` (0.0 when not paused)."""
        bucket = self._buckets.get(key)
        return 0.0 if bucket is None else max(0.0, bucket.paused_until - self.clock())

    def pause(self, key: str, seconds: float) -> None:
        """Hold every send on `key` for `seconds` (the platform said Retry-After)."""
        now = self.clock()
        bucket = self._bucket(key, now)
        bucket.paused_until = max(bucket.paused_until, now + seconds)

    async def acquire(self, key: str, max_wait: float = math.inf) -> float:
        """Wait for `key`'s turn and take it: returns 0.0.

        When the turn is more than `max_wait` seconds away (a long pause, a long queue),
        returns how far away it is instead: nothing is booked before waiting, and a slot
        booked then cut short by a new pause is given up."""
        deadline = self.clock() + max_wait
        if (ahead := self.delay(key)) > max_wait:
            return ahead
        wait = self.reserve(key)
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self.paused(key)  # a 429 may have come in while this caller waited
            if self.clock() + wait > deadline:
                return wait
        return 0.0


class Bucket(Protocol):
    """What Limits needs of a limiter: `RateLimiter` here, `SharedLimiter` across replicas."""

    async def acquire(self, key: str, max_wait: float = math.inf) -> float: ...

    def pause(self, key: str, seconds: float) -> None: ...


class Limits:
    """The outbox's limiters, one per platform and level, created from what each messenger
    declares (`rate_per_target`, `rate_per_workspace`, `lookup_rate_per_workspace`);
    `limiters` may hold ready ones under "<platform>" (conversations),
    "<platform>/workspace" and "<platform>/lookup". With `shared` (PostgreSQL), the
    workspace and lookup levels of a declared rate are budgets of all replicas together;
    without a declared rate a level only pauses, and stays in this process."""

    def __init__(self, limiters: Mapping[str, Bucket] | None = None,
                 streak: int = WORKSPACE_429_STREAK,
                 clock: Callable[[], float] = time.monotonic,
                 shared: Bookings | None = None) -> None:
        self.limiters: dict[str, Bucket] = dict(limiters or {})
        self.streak = streak
        self.clock = clock
        self.shared = shared
        self._429s: dict[str, int] = {}

    def _limiter(self, name: str, rate: float | None, suffix: str | None = None) -> Bucket:
        """The limiter `name`, made on first use; `suffix` names its rows when shared."""
        if name not in self.limiters:
            if self.shared is not None and suffix is not None and rate is not None:
                self.limiters[name] = SharedLimiter(self.shared, rate, suffix, self.clock)
            else:
                self.limiters[name] = RateLimiter(rate or math.inf, clock=self.clock)
        return self.limiters[name]

    def _levels(self, messenger: Messenger,
                target: ConversationRef) -> list[tuple[Bucket, str]]:
        """(limiter, key) for the conversation, then for its workspace."""
        platform = messenger.platform
        return [
            (self._limiter(platform, messenger.rate_per_target),
             target_key(platform, target)),
            (self._limiter(f"{platform}/workspace", messenger.rate_per_workspace, ""),
             workspace_key(platform, target)),
        ]

    def _lookups(self, messenger: Messenger, target: ConversationRef) -> tuple[Bucket, str]:
        """(limiter, key) for the lookups of the target's workspace."""
        platform = messenger.platform
        return (self._limiter(f"{platform}/lookup", messenger.lookup_rate_per_workspace,
                              "/lookup"),
                workspace_key(platform, target))

    async def wait(self, messenger: Messenger, target: ConversationRef,
                   budget: float = math.inf) -> float:
        """Wait for the conversation's turn, then the workspace's: 0.0 when the send may go.

        A turn further away than what is left of `budget` (seconds) returns how far away it
        is, so that the caller puts the send back rather than holding it."""
        deadline = self.clock() + budget
        for limiter, key in self._levels(messenger, target):
            late = await limiter.acquire(key, max(0.0, deadline - self.clock()))
            if late:
                return late
        return 0.0

    def rate_limited(self, messenger: Messenger, target: ConversationRef,
                     seconds: float) -> bool:
        """A 429 for `target`: pause its conversation, and its whole workspace after a
        streak of them. Returns whether the workspace was paused."""
        (target_limiter, key), (workspace_limiter, wkey) = self._levels(messenger, target)
        target_limiter.pause(key, seconds)
        self._429s[wkey] = self._429s.get(wkey, 0) + 1
        if self._429s[wkey] < self.streak:
            return False
        self._429s[wkey] = 0
        workspace_limiter.pause(wkey, seconds)
        return True

    def succeeded(self, messenger: Messenger, target: ConversationRef) -> None:
        """A send went through: the workspace's run of 429s is broken."""
        self._429s.pop(workspace_key(messenger.platform, target), None)

    async def wait_lookup(self, messenger: Messenger, target: ConversationRef,
                          budget: float = math.inf) -> float:
        """Wait for the workspace's turn to ask the platform whether a message is already
        there (the resend check): 0.0 when it may ask; a turn further away than `budget`
        seconds returns how far away it is. Sends are not paced by it, nor it by them."""
        limiter, key = self._lookups(messenger, target)
        return await limiter.acquire(key, budget)

    def lookup_limited(self, messenger: Messenger, target: ConversationRef,
                       seconds: float) -> None:
        """A 429 on a lookup: hold the lookups of the target's workspace, not its sends."""
        limiter, key = self._lookups(messenger, target)
        limiter.pause(key, seconds)

    async def flush(self) -> None:
        """Wait until the pauses shared with other replicas are written."""
        for limiter in self.limiters.values():
            if isinstance(limiter, SharedLimiter):
                await limiter.flush()


def target_key(platform: str, target: ConversationRef) -> str:
    return f"{platform}:{target.conversation_id}"


def workspace_key(platform: str, target: ConversationRef) -> str:
    return f"{platform}:{target.workspace_id}"


def make_limits(rt: Runtime, limiters: Mapping[str, Bucket] | None = None) -> Limits:
    """The outbox's limits for this runtime: on PostgreSQL, budgets shared by its replicas;
    on SQLite (one process), this process's own."""
    shared = SharedBudget(rt.engine) if rt.engine.dialect.name == "postgresql" else None
    return Limits(limiters, shared=shared)
