"""One workspace budget for every replica on PostgreSQL: replicas taking slots together never
go over the ceiling in any window and together come close to it; a 429 pause seen by one
holds the others; a lookup's 429 holds lookups and not sends; a dead replica holds little;
SQLite keeps each process's own limiter. Each replica is a Runtime with its own engine.

Nothing here asserts a duration: grants are counted against ceilings computed from the
elapsed time measured, with margins, and waits are read from what the limiter answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from adapters.console.transport import ConsoleMessenger
from bot.cards import Card
from bot.clock import ManualClock
from bot.config import Settings
from bot.events import ConversationRef, MessageRef
from bot.runtime import Runtime, open_runtime
from scheduler.budget import BLOCK_SECONDS, GRACE, HORIZON, SharedLimiter
from scheduler.ratelimit import Limits, RateLimiter, make_limits
from scheduler.runner import Jobs
from storage.models import RateBucket
from tests.conftest import START, postgresql_url
from tests.test_replicas import seed

RATE = 60.0  # sends a second to the workspace, all replicas together
PAUSE = 30.0


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only (overrides the sqlite/postgresql pair of conftest)."""
    return postgresql_url(request)


@pytest.fixture
async def replicas(rt: Runtime, settings: Settings,
                   clock: ManualClock) -> AsyncIterator[list[Runtime]]:
    """Three replicas: `rt` and two more runtimes, each with its own engine."""
    others = [await open_runtime(settings, clock, migrate=False) for _ in range(2)]
    yield [rt, *others]
    for runtime in others:
        await runtime.close()


def slack(rate: float | None = RATE, lookups: float | None = 1 / 60) -> SimpleNamespace:
    return SimpleNamespace(platform="slack", rate_per_target=1.0, rate_per_workspace=rate,
                           lookup_rate_per_workspace=lookups)


def dm(conversation: str, workspace: str = "T1") -> ConversationRef:
    return ConversationRef("slack", workspace, conversation)


def most_in_a_window(grants: list[float], seconds: float) -> int:
    """The most grants in any window of `seconds`."""
    grants, most, first = sorted(grants), 0, 0
    for last, at in enumerate(grants):
        while grants[first] < at - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


async def ahead_of_the_database(rt: Runtime, key: str) -> float:
    """How far the bucket's booked slots run ahead of the database's clock (seconds)."""
    async with rt.engine.connect() as conn:
        return float(await conn.scalar(text(
            "SELECT tat - extract(epoch FROM clock_timestamp()) FROM rate_buckets "
            "WHERE key = :key"), {"key": key}))


async def fan_out(limits: list[Limits], senders: int, seconds: float,
                  watch: Runtime) -> tuple[list[float], float]:
    """Every replica's `senders` send to new conversations for `seconds`, as the outbox
    does (a turn too far away is put back, then tried again). Returns the grant times and
    how far ahead of the database's clock the bucket ever ran."""
    grants: list[float] = []
    stop = time.monotonic() + seconds
    messenger = slack()
    ahead = 0.0

    async def sender(replica: Limits, name: str) -> None:
        n = 0
        while time.monotonic() < stop:
            n += 1
            late = await replica.wait(messenger, dm(f"{name}-{n}"), budget=10.0)
            if late:
                await asyncio.sleep(min(late, 0.05))
            else:
                grants.append(time.monotonic())

    async def watcher() -> None:
        nonlocal ahead
        while time.monotonic() < stop:
            await asyncio.sleep(0.05)
            ahead = max(ahead, await ahead_of_the_database(watch, "slack:T1"))

    await asyncio.gather(watcher(), *(sender(replica, f"D{r}.{s}")
                                      for r, replica in enumerate(limits)
                                      for s in range(senders)))
    return grants, ahead


async def test_three_replicas_together_stay_under_the_ceiling_and_come_close_to_it(replicas):
    limits = [make_limits(runtime) for runtime in replicas]
    grants, ahead = await fan_out(limits, senders=40, seconds=3.0, watch=replicas[0])

    # Never over the ceiling: slots are one interval apart for all replicas together and
    # each is used within GRACE of its time or not at all, so a window of w seconds holds
    # at most RATE * (w + GRACE) + 1 grants (+1: each replica maps the database's clock
    # onto its own late by up to a round trip).
    for window in (0.5, 1.0, 2.0):
        assert most_in_a_window(grants, window) <= RATE * (window + GRACE) + 2, window
    # Close to it from first grant to last: three replicas lose next to nothing.
    span = max(grants) - min(grants)
    assert len(grants) - 1 >= 0.9 * RATE * span
    # Without sharing each would have taken the whole ceiling: three times as much.
    assert len(grants) < 1.5 * RATE * span
    # No replica ever sat on more than a block beyond the horizon of the bucket.
    assert ahead <= HORIZON + BLOCK_SECONDS + 1 / RATE


class PacedConsole(ConsoleMessenger):
    """The console with a workspace ceiling, noting when each message arrives."""

    rate_per_workspace: float | None = 30.0

    def __init__(self, arrivals: list[float]) -> None:
        super().__init__()
        self.arrivals = arrivals

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        self.arrivals.append(time.monotonic())
        return await super().send(target, card, key=key)


