"""Delivery as `porte-voix serve` runs it: at once when something changes, exact on stop,
clean on shutdown; and the micro-batches that keep a delivery cheap."""

from __future__ import annotations

import asyncio

import pytest

from adapters.console.transport import Console, ConsoleMessenger
from bot.dispatch import Bot
from bot.metrics import REGISTRY
from bot.runtime import open_runtime
from scheduler.batching import Batcher
from scheduler.live import Live
from scheduler.runner import Jobs
from storage.models import Delivery
from tests.conftest import enlist
from tests.fakes import FlakyMessenger, members_by_user, queue_post
from tests.helpers import latest_post, rows, until

CONCURRENCY = 8  # the outbox's sends on the wire at once


class GatedMessenger(FlakyMessenger):
    """A platform whose every answer waits for `gate`: the sends that started are on the
    wire until the test opens it."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.gate = asyncio.Event()
        self.started: list[str] = []

    async def send(self, target, card, *, key):
        self.started.append(key)
        await self.gate.wait()
        return await super().send(target, card, key=key)


async def volunteers(console, n: int) -> list[str]:
    users = [f"vol{i:02d}" for i in range(n)]
    for user in users:
        await enlist(console, user)
    return users


async def gated_fanout(console, rt, jobs, messenger, n: int,
                       ) -> tuple[list[str], GatedMessenger, asyncio.Task]:
    """n volunteers with a nudge each, the outbox sending them: its first sends are on the
    wire, held there until the test opens the gate."""
    users = await volunteers(console, n)
    await queue_post(console, "news")
    assert await jobs.plan() == n
    gated = GatedMessenger(messenger)
    rt.messengers["console"] = gated
    fanout = asyncio.create_task(jobs.send())
    await until(lambda: len(gated.started) == CONCURRENCY)
    return users, gated, fanout


async def keys_by_user(rt) -> dict[str, str]:
    members = {m.id: name for name, m in (await members_by_user(rt)).items()}
    return {members[d.member_id]: f"delivery-{d.id}" for d in await rows(rt, Delivery)}


async def statuses(rt) -> dict[str, str]:
    members = {m.id: name for name, m in (await members_by_user(rt)).items()}
    return {members[d.member_id]: d.status for d in await rows(rt, Delivery)}


async def has_status(rt, expected: dict[str, str]) -> bool:
    return await statuses(rt) == expected


def in_flight(status: str) -> float:
    return REGISTRY.get_sample_value("portevoix_sent_in_flight_total", {"status": status}) or 0


async def test_a_queued_post_reaches_a_volunteer_at_once(console, rt, messenger, live):
    await enlist(console, "alice")
    await until(lambda: live.jobs.outbox._tasks == set())  # start-up runs are over
    await queue_post(console, "news")  # no job is run by the test: serving does it

    await until(lambda: len(messenger.sent_keys) == 1)
    await until(lambda: has_status(rt, {"alice": "sent"}))


async def test_a_resumed_workspace_sends_what_its_pause_held(console, rt, messenger, live):
    await enlist(console, "alice")
    await console.say("camille", "/voix pause")
    await queue_post(console, "held-news")
    await asyncio.sleep(0.3)  # serving runs, and must hold everything
    assert messenger.sent_keys == []

    await console.say("camille", "/voix resume")
    await until(lambda: len(messenger.sent_keys) == 1)


async def test_a_volunteer_who_accepts_the_charter_gets_the_live_post(console, rt, messenger,
                                                                       live):
    await queue_post(console, "news")
    await enlist(console, "bob")
    await until(lambda: len(messenger.sent_keys) == 1)
    await until(lambda: has_status(rt, {"bob": "sent"}))


async def test_nobody_is_sent_a_nudge_after_their_stop(console, rt, jobs, messenger):
    users, gated, fanout = await gated_fanout(console, rt, jobs, messenger, 30)
    keys = await keys_by_user(rt)
    on_wire = {user for user, key in keys.items() if key in gated.started}
    stopping = users[::2]  # 15, some of them with their nudge on the wire
    before = in_flight("cancelled")
    for user in stopping:
        await console.say(user, "stop")  # committed when it returns
    gated.gate.set()
    await fanout

    sent_to = {user for user, key in keys.items() if key in messenger.sent_keys}
    assert sent_to & set(stopping) == on_wire & set(stopping)  # only what was on the wire
    assert sent_to == set(users) - (set(stopping) - on_wire)
    final = await statuses(rt)
    assert {user: final[user] for user in stopping} == {u: "cancelled" for u in stopping}
    assert in_flight("cancelled") - before == len(on_wire & set(stopping))


async def test_nothing_is_sent_once_an_admin_paused_the_workspace(console, rt, jobs, messenger):
    users, gated, fanout = await gated_fanout(console, rt, jobs, messenger, 20)
    await console.say("camille", "/voix pause")
    gated.gate.set()
    outcomes = await fanout

    assert len(messenger.sent_keys) == CONCURRENCY  # those on the wire when it paused
    assert outcomes == {"sent": CONCURRENCY, "held": len(users) - CONCURRENCY}
    assert await jobs.send() == {}  # held while paused
    await console.say("camille", "/voix resume")
    assert await jobs.send() == {"sent": len(users) - CONCURRENCY}


async def test_a_cancelled_post_is_not_sent_after_the_cancellation(console, rt, jobs,
                                                                   messenger):
    _, gated, fanout = await gated_fanout(console, rt, jobs, messenger, 12)
    await console.say("camille", f"/voix cancel {(await latest_post(rt)).id}")
    gated.gate.set()
    await fanout

    assert len(messenger.sent_keys) == CONCURRENCY
    assert set((await statuses(rt)).values()) == {"cancelled"}


async def test_shutdown_lets_the_wire_finish_and_gives_every_other_claim_back(
        console, rt, jobs, messenger):
    users = await volunteers(console, 20)
    await queue_post(console, "news")
    assert await jobs.plan() == 20
    gated = GatedMessenger(messenger)
    rt.messengers["console"] = gated
    live = Live(jobs)
    live.start()
    await until(lambda: len(gated.started) == CONCURRENCY)
    closing = asyncio.create_task(live.close())
    await asyncio.sleep(0.05)
    gated.gate.set()  # the answers to the sends on the wire arrive
    await closing

    assert len(messenger.sent_keys) == CONCURRENCY
    left = [d for d in await rows(rt, Delivery) if d.status != "sent"]
    assert len(left) == len(users) - CONCURRENCY
    assert {(d.status, d.claimed_by, d.attempts) for d in left} == {("planned", None, 0)}
    # A restart takes them at once: no lease to wait for.
    assert await Jobs(rt).send() == {"sent": len(users) - CONCURRENCY}
    assert len(set(messenger.sent_keys)) == len(users)


async def test_a_batcher_answers_each_submitter_from_one_call():
    calls: list[list[int]] = []

    async def double(items: list[int]) -> list[int]:
        calls.append(items)
        await asyncio.sleep(0)
        return [2 * i for i in items]

    batcher: Batcher[int, int] = Batcher(double)
    assert await asyncio.gather(*(batcher.submit(i) for i in range(5))) == [0, 2, 4, 6, 8]
    assert calls == [[0, 1, 2, 3, 4]]


async def test_a_failed_batch_fails_its_submitters_and_the_next_batch_goes_on():
    async def flaky(items: list[int]) -> list[int]:
        if 0 in items:
            raise RuntimeError("database gone")
        return items

    batcher: Batcher[int, int] = Batcher(flaky)
    first = await asyncio.gather(batcher.submit(0), batcher.submit(1), return_exceptions=True)
    assert all(isinstance(result, RuntimeError) for result in first)
    assert await batcher.submit(2) == 2


async def test_a_replica_that_plans_wakes_the_others(console, rt, messenger, live, settings,
                                                     clock):
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("replicas share PostgreSQL: LISTEN/NOTIFY")
    await enlist(console, "alice")
    await asyncio.wait_for(live.jobs.announcer.listening.wait(), 10)
    await until(lambda: live.jobs.outbox._tasks == set())  # it sleeps: nothing is due
    other = await open_runtime(settings, clock, migrate=False)  # a second replica
    try:
        await queue_post(Console(Bot(other), ConsoleMessenger()), "news")
        assert await Jobs(other).plan() == 1  # the other replica plans; this one sends
    finally:
        await other.close()

    await until(lambda: len(messenger.sent_keys) == 1)


async def test_a_volunteer_who_ends_their_pause_gets_the_nudge_it_held(console, rt, jobs,
                                                                        messenger):
    await enlist(console, "alice")
    await queue_post(console, "news")
    assert await jobs.plan() == 1
    await console.say("alice", "pause 2w")
    assert await jobs.send() == {"postponed": 1}  # held until the pause would end
    live = Live(jobs)
    live.start()
    try:
        await until(lambda: live.jobs.outbox._tasks == set())
        assert messenger.sent_keys == []
        await console.say("alice", "resume")
        await until(lambda: len(messenger.sent_keys) == 1)
    finally:
        await live.close()
