"""Suggestions on Slack: the person's Slack title is in their suggestions."""

from __future__ import annotations

from sqlalchemy import select

from bot.voice.stored import stored
from storage.models import Delivery
from tests.adapters.slack.conftest import ADMIN_ID
from tests.adapters.slack.test_slack_flows import ALICE, join, member
from tests.test_voice_stories import NEWS_EN


async def test_a_slack_title_is_woven_into_the_suggestions(side, slack, rt, jobs):
    slack.add_user(ALICE, "alice", "Alice Smith", locale="en-GB", title="Solutions Architect")
    await join(side)
    await side.ask(ADMIN_ID, f"queue {NEWS_EN}")
    await jobs.tick()
    async with rt.sessions() as session:
        delivery = (await session.scalars(select(Delivery))).one()
    texts = [s.text for s in stored(delivery.suggestions)]
    assert sum("Solutions Architect" in text for text in texts) >= 2, texts
    nudge = side.mock.calls_to("chat.postMessage")[-1]
    assert nudge.valid, nudge.problems
    assert (await member(rt, ALICE)).job_title == "Solutions Architect"
