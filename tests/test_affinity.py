"""Planning offers each volunteer first the topics they shared and clicked, and less (not
never) of what they keep skipping."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from bot.clicks import follow
from scheduler.plan import EXPLORE, LivePost, Planner
from storage.models import Post, Workspace
from tests.conftest import enlist
from tests.fakes import queue_post, share_nudge, user_deliveries
from tests.helpers import rows, says

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0"


async def titles_offered(rt, user: str) -> list[str]:
    posts = {post.id: post.title for post in await rows(rt, Post)}
    return [posts[d.post_id] for d in sorted(await user_deliveries(rt, user),
                                             key=lambda d: d.id)]


async def test_the_topics_a_volunteer_shared_come_first_and_the_skipped_last(
        console, jobs, rt, clock):
    for user in ("ana", "bea"):
        await enlist(console, user)
    await queue_post(console, "careers-1", "--topics careers")
    await queue_post(console, "product-1", "--topics product")
    await jobs.plan()
    await jobs.send()
    share = await share_nudge(console, "ana")  # careers-1, the first in line
    await follow(rt, share.link_token, BROWSER)
    clock.advance(timedelta(days=1))
    await jobs.plan()
    await jobs.send()
    await console.click("ana", says(rt, "nudge.skip"))  # product-1
    clock.advance(timedelta(days=7))
    for slug in ("product-2", "product-3", "careers-2"):
        await queue_post(console, slug, f"--topics {slug.split('-')[0]}")

    await jobs.plan()

    assert (await titles_offered(rt, "ana"))[2] == "News careers-2"
    assert (await titles_offered(rt, "bea"))[2] == "News product-2"  # no taste shown: in line


def planner(posts: list[LivePost]) -> Planner:
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    workspace = Workspace(id=1, locale="en", timezone="Europe/Paris", weekly_cap=2,
                          min_gap_hours=24, ai_drafts=False)
    return Planner(workspace, posts, Counter(), Counter(), now)


def test_a_disliked_topic_still_comes_first_now_and_then_and_always_the_same_way():
    posted = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    disliked = LivePost(1, ["product"], frozenset(), posted, None, ("en",))
    neutral = LivePost(2, [], frozenset(), posted + timedelta(minutes=1), None, ("en",))
    firsts = []
    for member_id in range(1, 401):
        volunteer = SimpleNamespace(id=member_id, timezone=None, team_id=None, locale="en",
                                    prefs="{}", fatigue_cap=None)
        chosen = [planner([disliked, neutral]).next_nudge(volunteer, [], set(),
                                                          {"product": -3.0})
                  for _ in range(2)]
        assert chosen[0] == chosen[1]  # deterministic
        assert chosen[0] is not None
        firsts.append(chosen[0]["post_id"])

    assert firsts.count(1) == 400 // EXPLORE  # a little exploration, never none
    assert planner([disliked, neutral]).next_nudge(
        SimpleNamespace(id=7, timezone=None, team_id=None, locale="en", prefs="{}",
                        fatigue_cap=None), [], {2}, {"product": -3.0})["post_id"] == 1
