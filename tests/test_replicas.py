"""Several replicas on one PostgreSQL database: disjoint claims, each nudge sent once,
and the singleton jobs (plan, digest, maintenance) on one replica at a time, taken over
when the replica holding them dies. Each replica is a Runtime with its own engine."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.console.transport import ConsoleMessenger, conversation_ref, dm_id
from bot.clock import ManualClock
from bot.config import Settings
from bot.refs import conversation_to_json
from bot.runtime import Runtime, open_runtime
from scheduler.locks import holder, lock_key, singleton
from scheduler.outbox import claim
from scheduler.runner import Jobs
from storage.models import Delivery, Member, Post, Workspace
from tests.conftest import PG_URL, START, enlist, postgresql_url
from tests.fakes import queue_post
from tests.helpers import rows

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only (overrides the sqlite/postgresql pair of conftest)."""
    return postgresql_url(request)


@pytest.fixture
async def other(rt: Runtime, settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    """Replica B, beside replica A (`rt`): its own engine on the same database and clock."""
    runtime = await open_runtime(settings, clock, migrate=False)
    yield runtime
    await runtime.close()


async def seed(rt: Runtime, due: int, later: int = 0, stale: int = 0) -> set[int]:
    """Volunteers with one delivery each: due now, due tomorrow, or claimed by a replica
    whose lease ran out. Returns the ids claimable now."""
    now = rt.clock.now()
    kinds = ["due"] * due + ["later"] * later + ["stale"] * stale
    async with rt.sessions() as session:
        workspace = Workspace(platform="console", external_id="local", created_at=now)
        session.add(workspace)
        await session.flush()
        post = Post(workspace_id=workspace.id, url="https://example.com/news", title="News",
                    publish_at=now, created_at=now)
        members = [Member(workspace_id=workspace.id, external_id=f"v{n}", status="active",
                          charter_version=rt.charter.version, opted_in_at=now, created_at=now,
                          conversation=conversation_to_json(conversation_ref(dm_id(f"v{n}"))))
                   for n in range(len(kinds))]
        session.add(post)
        session.add_all(members)
        await session.flush()
        deliveries = [Delivery(post_id=post.id, member_id=member.id, created_at=now,
                               due_at=now + timedelta(days=1 if kind == "later" else -1))
                      for member, kind in zip(members, kinds, strict=True)]
        for delivery, kind in zip(deliveries, kinds, strict=True):
            if kind == "stale":
                delivery.status, delivery.attempts = "sending", 1
                delivery.claimed_by, delivery.claimed_until = "dead", now - timedelta(minutes=1)
        session.add_all(deliveries)
        await session.commit()
        return {d.id for d, kind in zip(deliveries, kinds, strict=True) if kind != "later"}


async def test_two_replicas_on_postgresql_never_claim_the_same_delivery(rt, other, clock):
    claimable = await seed(rt, due=150, later=20, stale=30)
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    async def drain(runtime: Runtime, worker: str) -> None:
        while True:  # small batches, so that the two replicas' claims interleave
            async with runtime.sessions() as session:
                taken = await claim(session, clock.now(), worker, 7)
            if not taken:
                return
            claimed[worker] += taken

    for _ in range(3):
        await asyncio.gather(drain(rt, "a"), drain(other, "b"), drain(rt, "a"))

    a, b = claimed["a"], claimed["b"]
    assert len(a) == len(set(a)) and len(b) == len(set(b))
    assert not set(a) & set(b)
    assert set(a) | set(b) == claimable
    owners = {d.id: d.claimed_by for d in await rows(other, Delivery)}
    assert {i for i, owner in owners.items() if owner == "a"} == set(a)
    assert {i for i, owner in owners.items() if owner == "b"} == set(b)
    assert sum(1 for owner in owners.values() if owner is None) == 20  # not due yet


async def test_two_replicas_on_postgresql_send_each_nudge_exactly_once(rt, other, clock):
    due = await seed(rt, due=120, later=10)
    replicas = [Jobs(rt), Jobs(other), Jobs(rt)]
    platforms = [ConsoleMessenger(), ConsoleMessenger()]
    rt.messengers["console"], other.messengers["console"] = platforms
    for jobs in replicas:
        jobs.outbox.batch = 9

    for _ in range(60):
        outcomes = await asyncio.gather(*(jobs.send() for jobs in replicas))
        if not any(outcomes):
            break
    else:
        pytest.fail("the outbox never drained")

    keys = platforms[0].sent_keys + platforms[1].sent_keys
    assert sorted(keys) == sorted(f"delivery-{i}" for i in due)
    statuses = Counter(d.status for d in await rows(rt, Delivery))
    assert statuses == Counter(sent=120, planned=10)


async def test_a_replica_killed_while_holding_a_lock_is_taken_over_at_the_next_run(rt, other):
    assert PG_URL
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.replica_worker", PG_URL, "plan",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    try:
        assert worker.stdout is not None
        assert await asyncio.wait_for(worker.stdout.readline(), 60) == b"held\n"
        pid = await holder(rt, "plan")
        assert pid is not None
        async with singleton(other, "plan") as held:
            assert not held
        jobs = Jobs(other)
        assert await jobs.plan() is None
        assert jobs.skipped == Counter(plan=1)

        worker.send_signal(signal.SIGKILL)  # dies holding the lock: nothing releases it
        await worker.wait()
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
    await session_ended(other, pid)

    async with singleton(other, "plan") as held:  # the next run
        assert held
        assert await holder(rt, "plan") != pid
    assert await jobs.plan() == 0  # nothing to plan, but it ran
    assert jobs.skipped == Counter(plan=1)


async def session_ended(rt: Runtime, pid: int) -> None:
    """Wait until the server has ended a dead client's session (it notices the closed
    socket at once, but asynchronously)."""
    for _ in range(600):
        async with rt.engine.connect() as conn:
            if not await conn.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                          "WHERE pid = :pid"), {"pid": pid}):
                return
        await asyncio.sleep(0.05)
    pytest.fail(f"session {pid} of the killed replica is still there")


