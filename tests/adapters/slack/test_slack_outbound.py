"""What Porte-Voix sends on its own to Slack: nudges through the outbox, updates, the digest."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.voice.stored import stored
from storage.models import Delivery, DigestRun, Share, Team
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID
from tests.adapters.slack.test_slack_flows import ALICE, NEWS, join, member, texts_of
from tests.helpers import says

SALES = "C0SALES"


async def the_delivery(rt) -> Delivery:
    async with rt.sessions() as session:
        return (await session.scalars(select(Delivery))).one()


def key_of(delivery: Delivery) -> str:
    return f"delivery-{delivery.id}"


def carries(message: dict, delivery: Delivery) -> bool:
    """Whether a message (or chat.postMessage's params) is this delivery's nudge."""
    return (message.get("metadata") or {}).get("event_payload", {}).get("key") == key_of(delivery)


def nudges(mock, delivery: Delivery, *, delivered: bool = True) -> list:
    """chat.postMessage calls carrying this delivery's key (answered normally, or failed)."""
    return [call for call in mock.calls_to("chat.postMessage")
            if carries(call.params, delivery) and call.injected != delivered]


async def planned(side, jobs, title: str = "Our Lyon office") -> Delivery:
    """Alice volunteers, the admin queues a post, the plan job makes her delivery."""
    await join(side)
    await side.ask(ADMIN_ID, f'queue {NEWS} --title "{title}" --points "200 jobs"')
    await side.quiet(0.05)
    assert await jobs.plan() == 1
    return await the_delivery(side.rt)


async def test_a_429_puts_the_nudge_back_for_retry_after_then_it_goes_once(side, rt, jobs,
                                                                            clock):
    delivery = await planned(side, jobs)
    side.mock.fail_next("chat.postMessage", status=429, retry_after=1)
    now = clock.now()
    assert await jobs.send() == {"rate-limited": 1}

    waiting = await the_delivery(rt)
    assert (waiting.status, waiting.attempts) == ("planned", 0)
    assert waiting.due_at == now + timedelta(seconds=1)
    assert len(nudges(side.mock, delivery, delivered=False)) == 1
    assert nudges(side.mock, delivery) == []

    clock.advance(timedelta(seconds=2))
    assert await jobs.send() == {"sent": 1}
    clock.advance(timedelta(hours=1))
    assert await jobs.send() == {}
    [sent] = nudges(side.mock, delivery)
    assert sent.valid and sent.params["channel"] == ALICE
    done = await the_delivery(rt)
    assert (done.status, done.attempts) == ("sent", 1)
    assert [m["ts"] for m in side.mock.messages(ALICE)].count(done.message_ref["message_id"]) == 1
    assert side.mock.problems() == []


async def test_a_long_retry_after_is_honoured_in_scheduler_time(side, rt, jobs, clock):
    delivery = await planned(side, jobs)
    side.mock.fail_next("chat.postMessage", status=429, retry_after=30)
    now = clock.now()
    await jobs.send()
    waiting = await the_delivery(rt)
    assert (waiting.status, waiting.attempts) == ("planned", 0)
    assert waiting.due_at == now + timedelta(seconds=30)

    clock.advance(timedelta(seconds=29))
    assert await jobs.send() == {}
    assert nudges(side.mock, delivery) == []
    assert (await the_delivery(rt)).status == "planned"


@pytest.mark.parametrize("error", ["user_not_found", "account_inactive", "channel_not_found"])
async def test_a_gone_person_is_marked_unreachable_and_never_retried(side, rt, jobs, clock,
                                                                     error):
    delivery = await planned(side, jobs)
    side.mock.fail_next("chat.postMessage", error=error)
    assert await jobs.send() == {"failed": 1}

    failed = await the_delivery(rt)
    assert failed.status == "failed" and error in (failed.last_error or "")
    assert (await member(rt, ALICE)).status == "unreachable"
    for _ in range(3):
        clock.advance(timedelta(hours=2))
        await jobs.send()
    assert nudges(side.mock, delivery) == []
    assert len(nudges(side.mock, delivery, delivered=False)) == 1
    assert (await the_delivery(rt)).status == "failed"


async def test_a_slack_500_is_retried_later_with_backoff(side, rt, jobs, clock):
    delivery = await planned(side, jobs)
    side.mock.fail_next("chat.postMessage", status=500)
    now = clock.now()
    assert await jobs.send() == {"retry": 1}

    waiting = await the_delivery(rt)
    assert (waiting.status, waiting.attempts) == ("planned", 1)
    assert waiting.due_at > now
    assert (await member(rt, ALICE)).status == "active"
    assert await jobs.send() == {}  # not due yet: no hammering a struggling Slack

    clock.set(waiting.due_at)
    assert await jobs.send() == {"sent": 1}
    assert len(nudges(side.mock, delivery)) == 1
    assert (await the_delivery(rt)).attempts == 2


async def share_first_idea(side, delivery: Delivery, ts: str, words: str) -> None:
    await side.press(ALICE, "nudge.pick", f"{delivery.id}:0",
                     channel=side.mock.dm_channel(ALICE), message_ts=ts)
    await side.settle(lambda: side.mock.count("views.open") == 1)
    view = side.mock.calls_to("views.open")[-1].params["view"]
    await side.submit(ALICE, view["callback_id"], {
        **payloads.text_value("text", stored(delivery.suggestions)[0].text + words),
        **payloads.select_value("network", "linkedin")}, view["private_metadata"])
    await side.settle(lambda: side.mock.count("chat.update") >= 2)
    await side.shared()


async def test_the_nudge_is_updated_in_its_dm_channel_at_its_ts(side, rt, jobs):
    delivery = await planned(side, jobs)
    await jobs.send()
    [sent] = nudges(side.mock, delivery)
    [posted] = [m for m in side.mock.messages(ALICE) if carries(m, delivery)]
    delivery = await the_delivery(rt)

    await share_first_idea(side, delivery, posted["ts"], " Proud of this team.")
    update = side.mock.calls_to("chat.update")[-1]
    assert update.valid, update.problems
    assert update.params["channel"] == side.mock.dm_channel(ALICE) != ALICE
    assert update.params["ts"] == posted["ts"] == delivery.message_ref["message_id"]
    [shown] = [m for m in side.mock.messages(ALICE) if m["ts"] == posted["ts"]]
    assert "edited" in shown
    outcome = says(rt, "nudge.outcome_shared", "en", network="LinkedIn")
    assert outcome in json.dumps(shown["blocks"], ensure_ascii=False)


async def test_the_weekly_digest_goes_to_the_team_channel(side, rt, jobs, clock):
    side.mock.add_channel(SALES, "sales", [ALICE])
    await side.event(payloads.member_joined_channel(ALICE, SALES))
    delivery = await planned(side, jobs)
    await jobs.send()
    delivery = await the_delivery(rt)
    await share_first_idea(side, delivery, delivery.message_ref["message_id"], " Great news.")
    async with rt.sessions() as session:
        assert (await session.scalars(select(Share))).one().member_id == (
            await member(rt, ALICE)).id
        team = (await session.scalars(select(Team))).one()
    assert (await member(rt, ALICE)).team_id == team.id

    clock.advance(timedelta(hours=2))
    answer = await side.ask(ADMIN_ID, "digest now")
    [digest] = [c for c in side.mock.calls_to("chat.postMessage") if c.params["channel"] == SALES]
    assert digest.valid, digest.problems
    fields = [f["text"] for b in digest.params["blocks"] for f in b.get("fields", [])]
    assert f"*1*\n{says(rt, 'digest.shares', 'en', count=1)}" in fields
    assert "Our Lyon office" in texts_of(digest)
    assert len(side.mock.messages(SALES)) == 1
    assert says(rt, "admin.digest_done", "fr", posted=1, total=1) in answer.params["text"]
    async with rt.sessions() as session:
        run = (await session.scalars(select(DigestRun))).one()
    assert run.status == "posted"
