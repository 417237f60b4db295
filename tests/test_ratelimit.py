"""The limiters: token buckets per key, bursts, pauses after a 429, the outbox's levels (each
conversation, each workspace, each workspace's lookups), and the shared budget's logic over
an in-memory stand-in for its database rows (tests/test_shared_budget.py runs it on
PostgreSQL). Delays are read on a fake clock; the few real waits are small and only checked
as "at least" and in order."""

from __future__ import annotations

import asyncio
import math
import time
from types import SimpleNamespace

import pytest

import scheduler.ratelimit as ratelimit
from bot.events import ConversationRef
from scheduler.budget import RETRY, Booking, SharedBudget, SharedLimiter
from scheduler.ratelimit import Limits, RateLimiter
from storage.db import make_engine


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def now() -> FakeTime:
    return FakeTime()


def test_a_bucket_gives_its_burst_then_one_token_per_interval(now):
    limiter = RateLimiter(rate=2, burst=3, clock=now)
    assert [limiter.reserve("slack:D1") for _ in range(5)] == [0.0, 0.0, 0.0, 0.5, 1.0]
    assert limiter.delay("slack:D1") == 1.5  # the next free slot, behind the two booked
    assert limiter.delay("slack:D1") == 1.5  # delay() books nothing

    now.now += 1.5
    assert limiter.reserve("slack:D1") == 0.0
    now.now += 100  # idle: the bucket fills up to its burst, no more
    assert [limiter.reserve("slack:D1") for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_keys_are_independent(now):
    limiter = RateLimiter(rate=0.01, clock=now)  # a token every 100 s
    assert limiter.reserve("slack:D1") == 0.0
    assert limiter.delay("slack:D1") == pytest.approx(100)
    assert limiter.reserve("slack:D2") == 0.0
    assert limiter.delay("slack:D3") == 0.0


def test_a_pause_holds_its_key_only_and_never_shortens(now):
    limiter = RateLimiter(rate=10, clock=now)
    limiter.pause("slack:D1", 30)
    limiter.pause("slack:D1", 5)
    assert limiter.delay("slack:D1") == 30
    assert limiter.paused("slack:D1") == 30
    assert limiter.delay("slack:D2") == 0.0
    assert limiter.reserve("slack:D1") == 30  # booked at the end of the pause
    assert limiter.reserve("slack:D1") == pytest.approx(30.1)
    now.now += 31
    assert limiter.paused("slack:D1") == 0.0


def test_bad_rates_are_refused():
    for rate, burst in [(0, 1), (-1, 1), (1, 0), (math.nan, 1)]:
        with pytest.raises(ValueError):
            RateLimiter(rate=rate, burst=burst)
    assert RateLimiter(rate=math.inf).reserve("k") == 0.0  # no pace: only pauses


def test_idle_buckets_are_forgotten(now, monkeypatch):
    monkeypatch.setattr(ratelimit, "PRUNE_AT", 3)
    limiter = RateLimiter(rate=1, clock=now)
    for key in ("a", "b", "c"):
        limiter.reserve(key)
    limiter.pause("c", 60)
    now.now += 5
    limiter.reserve("d")
    assert set(limiter._buckets) == {"c", "d"}
    assert limiter.delay("c") == 55


async def test_acquire_gives_up_at_once_on_a_turn_too_far_away(now):
    limiter = RateLimiter(rate=1, clock=now)
    limiter.pause("k", 60)
    assert await limiter.acquire("k", max_wait=10) == 60
    assert limiter.delay("k") == 60  # nothing booked
    assert await limiter.acquire("other", max_wait=10) == 0.0


async def test_waiters_are_served_in_order_at_the_pace():
    limiter = RateLimiter(rate=50)  # a slot every 20 ms
    served: list[int] = []

    async def send(n: int) -> None:
        assert await limiter.acquire("slack:D1") == 0.0
        served.append(n)

    started = time.monotonic()
    await asyncio.gather(*(send(n) for n in range(5)))
    assert served == [0, 1, 2, 3, 4]
    assert time.monotonic() - started >= 4 / 50


async def test_a_pause_during_a_wait_is_waited_for_too():
    limiter = RateLimiter(rate=20)
    limiter.reserve("k")  # the next slot is 50 ms away
    waiting = asyncio.create_task(limiter.acquire("k"))
    await asyncio.sleep(0.01)
    limiter.pause("k", 0.15)
    started = time.monotonic()
    assert await waiting == 0.0
    assert time.monotonic() - started >= 0.13


def slack(rate_per_target: float | None = 1.0, rate_per_workspace: float | None = 100.0,
          lookup_rate_per_workspace: float | None = None):
    return SimpleNamespace(platform="slack", rate_per_target=rate_per_target,
                           rate_per_workspace=rate_per_workspace,
                           lookup_rate_per_workspace=lookup_rate_per_workspace)


def dm(conversation: str, workspace: str = "T1") -> ConversationRef:
    return ConversationRef("slack", workspace, conversation)


def test_a_429_pauses_its_conversation_and_a_run_of_them_the_workspace(now):
    limits, messenger = Limits(clock=now), slack()
    assert limits.rate_limited(messenger, dm("D1"), 30) is False
    assert limits.rate_limited(messenger, dm("D2"), 30) is False
    conversations, workspaces = limits.limiters["slack"], limits.limiters["slack/workspace"]
    assert conversations.delay("slack:D1") == conversations.delay("slack:D2") == 30
    assert conversations.delay("slack:D3") == 0.0
    assert workspaces.delay("slack:T1") == 0.0

    assert limits.rate_limited(messenger, dm("D3"), 30) is True  # the third in a row
    assert workspaces.delay("slack:T1") == 30
    assert workspaces.delay("slack:T2") == 0.0  # another workspace is another limit


def test_a_send_between_429s_breaks_the_run(now):
    limits, messenger = Limits(clock=now), slack()
    for conversation in ("D1", "D2", "D3", "D4"):
        if conversation == "D3":
            limits.succeeded(messenger, dm("D0"))
        assert limits.rate_limited(messenger, dm(conversation), 5) is False
    assert limits.limiters["slack/workspace"].delay("slack:T1") == 0.0


def test_a_streak_of_one_pauses_both_levels_on_every_429(now):
    limits, messenger = Limits(streak=1, clock=now), slack(None, None)  # no declared pace
    assert limits.rate_limited(messenger, dm("D1"), 12) is True
    assert limits.limiters["slack"].delay("slack:D1") == 12
    assert limits.limiters["slack/workspace"].delay("slack:T1") == 12


async def test_limits_wait_for_the_conversation_then_the_workspace():
    limits, messenger = Limits(), slack(rate_per_target=1.0, rate_per_workspace=40.0)
    started = time.monotonic()
    for conversation in ("D1", "D2", "D3", "D4"):  # different conversations: workspace pace
        assert await limits.wait(messenger, dm(conversation)) == 0.0
    assert time.monotonic() - started >= 3 / 40
    # The same conversation again is a second away: too far for a small budget.
    assert await limits.wait(messenger, dm("D4"), budget=0.2) == pytest.approx(1.0, abs=0.1)


async def test_limits_hand_back_a_send_held_by_a_long_pause(now):
    limits, messenger = Limits(clock=now), slack()
    limits.rate_limited(messenger, dm("D1"), 45)
    assert await limits.wait(messenger, dm("D1"), budget=10) == 45
    assert await limits.wait(messenger, dm("D2"), budget=10) == 0.0


async def test_lookups_are_paced_on_their_own_and_a_lookup_429_holds_only_them(now):
    limits = Limits(clock=now)
    messenger = slack(lookup_rate_per_workspace=1 / 60)  # a distributed app: one a minute
    assert await limits.wait_lookup(messenger, dm("D1"), budget=10) == 0.0
    assert await limits.wait_lookup(messenger, dm("D2"), budget=10) == pytest.approx(60)
    assert await limits.wait(messenger, dm("D3"), budget=10) == 0.0  # sends go on
    assert await limits.wait_lookup(messenger, dm("D4", "T2"), budget=10) == 0.0

    now.now += 60
    limits.lookup_limited(messenger, dm("D5"), 45)
    assert await limits.wait_lookup(messenger, dm("D5"), budget=10) == 45
    assert await limits.wait(messenger, dm("D5"), budget=10) == 0.0
    assert limits.limiters["slack/workspace"].delay("slack:T1") < 1  # never paused


async def test_without_a_lookup_rate_lookups_only_pause(now):
    limits = Limits(clock=now)
    messenger = slack(lookup_rate_per_workspace=None)  # Teams, the console
    for conversation in ("D1", "D2", "D3"):
        assert await limits.wait_lookup(messenger, dm(conversation), budget=0) == 0.0
    limits.lookup_limited(messenger, dm("D1"), 5)
    assert await limits.wait_lookup(messenger, dm("D1"), budget=1) == 5


class Rows:
    """The database's side of SharedBudget in memory (its SQL runs in test_shared_budget):
    one GCRA row per key on epoch seconds; records each booking asked for."""

    def __init__(self) -> None:
        self.tat: dict[str, float] = {}
        self.paused: dict[str, float] = {}
        self.asked: list[tuple[str, int, bool]] = []  # key, slots, booked
        self.rate = 1.0

    async def book(self, key: str, span: float, horizon: float) -> Booking:
        now = time.time()
        tat, paused = self.tat.get(key, 0.0), self.paused.get(key, 0.0)
        booked = key not in self.tat or max(tat, paused) <= now + horizon
        if booked:
            tat = self.tat[key] = max(tat, now, paused) + span
        self.asked.append((key, round(span * self.rate), booked))
        return Booking(tat, paused, time.time(), booked)

    async def pause(self, key: str, seconds: float) -> None:
        await asyncio.sleep(0)  # written in the background, not at once
        self.paused[key] = max(self.paused.get(key, 0.0), time.time() + seconds)


def shared(rate: float) -> tuple[SharedLimiter, Rows]:
    rows = Rows()
    rows.rate = rate
    return SharedLimiter(rows, rate), rows


async def test_a_queue_of_callers_is_served_in_order_by_blocks_of_a_quarter_second():
    limiter, rows = shared(rate=40)  # blocks of 10 slots
    served: list[int] = []

    async def send(n: int) -> None:
        assert await limiter.acquire("slack:T1", max_wait=5) == 0.0
        served.append(n)

    started = time.monotonic()
    await asyncio.gather(*(send(n) for n in range(25)))
    assert served == list(range(25))
    assert [slots for _, slots, _ in rows.asked] == [10, 10, 5]  # 3 round trips for 25
    assert time.monotonic() - started >= 24 / 40


async def test_a_steady_trickle_books_ahead_of_its_callers():
    limiter, rows = shared(rate=200)
    for _ in range(100):  # one caller after another, each as soon as the last went
        assert await limiter.acquire("slack:T1", max_wait=5) == 0.0
    assert len(rows.asked) <= 30  # well under a round trip a send


async def test_a_bucket_booked_far_ahead_by_others_gives_a_turn_and_books_nothing():
    limiter, rows = shared(rate=10)
    rows.tat["slack:T1"] = time.time() + 5  # the other replicas booked 5 s of slots
    late = await limiter.acquire("slack:T1", max_wait=1)
    assert 4 < late <= 5
    assert rows.asked == [("slack:T1", 1, False)]
    assert rows.tat["slack:T1"] < time.time() + 5  # unchanged
    assert 3.5 < await limiter.acquire("slack:T1", max_wait=1) <= 5  # known: not asked again
    assert len(rows.asked) == 1


async def test_a_429_holds_this_replica_at_once_and_the_row_once_written():
    limiter, rows = shared(rate=10)
    assert await limiter.acquire("slack:T1", max_wait=1) == 0.0
    limiter.pause("slack:T1", 30)
    assert 29 < limiter.paused("slack:T1") <= 30
    assert 29 < await limiter.acquire("slack:T1", max_wait=1) <= 30  # nothing asked
    assert len(rows.asked) == 1
    await limiter.flush()
    assert 29 < rows.paused["slack:T1"] - time.time() <= 30
    assert limiter.paused("slack:T2") == 0.0


async def test_a_pause_during_a_wait_for_a_shared_slot_is_waited_for_too():
    limiter, rows = shared(rate=10)
    rows.tat["slack:T1"] = time.time() + 0.2  # the next slot is 0.2 s away
    waiting = asyncio.create_task(limiter.acquire("slack:T1", max_wait=5))
    while not rows.asked:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    limiter.pause("slack:T1", 0.6)
    assert await waiting == 0.0
    assert time.monotonic() - started >= 0.55  # booked again after the pause
    assert [booked for _, _, booked in rows.asked] == [True, True]


async def test_a_database_that_cannot_be_reached_says_come_back_soon(caplog):
    engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    limiter = SharedLimiter(SharedBudget(engine), rate=10)
    try:
        assert await limiter.acquire("slack:T1", max_wait=5) == RETRY
        limiter.pause("slack:T1", 3)  # held here all the same
        await limiter.flush()
        assert await limiter.acquire("slack:T1", max_wait=1) > 2
    finally:
        await engine.dispose()
    assert "shared rate budget slack:T1 unavailable" in caplog.text
    assert "Traceback" not in caplog.text
