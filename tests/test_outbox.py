"""The outbox seen from the platform: each nudge once, errors honoured, quiet hours kept."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from adapters.console.transport import conversation_ref, dm_id
from bot.cards import Card
from bot.metrics import REGISTRY
from bot.ports import SendError
from scheduler.outbox import LEASE, MAX_ATTEMPTS, claim
from scheduler.ratelimit import Limits
from scheduler.runner import Jobs
from storage.models import Delivery, Member
from tests.conftest import START, enlist
from tests.fakes import FlakyMessenger, install_flaky, members_by_user, queue_post, user_deliveries
from tests.helpers import one


async def planned_nudge(console, jobs, rt, user: str = "alice",
                        timezone: str = "Europe/Paris") -> Delivery:
    """One volunteer, one post, planned for now; returns the delivery."""
    await enlist(console, user, timezone=timezone)
    await queue_post(console, f"news-for-{user}")
    assert await jobs.plan() == 1
    [delivery] = await user_deliveries(rt, user)
    return delivery


async def reload(rt, delivery: Delivery) -> Delivery:
    return await one(rt, Delivery, Delivery.id == delivery.id)


def on_scheduler_time(jobs: Jobs, clock) -> Limits:
    """The outbox's limiters on the test's clock (plus real time): moving the clock moves
    their pauses along, as time does in production."""
    limits = Limits(clock=lambda: time.monotonic() + (clock.now() - START).total_seconds())
    jobs.outbox.limits = limits
    return limits


def key_of(delivery: Delivery) -> str:
    return f"delivery-{delivery.id}"


async def crashed_claim(rt, clock, delivery: Delivery) -> None:
    """Another replica claims the delivery, then dies."""
    async with rt.sessions() as session:
        assert await claim(session, clock.now(), "crashed-replica", 10) == [delivery.id]


@pytest.mark.parametrize("replicas", [1, 3], ids=["one-worker", "three-replicas"])
async def test_repeated_and_concurrent_runs_send_each_nudge_once(console, jobs, rt, clock,
                                                                messenger, replicas):
    users = [f"volunteer{n}" for n in range(6)]
    for user in users:
        await enlist(console, user)
    await queue_post(console, "today")
    await queue_post(console, "tomorrow")
    workers = [jobs] + [Jobs(rt) for _ in range(replicas - 1)]

    for _ in range(2):
        await jobs.plan()
        await asyncio.gather(*(workers[n % replicas].send() for n in range(3)))
        await jobs.send()
        clock.advance(timedelta(days=1))

    assert sorted(messenger.sent_keys) == sorted(set(messenger.sent_keys))
    assert len(messenger.sent_keys) == 2 * len(users)
    for user in users:
        assert [d.status for d in await user_deliveries(rt, user)] == ["sent", "sent"]
        assert sum(1 for m in console.dm(user) if m.proactive) == 2


async def test_a_nudge_claimed_by_a_crashed_replica_is_sent_after_the_lease(
        console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    async with rt.sessions() as session:  # a replica takes it, then dies before sending
        assert await claim(session, clock.now(), "crashed-replica", 10) == [delivery.id]

    await jobs.send()
    assert messenger.sent_keys == []  # its lease still holds
    clock.advance(LEASE + timedelta(minutes=1))
    await jobs.send()

    assert messenger.sent_keys == [f"delivery-{delivery.id}"]
    assert (await reload(rt, delivery)).status == "sent"


async def test_nothing_is_sent_after_the_volunteer_says_stop(console, jobs, rt, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    await console.say("alice", "stop")

    await jobs.send()

    assert messenger.sent_keys == []
    assert (await reload(rt, delivery)).status == "cancelled"


async def test_a_rate_limit_postpones_by_retry_after_without_using_an_attempt(
        console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    flaky = install_flaky(rt, messenger, [SendError("rate_limited", retry_after=30)])
    on_scheduler_time(jobs, clock)

    await jobs.send()
    held = await reload(rt, delivery)
    assert (held.status, held.attempts) == ("planned", 0)
    assert held.due_at == clock.now() + timedelta(seconds=30)
    await jobs.send()  # too early: still waiting
    assert messenger.sent_keys == []

    clock.advance(timedelta(seconds=30))
    await jobs.send()
    await jobs.send()

    assert messenger.sent_keys == [f"delivery-{delivery.id}"]
    assert flaky.calls == [f"delivery-{delivery.id}"] * 2
    assert (await reload(rt, delivery)).status == "sent"


async def test_transient_errors_back_off_then_fail_after_max_attempts(
        console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    flaky = install_flaky(rt, messenger, always=SendError("transient", "502"))

    for attempt in range(1, MAX_ATTEMPTS):
        await jobs.send()
        retry = await reload(rt, delivery)
        assert (retry.status, retry.attempts) == ("planned", attempt)
        base = timedelta(seconds=30 * 2 ** (attempt - 1))
        assert base * 0.5 <= retry.due_at - clock.now() <= base * 1.5
        await jobs.send()  # not before the backoff is over
        assert len(flaky.calls) == attempt
        clock.set(retry.due_at)

    await jobs.send()
    failed = await reload(rt, delivery)
    assert (failed.status, failed.attempts) == ("failed", MAX_ATTEMPTS)
    assert "502" in (failed.last_error or "")
    clock.advance(timedelta(hours=2))
    await jobs.send()
    assert len(flaky.calls) == MAX_ATTEMPTS
    assert messenger.sent_keys == []
    assert (await members_by_user(rt))["alice"].status == "active"


async def test_a_transient_error_then_success_sends_once(console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    install_flaky(rt, messenger, [SendError("transient", "timeout")])

    await jobs.send()
    clock.set((await reload(rt, delivery)).due_at)
    await jobs.send()

    assert messenger.sent_keys == [f"delivery-{delivery.id}"]
    assert (await reload(rt, delivery)).status == "sent"


async def test_a_permanent_error_marks_the_volunteer_unreachable(
        console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    flaky = install_flaky(rt, messenger, always=SendError("permanent", "user_not_found"))

    await jobs.send()
    clock.advance(timedelta(days=1))
    await queue_post(console, "next-day")
    await jobs.tick()

    assert (await reload(rt, delivery)).status == "failed"
    assert (await members_by_user(rt))["alice"].status == "unreachable"
    assert flaky.calls == [f"delivery-{delivery.id}"]
    assert len(await user_deliveries(rt, "alice")) == 1


async def test_a_volunteer_without_a_conversation_is_unreachable(console, jobs, rt, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    async with rt.sessions() as session:
        await session.execute(update(Member).where(Member.id == delivery.member_id)
                              .values(conversation={}))
        await session.commit()

    await jobs.send()

    assert (await reload(rt, delivery)).status == "failed"
    assert (await members_by_user(rt))["alice"].status == "unreachable"
    assert messenger.sent_keys == []


@pytest.mark.parametrize(("timezone", "quiet", "allowed"), [
    # Monday 21:00 in Paris -> Tuesday 09:00 in Paris
    ("Europe/Paris", datetime(2026, 11, 30, 20, 0), datetime(2026, 12, 1, 8, 0)),
    # Saturday noon in Paris -> Monday 09:00 in Paris
    ("Europe/Paris", datetime(2026, 12, 5, 11, 0), datetime(2026, 12, 7, 8, 0)),
    # Monday 21:00 in Montreal (Tuesday 02:00 UTC) -> Tuesday 09:00 in Montreal
    ("America/Montreal", datetime(2026, 12, 1, 2, 0), datetime(2026, 12, 1, 14, 0)),
])
async def test_a_nudge_due_in_quiet_hours_waits_for_their_end(
        console, jobs, rt, clock, messenger, timezone, quiet, allowed):
    quiet, allowed = quiet.replace(tzinfo=UTC), allowed.replace(tzinfo=UTC)
    clock.set(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # a working hour in both zones
    delivery = await planned_nudge(console, jobs, rt, timezone=timezone)
    async with rt.sessions() as session:
        await session.execute(update(Delivery).where(Delivery.id == delivery.id)
                              .values(due_at=quiet))
        await session.commit()
    clock.set(quiet)

    await jobs.send()

    held = await reload(rt, delivery)
    assert (held.status, held.due_at, held.attempts) == ("planned", allowed, 0)
    assert messenger.sent_keys == []
    clock.set(allowed)
    await jobs.send()
    assert messenger.sent_keys == [f"delivery-{delivery.id}"]


async def test_a_volunteer_who_pauses_after_planning_waits_for_the_pause_to_end(
        console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    await console.say("alice", "pause 3d")

    await jobs.send()
    held = await reload(rt, delivery)
    assert messenger.sent_keys == [] and held.status == "planned"
    assert held.due_at >= START + timedelta(days=3)

    clock.set(held.due_at)
    await jobs.send()
    assert messenger.sent_keys == [f"delivery-{delivery.id}"]


async def test_a_nudge_posted_by_a_crashed_replica_is_recorded_not_sent_again(
        console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    await crashed_claim(rt, clock, delivery)
    # It posted the nudge and died before recording it.
    posted = await messenger.send(conversation_ref(dm_id("alice")), Card("News", ()),
                                  key=key_of(delivery))

    clock.advance(LEASE + timedelta(minutes=1))
    retaken = {"platform": "console", "reason": "lease_expired"}
    before = REGISTRY.get_sample_value("portevoix_send_retries_total", retaken) or 0
    assert await jobs.send() == {"recovered": 1}

    assert REGISTRY.get_sample_value("portevoix_send_retries_total", retaken) == before + 1
    assert messenger.sent_keys == [key_of(delivery)]
    done = await reload(rt, delivery)
    assert (done.status, done.message_ref["message_id"]) == ("sent", posted.message_id)
    assert sum(1 for m in console.dm("alice") if m.proactive) == 1


async def test_a_send_whose_answer_was_lost_is_looked_for_before_the_retry(
        console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    install_flaky(rt, messenger, [SendError("transient", "TimeoutError")])
    assert await jobs.send() == {"retry": 1}
    # The timed-out call had reached the platform after all.
    await messenger.send(conversation_ref(dm_id("alice")), Card("News", ()), key=key_of(delivery))

    clock.set((await reload(rt, delivery)).due_at)
    assert await jobs.send() == {"recovered": 1}
    assert messenger.sent_keys == [key_of(delivery)]
    assert (await reload(rt, delivery)).status == "sent"


class LookupRefused(FlakyMessenger):
    """A platform that refuses the resend check with the scripted errors first."""

    def __init__(self, inner, lookups: list[SendError]) -> None:
        super().__init__(inner)
        self.lookups = lookups

    async def find_sent(self, target, key, since, until=None):
        if self.lookups:
            raise self.lookups.pop(0)
        return await super().find_sent(target, key, since, until)


async def test_a_refused_resend_check_never_sends_blindly(console, jobs, rt, clock, messenger):
    delivery = await planned_nudge(console, jobs, rt)
    await crashed_claim(rt, clock, delivery)
    refusals = [SendError("rate_limited", retry_after=20)] + [
        SendError("transient", "HTTP 503")] * (MAX_ATTEMPTS + 2)
    rt.messengers["console"] = LookupRefused(messenger, refusals)
    on_scheduler_time(jobs, clock)
    clock.advance(LEASE + timedelta(minutes=1))

    assert await jobs.send() == {"lookup-retry": 1}
    held = await reload(rt, delivery)
    assert (held.status, held.attempts) == ("planned", 1)  # still "may have posted"
    assert held.due_at >= clock.now() + timedelta(seconds=20)  # its Retry-After
    # More failed checks than a send may have attempts: none of them counts as one.
    for _ in range(MAX_ATTEMPTS + 2):
        clock.set((await reload(rt, delivery)).due_at)
        assert await jobs.send() == {"lookup-retry": 1}
        assert messenger.sent_keys == []
    assert (await reload(rt, delivery)).attempts == 1
    clock.set((await reload(rt, delivery)).due_at)
    assert await jobs.send() == {"sent": 1}
    assert messenger.sent_keys == [key_of(delivery)]
    assert (await reload(rt, delivery)).attempts == 2


async def test_claims_that_never_come_back_end_as_a_visible_failure(
        console, jobs, rt, clock, messenger, caplog):
    delivery = await planned_nudge(console, jobs, rt)
    for _ in range(MAX_ATTEMPTS):  # replicas that died each time (say, on this very nudge)
        await crashed_claim(rt, clock, delivery)
        clock.advance(LEASE + timedelta(minutes=1))

    with caplog.at_level(logging.ERROR, logger="scheduler.outbox"):
        assert await jobs.send() == {"failed": 1}
    failed = await reload(rt, delivery)
    assert (failed.status, failed.attempts) == ("failed", MAX_ATTEMPTS + 1)
    assert messenger.sent_keys == []
    assert any(f"delivery {delivery.id} failed for good" in r.message for r in caplog.records)


async def test_a_paused_target_goes_back_to_the_queue_and_holds_up_no_one(
        console, jobs, rt, clock, messenger):
    alice = await planned_nudge(console, jobs, rt, "alice")
    bob = await planned_nudge(console, jobs, rt, "bob")
    limits = on_scheduler_time(jobs, clock)
    started = time.monotonic()
    limits.rate_limited(messenger, conversation_ref(dm_id("alice")), 60)

    assert await jobs.send() == {"sent": 1, "throttled": 1}
    # On PostgreSQL the pause is kept on the database's clock, which runs on meanwhile.
    elapsed = timedelta(seconds=time.monotonic() - started)
    assert messenger.sent_keys == [key_of(bob)]
    held = await reload(rt, alice)
    assert (held.status, held.attempts) == ("planned", 0)
    assert timedelta(seconds=59) - elapsed <= held.due_at - clock.now() <= timedelta(seconds=60)

    clock.set(held.due_at)
    assert await jobs.send() == {"sent": 1}
    assert messenger.sent_keys == [key_of(bob), key_of(alice)]


async def test_the_workspace_ceiling_paces_every_conversation(console, jobs, rt, messenger):
    users = [f"volunteer{n}" for n in range(6)]
    for user in users:
        await enlist(console, user)
    await queue_post(console, "paced")
    await jobs.plan()
    flaky = install_flaky(rt, messenger)
    flaky.rate_per_workspace = 20.0  # a slot every 50 ms, one at once

    started = time.monotonic()
    assert await jobs.send() == {"sent": len(users)}
    assert time.monotonic() - started >= (len(users) - 1) / 20.0


class TakenOverMidSend(FlakyMessenger):
    """A send so slow that its lease ran out: another replica took the delivery meanwhile
    (and, with `recorded`, sent and recorded it too)."""

    def __init__(self, inner, rt, clock, script, recorded: bool) -> None:
        super().__init__(inner, script)
        self.rt, self.clock, self.recorded = rt, clock, recorded

    async def send(self, target, card, *, key):
        values = {"claimed_by": "other-replica"}
        if self.recorded:
            values.update(status="sent", sent_at=self.clock.now(), claimed_by=None)
        async with self.rt.sessions() as session:
            await session.execute(update(Delivery).values(**values))
            await session.commit()
        return await super().send(target, card, key=key)


@pytest.mark.parametrize(("script", "recorded", "outcome", "status"), [
    ([SendError("transient", "TimeoutError")], False, "lost-claim", "sending"),
    ([None], True, "duplicate", "sent"),
])
async def test_a_worker_that_lost_its_claim_leaves_the_delivery_to_its_new_owner(
        console, jobs, rt, clock, messenger, script, recorded, outcome, status):
    delivery = await planned_nudge(console, jobs, rt)
    rt.messengers["console"] = TakenOverMidSend(messenger, rt, clock, script, recorded)

    assert await jobs.send() == {outcome: 1}
    after = await reload(rt, delivery)
    assert (after.status, after.attempts) == (status, 1)
    assert after.claimed_by == (None if recorded else "other-replica")