async def test_two_replicas_outboxes_keep_one_ceiling_between_them(replicas):
    a, b, _ = replicas
    due = await seed(a, due=90)
    arrivals: list[float] = []
    platforms = [PacedConsole(arrivals), PacedConsole(arrivals)]
    a.messengers["console"], b.messengers["console"] = platforms
    outboxes = [Jobs(a), Jobs(b)]
    for jobs in outboxes:
        jobs.outbox.batch = 20  # both replicas take part

    for _ in range(30):
        if not any(await asyncio.gather(*(jobs.send() for jobs in outboxes))):
            break
    else:
        pytest.fail("the outbox never drained")

    keys = platforms[0].sent_keys + platforms[1].sent_keys
    assert sorted(keys) == sorted(f"delivery-{i}" for i in due)
    assert platforms[0].sent_keys and platforms[1].sent_keys
    ceiling = PacedConsole.rate_per_workspace
    assert ceiling is not None
    for window in (0.5, 1.0):
        assert most_in_a_window(arrivals, window) <= ceiling * (window + GRACE) + 2, window


async def test_make_limits_shares_the_workspace_and_lookup_levels_only(rt):
    limits = make_limits(rt)
    messenger = slack()
    assert await limits.wait(messenger, dm("D1")) == 0.0
    assert await limits.wait_lookup(messenger, dm("D1")) == 0.0
    assert isinstance(limits.limiters["slack/workspace"], SharedLimiter)
    assert isinstance(limits.limiters["slack/lookup"], SharedLimiter)
    assert isinstance(limits.limiters["slack"], RateLimiter)  # a conversation is one replica's
    async with rt.sessions() as session:
        keys = set(await session.scalars(select(RateBucket.key)))
    assert keys == {"slack:T1", "slack:T1/lookup"}


async def test_a_pause_seen_by_one_replica_holds_the_others(replicas):
    a, b, c = (make_limits(runtime) for runtime in replicas)
    messenger = slack()
    assert await b.wait(messenger, dm("D0"), budget=1.0) == 0.0  # b knows the bucket already
    a.streak = 1  # every 429 pauses the workspace
    assert a.rate_limited(messenger, dm("D1"), PAUSE) is True
    await a.flush()

    for replica in (b, c):  # one that had booked before the pause, one that had not
        late = await replica.wait(messenger, dm("D2"), budget=1.0)
        assert PAUSE - 5 < late <= PAUSE + 1
    assert await b.wait(messenger, dm("D3", workspace="T2"), budget=1.0) == 0.0
    assert await c.wait_lookup(messenger, dm("D2"), budget=1.0) == 0.0  # lookups go on


async def test_a_lookup_429_holds_lookups_everywhere_and_never_sends(replicas):
    a, b, _ = (make_limits(runtime) for runtime in replicas)
    messenger = slack(lookups=10.0)
    a.lookup_limited(messenger, dm("D1"), PAUSE)
    await a.flush()

    assert PAUSE - 5 < await b.wait_lookup(messenger, dm("D2"), budget=1.0) <= PAUSE + 1
    assert PAUSE - 5 < await a.wait_lookup(messenger, dm("D3"), budget=1.0) <= PAUSE + 1
    for replica in (a, b):
        assert await replica.wait(messenger, dm("D4"), budget=1.0) == 0.0


async def test_one_lookup_a_minute_is_one_for_all_replicas(replicas):
    a, b, c = (make_limits(runtime) for runtime in replicas)
    messenger = slack(lookups=1 / 60)  # a Slack app distributed outside the Marketplace
    assert await a.wait_lookup(messenger, dm("D1"), budget=5.0) == 0.0
    for replica, conversation in ((b, "D2"), (c, "D3"), (a, "D4")):
        assert 55 < await replica.wait_lookup(messenger, dm(conversation), budget=5.0) <= 61
    assert await b.wait_lookup(messenger, dm("D5", workspace="T2"), budget=5.0) == 0.0


async def test_a_replica_that_dies_holds_at_most_a_block_of_the_budget(replicas):
    dying, survivor, _ = (make_limits(runtime) for runtime in replicas)
    messenger = slack()
    # The dying replica has far more to send than the ceiling allows for a while.
    senders = [asyncio.create_task(dying.wait(messenger, dm(f"D{n}"), budget=10.0))
               for n in range(500)]
    while sum(task.done() for task in senders) < 20:
        await asyncio.sleep(0.01)
    ahead = await ahead_of_the_database(replicas[0], "slack:T1")
    for task in senders:  # its process is gone: nothing it booked will be used
        task.cancel()
    await asyncio.gather(*senders, return_exceptions=True)

    assert ahead <= HORIZON + BLOCK_SECONDS + 1 / RATE
    # The survivor's turn comes within that, whatever the dead one had booked.
    late = await survivor.wait(messenger, dm("D-survivor"), budget=0.5)
    assert late <= HORIZON + BLOCK_SECONDS + 1 / RATE


async def test_on_sqlite_each_process_keeps_its_own_limiter(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'one.db'}"
    rt = await open_runtime(Settings(database_url=url), ManualClock(START))
    try:
        limits = make_limits(rt)
        messenger = slack()
        assert await limits.wait(messenger, dm("D1")) == 0.0
        assert await limits.wait_lookup(messenger, dm("D1")) == 0.0
        assert limits.shared is None
        assert all(isinstance(limiter, RateLimiter) for limiter in limits.limiters.values())
        assert set(limits.limiters) == {"slack", "slack/workspace", "slack/lookup"}
    finally:
        await rt.close()
