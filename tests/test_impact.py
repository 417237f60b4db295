"""A volunteer's private impact: `me` this month beside the last, a note on the first working
day of the month, a note at each milestone; once each, only to those who want it and may
hear from us."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from adapters.console.render import card_to_text
from bot.cards import Card, Table
from bot.clicks import follow
from bot.impact.figures import next_month
from bot.ports import SendError
from bot.privacy.export import export
from scheduler.impact import first_working_day
from scheduler.runner import Jobs
from storage.models import ImpactNote, Member, Share, Workspace
from tests.conftest import ADMIN, enlist
from tests.fakes import install_flaky, queue_post, set_prefs, share_nudge
from tests.helpers import count, last_text, member, rows

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
# Friday 1 January 2027, 10:00 in Paris: the first working day of January, at the note's hour.
NEW_YEAR = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


def cards(console, user: str) -> list[Card]:
    return [m.body for m in console.dm(user) if isinstance(m.body, Card)]


def titled(console, user: str, heading: str) -> list[Card]:
    return [card for card in cards(console, user) if heading in card.summary]


def table(card: Card) -> dict[str, tuple[str, ...]]:
    [found] = [block for block in card.blocks if isinstance(block, Table)]
    return {"": found.columns[1:], **{row[0]: row[1:] for row in found.rows}}


async def shared(console, jobs, user: str, slug: str, clicks: int = 0,
                 locale: str = "en") -> None:
    """The admin queues a post, `user` gets it and shares it; `clicks` people open the link."""
    await queue_post(console, slug, f"--lang {locale}")
    await jobs.plan()
    await jobs.send()
    share = await share_nudge(console, user)
    for _ in range(clicks):
        await follow(console.bot.rt, share.link_token, BROWSER)


async def december(console, jobs, clock, user: str = "alice", locale: str = "en") -> None:
    """`user` volunteers in November and shares two posts in December (3 clicks)."""
    await enlist(console, user, locale=locale)
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    await shared(console, jobs, user, "new-office", clicks=3, locale=locale)
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    await shared(console, jobs, user, "hiring-day", locale=locale)
    await jobs.impact()  # the first share's milestone, out of the way


async def test_me_shows_this_month_beside_the_last(console, jobs, clock):
    await enlist(console, "alice")
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    await shared(console, jobs, "alice", "new-office", clicks=2)

    await console.say("alice", "me")

    figures = table(console.last("alice"))
    assert figures[""] == ("This month", "Last month")
    assert figures["Posts shared"] == ("1", "0")
    assert figures["Clicks on your links"] == ("2", "0")
    assert figures["Your own words"][1] == "–"


async def test_the_first_share_brings_one_note_once(console, jobs, clock):
    await enlist(console, "alice")
    await shared(console, jobs, "alice", "new-office")

    first = await jobs.impact()
    again = await jobs.impact()

    [note] = titled(console, "alice", "Your first share")
    assert "thank you for lending your voice" in card_to_text(note)
    assert "Only you see this" in card_to_text(note)
    assert first == {"sent": 1} and again == {}


async def test_ten_clicks_is_a_milestone_too(console, jobs, clock):
    await enlist(console, "alice")
    await shared(console, jobs, "alice", "new-office", clicks=9)
    await jobs.impact()
    await follow(console.bot.rt, await _token(console), "LinkedInBot/1.0")  # not a person
    await jobs.impact()
    assert not titled(console, "alice", "10 clicks")

    await follow(console.bot.rt, await _token(console), BROWSER)
    await jobs.impact()

    assert len(titled(console, "alice", "10 clicks on your links")) == 1


async def _token(console) -> str:
    [share] = await rows(console.bot.rt, Share)
    return share.link_token


async def test_the_month_note_comes_on_its_first_working_day_at_ten(console, jobs, clock):
    await december(console, jobs, clock)
    clock.set(NEW_YEAR - timedelta(hours=1))  # 09:00 in Paris
    await jobs.impact()
    assert not titled(console, "alice", "December")

    clock.set(NEW_YEAR)
    assert await jobs.impact() == {"sent": 1}

    [note] = titled(console, "alice", "Your December in a few figures")
    figures = table(note)
    assert figures[""] == ("December", "November")
    assert figures["Posts shared"] == ("2", "0")
    assert figures["Clicks on your links"] == ("3", "0")
    assert "Nobody else sees this note" in card_to_text(note)


async def test_the_month_note_speaks_french(console, jobs, clock):
    await december(console, jobs, clock, locale="fr")
    clock.set(NEW_YEAR)

    await jobs.impact()

    [note] = titled(console, "alice", "Votre mois de décembre")
    figures = table(note)
    assert figures[""] == ("Décembre", "Novembre")
    assert figures["Publications partagées"] == ("2", "0")
    assert "Personne d’autre ne voit ce message." in card_to_text(note)
    assert "recevoir\u202f? Désactivez «\u202fMon impact\u202f»" in card_to_text(note)


async def test_no_share_in_the_month_no_note(console, jobs, clock):
    await enlist(console, "alice")
    clock.set(NEW_YEAR)

    assert await jobs.impact() == {}
    assert not titled(console, "alice", "figures")
    assert await count(console.bot.rt, ImpactNote) == 0


async def test_quiet_hours_hold_the_note_until_they_end(console, jobs, clock):
    await december(console, jobs, clock)
    await set_prefs(console, "alice", quiet_end="11:30")
    clock.set(NEW_YEAR)
    await jobs.impact()
    assert not titled(console, "alice", "December")

    clock.set(NEW_YEAR + timedelta(minutes=90))  # 11:30 in Paris
    await jobs.impact()

    assert len(titled(console, "alice", "December")) == 1


async def _stopped(console, rt) -> None:
    await console.say("alice", "stop")


async def _paused(console, rt) -> None:
    await console.say("alice", "pause 2027-01-15")


async def _opted_out(console, rt) -> None:
    await set_prefs(console, "alice", impact_notes="false")


async def _workspace_paused(console, rt) -> None:
    await console.say(ADMIN, "/voix pause")


async def _crisis(console, rt) -> None:
    await console.say(ADMIN, '/voix crisis "A post about us is going around"')


async def _erased(console, rt) -> None:
    await console.say("alice", "forget me")
    await console.click("alice", "Erase my data")


@pytest.mark.parametrize("because", [_stopped, _paused, _opted_out, _workspace_paused, _crisis,
                                     _erased])
async def test_nothing_reaches_who_may_not_hear_from_us(console, jobs, rt, clock, because):
    await december(console, jobs, clock)
    await because(console, rt)
    before = len(cards(console, "alice"))
    clock.set(NEW_YEAR)

    await jobs.impact()

    assert len(cards(console, "alice")) == before
    assert not titled(console, "alice", "December")


async def test_a_milestone_waits_while_they_opted_out(console, jobs, clock):
    await enlist(console, "alice")
    await set_prefs(console, "alice", impact_notes="false")
    await shared(console, jobs, "alice", "new-office")

    await jobs.impact()

    assert not titled(console, "alice", "first share")


async def test_a_second_replica_or_a_restart_never_sends_twice(console, jobs, rt, clock):
    await december(console, jobs, clock)
    clock.set(NEW_YEAR)
    other = Jobs(rt)
    try:
        await jobs.impact()
        await other.impact()
        clock.advance(timedelta(hours=3))
        await other.impact()
    finally:
        await other.close()

    assert len(titled(console, "alice", "December")) == 1
    keys = [note.key for note in await rows(rt, ImpactNote)]
    assert sorted(keys) == ["first_share", "month-2026-12"]


async def test_a_note_lost_to_a_platform_error_is_tried_again(console, jobs, rt, clock,
                                                              messenger):
    await december(console, jobs, clock)
    install_flaky(rt, messenger, [SendError("transient", "boom")])
    clock.set(NEW_YEAR)

    assert await jobs.impact() == {"failed": 1}
    assert await jobs.impact() == {"sent": 1}
    assert len(titled(console, "alice", "December")) == 1


async def test_forget_me_leaves_no_note_behind(console, jobs, rt, clock):
    await december(console, jobs, clock)
    clock.set(NEW_YEAR)
    await jobs.impact()
    who = await member(rt, "alice")

    await _erased(console, rt)

    assert await count(rt, ImpactNote, ImpactNote.member_id == who.id) == 0


async def test_my_data_lists_the_notes_sent(console, jobs, rt, clock):
    await enlist(console, "alice")
    await shared(console, jobs, "alice", "new-office")
    await jobs.impact()
    async with rt.sessions() as session:
        who = await session.get(Member, (await member(rt, "alice")).id)
        assert who is not None
        data = await export(session, who, "https://pv.example", clock.now())
    assert [row["key"] for row in data["impact_notes"]] == ["first_share"]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 1)))
def test_the_first_working_day_is_the_first_weekday_of_the_month(day):
    first = day.replace(day=1)
    found = first_working_day(first)
    assert found.weekday() < 5 and found.month == first.month
    assert all((first + timedelta(days=n)).weekday() >= 5 for n in range((found - first).days))
    assert next_month(first) > found


async def test_a_paused_workspace_resumed_gets_its_notes(console, jobs, rt, clock):
    await december(console, jobs, clock)
    async with rt.sessions() as session:
        await session.execute(update(Workspace).values(paused=True))
        await session.commit()
    clock.set(NEW_YEAR)
    await jobs.impact()
    async with rt.sessions() as session:
        await session.execute(update(Workspace).values(paused=False))
        await session.commit()
    clock.advance(timedelta(hours=1))

    await jobs.impact()

    assert len(titled(console, "alice", "December")) == 1
    assert "December" in last_text(console, "alice")


async def test_a_429_stops_the_run_and_the_note_waits_for_the_next(console, jobs, rt, clock,
                                                                   messenger):
    await december(console, jobs, clock)
    flaky = install_flaky(rt, messenger, [SendError("rate_limited", "slow down",
                                                    retry_after=0.05)])
    clock.set(NEW_YEAR)

    assert await jobs.impact() == {}
    assert [note.key for note in await rows(rt, ImpactNote)] == ["first_share"]
    assert await jobs.impact() == {"sent": 1}
    assert len(titled(console, "alice", "December")) == 1
    assert flaky.calls == ["impact-1-month-2026-12"] * 2
