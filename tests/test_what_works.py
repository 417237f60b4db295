"""What works, per topic and kind of post: share rate, clicks per share, edit ratio."""

from __future__ import annotations

from datetime import timedelta
from statistics import median

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.console.render import card_to_text
from adapters.console.transport import Profile
from bot.cards import Card, Table
from bot.insights.works import Works, by_kind, by_topic
from storage.models import Click, Delivery, Member, Post, Share, Workspace
from tests.conftest import ADMIN, START, enlist
from tests.fakes import queue_post, share_nudge
from tests.helpers import last_text, says


class History:
    """Rows written straight to the database, so that every figure is known."""

    def __init__(self, session, workspace: Workspace) -> None:
        self.session = session
        self.workspace = workspace
        self.members: list[Member] = []

    async def member(self) -> Member:
        member = Member(workspace_id=self.workspace.id, external_id=f"u{len(self.members)}",
                        status="active", created_at=START)
        self.session.add(member)
        await self.session.flush()
        self.members.append(member)
        return member

    async def post(self, topics: list[str], kind: str = "news",
                   published: timedelta = timedelta(0)) -> Post:
        post = Post(workspace_id=self.workspace.id, url="https://example.com/a", title="A",
                    topics=topics, kind=kind, publish_at=START + published, created_at=START)
        self.session.add(post)
        await self.session.flush()
        return post

    async def nudge(self, post: Post, status: str = "sent", ratios: tuple[float, ...] = (),
                    clicks: int = 0, bots: int = 0) -> None:
        """One delivery of `post`; shared on one network per edit ratio given, the
        first share drawing `clicks` human clicks and `bots` link-preview ones."""
        member = await self.member()
        delivery = Delivery(post_id=post.id, member_id=member.id, status=status,
                            due_at=START, created_at=START)
        self.session.add(delivery)
        await self.session.flush()
        for n, ratio in enumerate(ratios):
            share = Share(delivery_id=delivery.id, post_id=post.id, member_id=member.id,
                          network=("linkedin", "x")[n % 2], suggested_text="s",
                          final_text="f", edit_ratio=ratio,
                          link_token=f"t{delivery.id}-{n}", created_at=START)
            self.session.add(share)
            await self.session.flush()
            if n == 0:
                self.session.add_all([Click(share_id=share.id, at=START, is_bot=False)
                                      for _ in range(clicks)])
                self.session.add_all([Click(share_id=share.id, at=START, is_bot=True)
                                      for _ in range(bots)])
        await self.session.flush()


async def workspace(session, name: str) -> Workspace:
    found = Workspace(platform="console", external_id=name, created_at=START)
    session.add(found)
    await session.flush()
    return found


async def known_history(session) -> Workspace:
    """Two topics, three kinds; "careers" is on two posts, one of them also "lyon"."""
    ours = History(session, await workspace(session, "ours"))
    lyon = await ours.post(["lyon", "careers"], kind="job")
    await ours.nudge(lyon, "shared", (0.2, 0.4), clicks=3, bots=2)  # two networks: one share
    await ours.nudge(lyon, "shared", (0.6,), clicks=1)
    await ours.nudge(lyon, "skipped")
    await ours.nudge(lyon, "sent")
    await ours.nudge(lyon, "planned")  # not delivered yet
    await ours.nudge(lyon, "cancelled")
    fair = await ours.post(["careers"], kind="event")
    await ours.nudge(fair, "declined")
    await ours.nudge(fair, "shared", (0.8,))
    untagged = await ours.post([], kind="news")
    await ours.nudge(untagged, "sent")
    theirs = History(session, await workspace(session, "theirs"))
    await theirs.nudge(await theirs.post(["lyon"], kind="job"), "shared", (1.0,), clicks=9)
    await session.commit()
    return ours.workspace


async def test_each_topic_counts_its_posts_deliveries_shares_and_human_clicks(rt):
    async with rt.sessions() as session:
        ours = await known_history(session)
        topics = await by_topic(session, ours.id)
        kinds = await by_kind(session, ours.id)

    assert topics == [
        Works("careers", posts=2, delivered=6, shares=3, clicks=4,
              edit_ratio=median([0.2, 0.4, 0.6, 0.8])),
        Works("lyon", posts=1, delivered=4, shares=2, clicks=4,
              edit_ratio=median([0.2, 0.4, 0.6])),
    ]
    assert [(w.share_rate, w.clicks_per_share) for w in topics] == [(3 / 6, 4 / 3), (2 / 4, 2.0)]
    assert kinds == [
        Works("event", posts=1, delivered=2, shares=1, clicks=0, edit_ratio=0.8),
        Works("job", posts=1, delivered=4, shares=2, clicks=4,
              edit_ratio=median([0.2, 0.4, 0.6])),
        Works("news", posts=1, delivered=1, shares=0, clicks=0, edit_ratio=None),
    ]
    assert (kinds[2].share_rate, kinds[2].clicks_per_share) == (0.0, None)


