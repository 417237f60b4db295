"""The plan job seen from the volunteers: who gets which post, when, and how often."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.cards import Card
from scheduler.runner import simulate
from storage.models import Delivery, Post
from tests.conftest import ADMIN, START, enlist
from tests.fakes import members_by_user, queue_post, set_prefs, user_deliveries
from tests.helpers import one, rows

STEP = timedelta(minutes=30)
WORK_DAY = (time(9, 0), time(19, 0))  # default quiet hours are 19:00-09:00
LATE_DAY = (time(11, 30), time(21, 0))  # owl chose quiet hours 21:00-11:30
VOLUNTEERS = {"paula": ("Europe/Paris", WORK_DAY), "marc": ("America/Montreal", WORK_DAY),
              "siew": ("Asia/Singapore", WORK_DAY), "eager": ("Europe/Paris", WORK_DAY),
              "owl": ("America/Montreal", LATE_DAY)}
MIN_GAP = timedelta(hours=24)  # the workspace default


async def names_by_id(rt) -> dict[int, str]:
    return {member.id: name for name, member in (await members_by_user(rt)).items()}


async def sent_times(rt, messenger) -> dict[str, list[datetime]]:
    """Send times per volunteer of every nudge the platform received, checked against it."""
    keys = {f"delivery-{d.id}": d for d in await rows(rt, Delivery)}
    users = await names_by_id(rt)
    assert len(messenger.sent_keys) == len(set(messenger.sent_keys)), "a nudge was sent twice"
    times: dict[str, list[datetime]] = defaultdict(list)
    for key in messenger.sent_keys:
        if not key.startswith("delivery-"):
            continue  # not a nudge (the fatigue rule's question: tests/test_fatigue.py)
        delivery = keys[key]
        assert delivery.status == "sent" and delivery.sent_at is not None
        assert delivery.due_at <= delivery.sent_at
        times[users[delivery.member_id]].append(delivery.sent_at)
    return times


def assert_a_day_apart(user: str, moments: list[datetime]) -> None:
    moments = sorted(moments)
    for earlier, later in zip(moments, moments[1:], strict=False):
        assert later - earlier >= MIN_GAP, f"{user} got two nudges at {earlier} and {later}"


def assert_in_working_hours(moment: datetime, user: str) -> None:
    tz_name, (start, end) = VOLUNTEERS[user]
    local = moment.astimezone(ZoneInfo(tz_name))
    assert local.weekday() < 5, f"{user}: {local:%A %H:%M} is a weekend in {tz_name}"
    assert start <= local.time() < end, f"{user}: {local:%H:%M} is quiet in {tz_name}"


async def test_a_simulated_week_respects_caps_gaps_quiet_hours_and_weekends(
        console, jobs, rt, clock, messenger):
    for user, (tz_name, _) in VOLUNTEERS.items():
        await enlist(console, user, timezone=tz_name)
    await set_prefs(console, "eager", weekly_cap="3")
    await set_prefs(console, "owl", quiet_start="21:00", quiet_end="11h30")
    for number in range(5):
        await queue_post(console, f"monday-{number}")

    await simulate(jobs, clock, START + timedelta(days=7), STEP)

    times = await sent_times(rt, messenger)
    caps = {"eager": 3}
    for user in VOLUNTEERS:
        sent = times[user]
        assert len(sent) == caps.get(user, 2), (user, sent)
        assert_a_day_apart(user, sent)
        for moment in sent:
            assert_in_working_hours(moment, user)
    users = await names_by_id(rt)
    for delivery in await rows(rt, Delivery):
        assert_in_working_hours(delivery.due_at, users[delivery.member_id])


async def test_a_team_post_reaches_only_that_team(console, jobs, rt):
    await enlist(console, "sam", team="#sales")
    await enlist(console, "olga", team="#ops")
    await enlist(console, "nina")
    post = await queue_post(console, "sales-kickoff", "--teams sales")

    await jobs.plan()

    users = await names_by_id(rt)
    reached = {users[d.member_id] for d in await rows(rt, Delivery, Delivery.post_id == post.id)}
    assert reached == {"sam"}


async def test_topics_decide_who_gets_a_post(console, jobs, rt, clock):
    await enlist(console, "hana")
    await enlist(console, "ed")
    await set_prefs(console, "hana", weekly_cap="3", topics="hiring")
    await set_prefs(console, "ed", weekly_cap="3")
    everyone = await queue_post(console, "all-hands")
    hiring = await queue_post(console, "we-hire", "--topics hiring")
    events = await queue_post(console, "meetup", "--topics events")

    await simulate(jobs, clock, START + timedelta(days=5), timedelta(days=1))

    assert {d.post_id for d in await user_deliveries(rt, "hana")} == {everyone.id, hiring.id}
    assert {d.post_id for d in await user_deliveries(rt, "ed")} == {
        everyone.id, hiring.id, events.id}


async def test_an_expired_post_is_withdrawn_and_never_offered_again(
        console, jobs, rt, clock, messenger):
    await enlist(console, "alice")
    short_lived = await queue_post(console, "flash-sale", "--expires 3d")
    await jobs.plan()
    [pending] = await user_deliveries(rt, "alice")
    assert pending.status == "planned"  # not sent: the outbox did not run

    clock.advance(timedelta(days=4))
    await jobs.maintenance()
    lasting = await queue_post(console, "lasting")
    await enlist(console, "late")
    await jobs.plan()
    await jobs.send()

    assert (await one(rt, Post, Post.id == short_lived.id)).status == "expired"
    assert (await one(rt, Delivery, Delivery.id == pending.id)).status == "cancelled"
    assert f"delivery-{pending.id}" not in messenger.sent_keys
    for user in ("alice", "late"):
        offered = [d.post_id for d in await user_deliveries(rt, user) if d.status != "cancelled"]
        assert offered == [lasting.id]


async def test_a_post_scheduled_for_later_waits_for_its_time(console, jobs, rt, clock, messenger):
    await enlist(console, "alice")
    post = await queue_post(console, "launch", "--at 2026-12-02T14:00")
    publish_at = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # 14:00 in Paris
    assert post.status == "scheduled" and post.publish_at == publish_at

    await simulate(jobs, clock, publish_at, STEP)
    assert messenger.sent_keys == []
    assert await user_deliveries(rt, "alice") == []

    await simulate(jobs, clock, publish_at + timedelta(days=1), STEP)
    [delivery] = await user_deliveries(rt, "alice")
    assert messenger.sent_keys == [f"delivery-{delivery.id}"]
    assert delivery.sent_at is not None and delivery.sent_at >= publish_at


async def test_planning_twice_creates_nothing_more(console, jobs, rt):
    for user in ("alice", "bob", "chloe"):
        await enlist(console, user)
    for slug in ("one", "two"):
        await queue_post(console, slug)

    first = await jobs.plan()
    second = await jobs.plan()

    async with rt.sessions() as session:
        count = await session.scalar(select(func.count(Delivery.id)))
        pairs = (await session.execute(select(Delivery.post_id, Delivery.member_id))).all()
    assert first == count >= 3
    assert second == 0
    assert len(set(pairs)) == len(pairs)


async def test_a_paused_volunteer_is_left_alone_until_the_pause_ends(console, jobs, rt, clock):
    await enlist(console, "alice")
    await enlist(console, "resting")
    await console.say("resting", "pause 2w")
    await queue_post(console, "news")

    await jobs.plan()
    assert len(await user_deliveries(rt, "alice")) == 1
    assert await user_deliveries(rt, "resting") == []

    clock.advance(timedelta(days=15))
    await jobs.plan()
    assert len(await user_deliveries(rt, "resting")) == 1


async def test_the_workspace_kill_switch_stops_planning_and_sending(
        console, jobs, rt, clock, messenger):
    await enlist(console, "alice")
    await queue_post(console, "before-the-crisis")
    await jobs.plan()
    await console.say(ADMIN, "/voix pause")
    await enlist(console, "bob")
    await queue_post(console, "during-the-crisis")

    assert await jobs.plan() == 0
    await jobs.send()
    clock.advance(timedelta(hours=2))
    await jobs.tick()

    assert messenger.sent_keys == []
    assert await user_deliveries(rt, "bob") == []
    [kept] = await user_deliveries(rt, "alice")
    assert kept.status == "planned"  # held, not lost

    await console.say(ADMIN, "/voix resume")
    clock.advance(timedelta(minutes=30))
    await jobs.tick()
    assert f"delivery-{kept.id}" in messenger.sent_keys
    assert isinstance(console.last("alice"), Card)


async def test_a_nudge_held_by_quiet_hours_keeps_the_next_one_a_day_away(
        console, jobs, rt, clock, messenger):
    await enlist(console, "alice")
    clock.set(datetime(2026, 11, 30, 17, 59, tzinfo=UTC))  # Monday 18:59 in Paris
    await queue_post(console, "evening-one")
    await queue_post(console, "evening-two")
    await jobs.plan()  # due now, and tomorrow at the same time
    clock.advance(timedelta(minutes=10))  # the outbox comes round at 19:09: quiet, held

    await simulate(jobs, clock, datetime(2026, 12, 2, 18, 0, tzinfo=UTC), timedelta(minutes=10))

    times = await sent_times(rt, messenger)
    assert len(times["alice"]) == 2
    assert_a_day_apart("alice", times["alice"])


async def test_nudges_held_by_a_crisis_pause_do_not_arrive_in_a_burst(
        console, jobs, rt, clock, messenger):
    await enlist(console, "alice")
    await queue_post(console, "one")
    await queue_post(console, "two")
    await jobs.plan()  # due today and tomorrow
    await console.say(ADMIN, "/voix pause")
    await simulate(jobs, clock, START + timedelta(days=2), STEP)
    assert messenger.sent_keys == []

    await console.say(ADMIN, "/voix resume")
    await simulate(jobs, clock, START + timedelta(days=4), STEP)

    times = await sent_times(rt, messenger)
    assert len(times["alice"]) == 2
    assert_a_day_apart("alice", times["alice"])


async def test_planning_in_batches_keeps_one_pending_nudge_each_and_the_rotation(
        console, jobs, rt, monkeypatch):
    monkeypatch.setattr("scheduler.plan.BATCH", 2)  # five volunteers: three batches
    users = ("ana", "ben", "cid", "dan", "eve")
    for user in users:
        await enlist(console, user)
    first = await queue_post(console, "first")
    second = await queue_post(console, "second")

    assert await jobs.plan() == len(users)
    assert await jobs.plan() == 0  # each has a nudge pending

    per_user = {user: await user_deliveries(rt, user) for user in users}
    assert all(len(deliveries) == 1 for deliveries in per_user.values())
    offered = Counter(d.post_id for deliveries in per_user.values() for d in deliveries)
    assert sorted(offered.values()) == [2, 3] and set(offered) == {first.id, second.id}
