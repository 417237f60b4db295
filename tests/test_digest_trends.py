"""The digest tells the story over time: its week against the four before, per team."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from adapters.console.render import card_to_text
from bot.cards import Card, Table
from bot.clicks import follow
from bot.digest import reading
from bot.services.timeparse import zone
from bot.stats import earlier_weeks, team_week
from storage.models import Team
from tests.conftest import enlist
from tests.fakes import queue_post, share_nudge
from tests.test_digest import BROWSER, digest_cards, set_team

WEEK = timedelta(days=7)
FIRST_TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris
FIRST_SLOT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris
# Per week from Monday 30 November: who of #sales shares that week's post, and the human
# clicks on each share. Five weeks: the last one is read against the four before.
SALES_WEEKS = (
    (("alice",), 1),
    (("alice", "bob"), 0),
    (("alice", "bob", "carol"), 1),
    (("alice", "bob"), 2),
    (("alice", "bob", "carol"), 1),
)


def table(card: Card) -> list[tuple[str, ...]]:
    [found] = [block for block in card.blocks if isinstance(block, Table)]
    return [found.columns, *found.rows]


async def a_week(console, jobs, rt, clock, week: int, sharers: tuple[str, ...],
                 clicks: int) -> None:
    """Tuesday of week `week` (0: the one from 30 November): a post, its shares, clicks."""
    clock.set(FIRST_TUESDAY + week * WEEK)
    await queue_post(console, f"week-{week}")
    await jobs.plan()
    await jobs.send()
    for user in sharers:
        share = await share_nudge(console, user)
        for _ in range(clicks):
            await follow(rt, share.link_token, BROWSER)
        await follow(rt, share.link_token, "LinkedInBot/1.0")  # a preview: no click


async def five_weeks(console, jobs, rt, clock, messenger) -> list[Card]:
    """#sales from 30 November, #ops from 14 December; each Monday's #sales digest."""
    for user in ("alice", "bob", "carol"):
        await enlist(console, user, team="#sales")
    for week, (sharers, clicks) in enumerate(SALES_WEEKS):
        if week == 2:
            await enlist(console, "oscar", team="#ops")
        await a_week(console, jobs, rt, clock, week,
                     sharers + (("oscar",) if week >= 2 else ()), clicks)
        clock.set(FIRST_SLOT + week * WEEK)
        await jobs.digest()
    return digest_cards(messenger)


async def test_the_fifth_week_is_read_against_the_four_before(console, jobs, rt, clock,
                                                              messenger):
    cards = await five_weeks(console, jobs, rt, clock, messenger)

    assert len(cards) == 5
    text = card_to_text(cards[-1])
    # Shares 1, 2, 3, 2 before: 2 a week; 3 this week.
    assert "More shares than usual: 3 this week, against 2 a week on average over the last " \
           "4 weeks." in text
    assert table(cards[-1]) == [
        ("Week of", "Shares", "Clicks", "People who shared"),
        ("30 November", "1", "1", "1"),
        ("7 December", "2", "0", "2"),
        ("14 December", "3", "3", "3"),
        ("21 December", "2", "4", "2"),
        ("This week", "3", "3", "3"),
        ("4-week average", "2", "2", "2"),
    ]


async def test_the_first_weeks_read_as_a_start(console, jobs, rt, clock, messenger):
    first, second, third, *_ = await five_weeks(console, jobs, rt, clock, messenger)

    assert "Our first week on Porte-Voix: the story starts here." in card_to_text(first)
    assert not any(isinstance(block, Table) for block in first.blocks)
    assert "More shares than usual: 2 this week, against 1 last week." in card_to_text(second)
    assert "against 1.5 a week on average since the start." in card_to_text(third)
    assert table(third)[-1] == ("Average since the start", "1.5", "0.5", "1.5")


async def test_a_team_created_two_weeks_ago_is_compared_with_what_it_has(
        console, jobs, rt, clock, messenger):
    await five_weeks(console, jobs, rt, clock, messenger)

    ops = digest_cards(messenger, "#ops")
    assert "Our first week on Porte-Voix" in card_to_text(ops[0])
    # Oscar shared one post each week since 14 December: the same again this week.
    assert "A steady week: 1 share, against 1 a week on average since the start." \
           in card_to_text(ops[-1])
    assert [row[0] for row in table(ops[-1])[1:]] == [
        "14 December", "21 December", "This week", "Average since the start"]


