"""Job titles from Slack profiles: users.info's profile.title becomes the member's job title."""

from __future__ import annotations

from dataclasses import replace

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.profiles import Profiles
from bot.context import Context
from bot.events import Actor
from tests.adapters.slack.conftest import TOKEN
from tests.adapters.slack.test_slack_flows import ALICE, join, member

BOB = "U0BOB"


async def test_a_volunteers_slack_title_is_their_job_title(side, slack, rt):
    slack.add_user(ALICE, "alice", "Alice Smith", tz="Europe/London", locale="en-GB",
                   title="  Senior   Data Engineer ")
    await join(side, ALICE)
    assert (await member(rt, ALICE)).job_title == "Senior Data Engineer"
    await side.dm(BOB, "help")  # registered without a title: Slack sends ""
    await side.settle(lambda: len(side.answers(BOB)) == 1)
    assert (await member(rt, BOB)).job_title == ""


async def test_a_title_too_long_for_us_is_clipped(side, slack, rt):
    slack.add_user(ALICE, "alice", "Alice Smith", locale="en-GB", title="Engineer " * 40)
    await join(side, ALICE)
    title = (await member(rt, ALICE)).job_title
    assert len(title) == 200 and title.startswith("Engineer Engineer")


async def test_profiles_tell_an_empty_title_from_an_unknown_one(slack):
    slack.add_user(ALICE, "alice", "Alice Smith", title="Product designer")
    slack.add_user(BOB, "bob", "Bob Jones")
    profiles = Profiles(AsyncWebClient(token=TOKEN, base_url=slack.base_url), ttl=0)
    assert (await profiles.actor("T0001", ALICE)).job_title == "Product designer"
    assert (await profiles.actor("T0001", BOB)).job_title == ""
    assert (await profiles.actor("T0001", "U0NOBODY")).job_title is None
    slack.users[ALICE]["profile"]["title"] = ""  # she removed it from her Slack profile
    assert (await profiles.actor("T0001", ALICE)).job_title == ""


async def test_a_title_removed_from_slack_is_forgotten_and_other_platforms_keep_theirs(rt):
    async def seen(actor: Actor) -> str:
        async with rt.sessions() as session:
            ctx = await Context.open(rt, session, actor, responder=None)  # type: ignore[arg-type]
            await session.commit()
            return ctx.member.job_title

    alice = Actor("slack", "T0001", ALICE, "Alice Smith")
    assert await seen(replace(alice, job_title="Data Engineer")) == "Data Engineer"
    assert await seen(alice) == "Data Engineer"  # the platform did not say: kept
    assert await seen(replace(alice, job_title="")) == ""  # Slack says none now