async def test_a_replica_whose_lock_session_is_terminated_loses_it_and_finishes_quietly(
        rt, other, caplog):
    async with singleton(rt, "digest") as held:
        assert held
        pid = await holder(other, "digest")
        async with other.engine.connect() as conn:  # an admin, a timeout or the network
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid, 30000)"),
                                     {"pid": pid})
        async with singleton(other, "digest") as taken:
            assert taken
    assert "lock connection was lost" in caplog.text
    async with singleton(rt, "digest") as held:  # A's pool is still healthy
        assert held


async def test_only_the_replica_holding_the_lock_plans(rt, other, console, messenger):
    for user in ("alice", "bob", "chloe"):
        await enlist(console, user)
    await queue_post(console, "launch")
    a, b = Jobs(rt), Jobs(other)
    inside, finish = asyncio.Event(), asyncio.Event()
    plan_of_a = a._plan

    async def slow_plan() -> int:
        inside.set()
        await finish.wait()
        return await plan_of_a()

    a._plan = slow_plan  # type: ignore[method-assign]
    run_of_a = asyncio.create_task(a.plan())
    await inside.wait()  # A is in its plan run, holding the lock

    assert await b.plan() is None
    assert await rows(other, Delivery) == []
    assert await b.maintenance() is not None  # other singletons are free
    assert await b.send() == {}  # the outbox takes no lock
    finish.set()
    assert await run_of_a == 3
    assert await b.plan() == 0  # B's next run finds everything planned
    assert (a.skipped, b.skipped) == (Counter(), Counter(plan=1))


async def test_a_job_that_raises_releases_its_lock_and_locks_are_per_job(rt, other):
    with pytest.raises(RuntimeError):
        async with singleton(rt, "maintenance") as held:
            assert held
            raise RuntimeError("maintenance failed")
    async with singleton(other, "maintenance") as held, singleton(rt, "plan") as plan_held:
        assert held and plan_held
        assert await holder(rt, "maintenance") != await holder(rt, "plan")
    assert await holder(rt, "maintenance") is None


async def test_on_sqlite_the_lock_is_always_held(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'one.db'}"
    rt = await open_runtime(Settings(database_url=url), ManualClock(START))
    try:
        async with singleton(rt, "plan") as first, singleton(rt, "plan") as second:
            assert first and second
        assert await holder(rt, "plan") is None
        assert await Jobs(rt).plan() == 0
    finally:
        await rt.close()


def test_lock_keys_are_stable_64_bit_integers():
    # Pinned: replicas of two versions during a rolling deploy must take the same lock.
    assert lock_key("plan") == 566942531207077479
    keys = {lock_key(name) for name in ("plan", "digest", "maintenance")}
    assert len(keys) == 3 and all(-2**63 <= key < 2**63 for key in keys)