async def test_since_keeps_the_posts_published_since_then(rt):
    async with rt.sessions() as session:
        history = History(session, await workspace(session, "ours"))
        await history.nudge(await history.post(["old"]), "shared", (0.5,))
        await history.nudge(await history.post(["new"], published=timedelta(days=8)), "sent")
        await session.commit()
        since = START + timedelta(days=7)
        topics = await by_topic(session, history.workspace.id, since)
        kinds = await by_kind(session, history.workspace.id, since)

    assert topics == [Works("new", 1, 1, 0, 0, None)]
    assert kinds == [Works("news", 1, 1, 0, 0, None)]
    assert (topics[0].share_rate, topics[0].clicks_per_share) == (0.0, None)


async def test_a_workspace_without_posts_has_nothing_to_show(rt):
    async with rt.sessions() as session:
        empty = await workspace(session, "empty")
        assert await by_topic(session, empty.id) == []
        assert await by_kind(session, empty.id) == []


POSTS = st.lists(st.tuples(
    st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=3),
    st.lists(st.sampled_from(["sent", "shared", "skipped", "planned"]), max_size=4)),
    min_size=1, max_size=5)


def drawn(strategy: st.SearchStrategy[list], count: int = 20) -> list[list]:
    """Examples of `strategy`, for an async test hypothesis cannot drive itself."""
    found: list[list] = []

    @settings(max_examples=count, database=None, deadline=None)
    @given(strategy)
    def keep(example: list) -> None:
        found.append(example)

    keep()
    return found


async def test_a_topic_sums_the_figures_of_the_posts_that_carry_it(rt):
    for n, posts in enumerate(drawn(POSTS)):
        async with rt.sessions() as session:
            history = History(session, await workspace(session, f"w{n}"))
            for topics, statuses in posts:
                post = await history.post(topics)
                for status in statuses:
                    await history.nudge(post, status, (0.5,) if status == "shared" else (),
                                        clicks=1)
            await session.commit()
            found = {w.name: w for w in await by_topic(session, history.workspace.id)}

        for topic in "abc":
            carrying = [statuses for topics, statuses in posts if topic in topics]
            shared = sum(s.count("shared") for s in carrying)
            expected = Works(topic, len(carrying),
                             sum(len(s) - s.count("planned") for s in carrying), shared,
                             shared, 0.5 if shared else None)
            assert found.get(topic) == (expected if carrying else None), posts


async def test_the_stats_card_opens_what_works_sorted_by_share_rate(console, jobs, rt, clock):
    for user in ("alice", "bob"):
        await enlist(console, user)
    await queue_post(console, "lyon", "--kind job --topics lyon,careers")
    await jobs.plan()
    await jobs.send()
    first = await share_nudge(console, "alice")
    await console.click("bob", says(rt, "nudge.skip"))
    clock.advance(timedelta(days=2))
    await queue_post(console, "launch", "--kind product --topics product")
    await jobs.plan()
    await jobs.send()
    launch = [await share_nudge(console, "alice"), await share_nudge(console, "bob", " Yes!")]

    await console.say(ADMIN, "/voix stats")
    await console.click(ADMIN, says(rt, "insights.button_works"))

    card = console.last(ADMIN)
    assert isinstance(card, Card)
    own = f"{first.edit_ratio:.0%}"
    both = f"{median(share.edit_ratio for share in launch):.0%}"
    assert [block.rows for block in card.blocks if isinstance(block, Table)] == [
        (("product", "100%", "0", both), ("careers", "50%", "0", own), ("lyon", "50%", "0", own)),
        (("product or launch", "100%", "0", both), ("job offer", "50%", "0", own)),
    ]
    assert says(rt, "insights.reading_aid") in card_to_text(card)


async def test_a_typed_stats_works_answers_in_french_before_any_nudge(console, rt):
    console.profiles[ADMIN] = Profile("Camille", "fr", "Europe/Paris")
    await console.say(ADMIN, "/voix stats ce  qui marche")
    card = console.last(ADMIN)
    assert isinstance(card, Card)
    assert card.summary == says(rt, "insights.works_title", "fr") == "Ce qui marche"
    assert says(rt, "insights.works_empty", "fr") in last_text(console, ADMIN)