async def test_a_quieter_week_in_french(console, jobs, rt, clock, messenger):
    for user in ("alice", "bob", "carol"):
        await enlist(console, user, team="#sales")
    await set_team(rt, "#sales", locale="fr")
    for week, sharers in enumerate((("alice", "bob", "carol"), ("alice", "bob"),
                                    ("alice", "bob", "carol"), ("alice", "bob"), ("alice",))):
        await a_week(console, jobs, rt, clock, week, sharers, 1)
    clock.set(FIRST_SLOT + 4 * WEEK)

    await jobs.digest()

    [card] = digest_cards(messenger)
    text = card_to_text(card)
    assert ("Une semaine plus calme\u202f: 1 partage, contre 2,5 par semaine en moyenne sur "
            "les 4 dernières semaines.") in text
    assert table(card)[0] == ("Semaine du", "Partages", "Clics", "Personnes ayant partagé")
    assert table(card)[1][0] == "30 novembre"
    assert table(card)[-2:] == [("Cette semaine", "1", "1", "1"),
                                ("Moyenne sur 4 semaines", "2,5", "2,5", "2,5")]
    assert "usual" not in text and "average" not in text


async def test_weeks_are_counted_in_the_team_time_zone(console, jobs, rt, clock, messenger):
    """A share on Monday 7 December at 10:00 in Paris is 04:00 in Montreal: before the
    Montreal team's slot, so in its week of 30 November; its click next day in this week."""
    await enlist(console, "alice", team="#sales")  # #sales exists from 04:00 in Montreal
    await set_team(rt, "#sales", timezone="America/Montreal")
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    await queue_post(console, "early")
    await jobs.plan()
    await jobs.send()
    share = await share_nudge(console, "alice")
    clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    await follow(rt, share.link_token, BROWSER)
    clock.set(datetime(2026, 12, 14, 14, 0, tzinfo=UTC))  # Monday 09:00 in Montreal

    await jobs.digest()

    [*_, card] = digest_cards(messenger)
    assert table(card)[1:] == [("23 November", "0", "0", "0"), ("30 November", "1", "0", "1"),
                               ("This week", "0", "1", "0"),
                               ("Average since the start", "0.5", "0", "0.5")]
    assert "A quieter week: 0 shares, against 0.5 a week on average since the start." \
           in card_to_text(card)


async def test_the_weeks_of_all_teams_take_the_same_queries_as_one(console, jobs, rt, clock):
    """Five weeks' figures come from queries grouped by team and week, not one per team: the
    figures of every team's digest, asked for as post_digest does, cost what one team's do."""
    async def queries_for_every_team(teams: list[str]) -> int:
        for team in teams:
            await enlist(console, f"{team}-volunteer", team=f"#{team}")
        await a_week(console, jobs, rt, clock, len(teams),
                     tuple(f"{team}-volunteer" for team in teams), 1)
        start = FIRST_SLOT + (len(teams) - 1) * WEEK
        statements: list[str] = []

        def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
            statements.append(statement)

        async with rt.sessions() as session:
            every = (await session.execute(sa.select(Team.id, Team.workspace_id))).all()
            sa.event.listen(rt.engine.sync_engine, "before_cursor_execute", seen)
            try:
                weeks = [await team_week(session, workspace_id, team_id, start, start + WEEK,
                                         "Europe/Paris") for team_id, workspace_id in every]
            finally:
                sa.event.remove(rt.engine.sync_engine, "before_cursor_execute", seen)
        assert (len(weeks), sum(week.shares for week in weeks)) == (len(every), len(teams))
        return len(statements)

    one_team = await queries_for_every_team(["sales"])
    five_teams = await queries_for_every_team(["ops", "hr", "legal", "design"])

    assert five_teams == one_team


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
       st.integers(6, 23),  # a digest's hour, away from the night's clock changes
       st.sampled_from(["Europe/Paris", "America/Montreal", "Australia/Sydney", "UTC"]))
def test_earlier_weeks_start_at_the_same_local_hour(day: date, hour: int, tz_name: str) -> None:
    tz = zone(tz_name)
    start = datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)

    weeks = earlier_weeks(start, tz_name)

    expected = start.astimezone(tz).replace(tzinfo=None)
    assert [week.astimezone(tz).replace(tzinfo=None) for week in weeks] == [
        expected - timedelta(weeks=n) for n in (4, 3, 2, 1)]
    assert weeks == sorted(weeks) and weeks[-1] < start


@given(st.integers(0, 10_000), st.floats(0, 10_000, allow_nan=False))
def test_a_reading_is_more_only_above_and_less_only_below(figure: int, usual: float) -> None:
    found = reading(figure, usual)

    assert found in ("more", "less", "usual")
    assert found != "more" or figure > usual
    assert found != "less" or figure < usual
    assert found == "usual" or abs(figure - usual) >= 1 or figure == 0
