"""Team challenges as admins run them and volunteers see them: a team total inside its time
box and filter, per team and overall, never a ranking; names only of those who chose it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.console.render import card_to_text
from bot.cards import Card
from bot.voice.angles import KINDS
from storage.models import AuditLog, Challenge
from tests.conftest import ADMIN, enlist
from tests.fakes import queue_post, set_prefs, share_nudge
from tests.helpers import assert_reads, count, last_text, one, rows, speak

START = '/voix challenge "Share our job offers" --until 2026-12-31 --kind job --goal 5'


async def offer(console, jobs, slug: str, options: str = "--kind job") -> None:
    await queue_post(console, slug, options)
    await jobs.plan()
    await jobs.send()


async def team_of_three(console) -> None:
    for user, team in (("alice", "#sales"), ("bob", "#sales"), ("oscar", "#ops")):
        await enlist(console, user, team=team)
    await set_prefs(console, "alice", in_digest="true")


async def test_a_challenge_counts_matching_shares_by_team(console, jobs, rt, clock):
    await team_of_three(console)
    await console.say(ADMIN, START)
    assert_reads(console, rt, ADMIN, "recognition.started", title="Share our job offers",
                 until="31 December")
    await offer(console, jobs, "data-engineer")
    for user in ("alice", "bob", "oscar"):
        await share_nudge(console, user)
    clock.advance(timedelta(days=1))
    await offer(console, jobs, "new-office", "--kind news")  # not a job offer: not counted
    await share_nudge(console, "alice")

    await console.say(ADMIN, "/voix challenge")

    text = last_text(console, ADMIN)
    assert "Share our job offers" in text
    assert "3 shares of 5 so far, until 31 December (Ops 1, Sales 2)" in text
    assert "With thanks to Alice." in text  # Bob and Oscar did not choose to be named
    assert "Bob" not in text and "Oscar" not in text


async def test_volunteers_see_the_team_total_in_me_and_on_home(console, jobs, rt, clock):
    await team_of_three(console)
    await console.say(ADMIN, START)
    await offer(console, jobs, "data-engineer")
    await share_nudge(console, "bob")

    await console.say("oscar", "me")  # nothing shared yet: the challenge is still there
    mine = last_text(console, "oscar")
    await console.open_home("bob")
    home = last_text(console, "bob")

    assert "You haven't shared anything yet" in mine
    for text in (mine, home):
        assert "Team challenges" in text and "1 share of 5 so far" in text
        assert "Bob" not in text  # he did not choose to be named, even to himself


async def test_a_challenge_ends_on_its_last_day_or_when_an_admin_says(console, jobs, rt, clock):
    await team_of_three(console)
    await console.say(ADMIN, START)
    challenge = await one(rt, Challenge)
    assert challenge.ends_at == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # midnight, Paris

    await console.say(ADMIN, "/voix défi fin")

    assert_reads(console, rt, ADMIN, "recognition.ended", title="Share our job offers", total=0)
    await console.say(ADMIN, "/voix challenge")
    assert_reads(console, rt, ADMIN, "recognition.none_running")
    assert [entry.action for entry in await _audit(rt)] == ["challenge.start", "challenge.end"]


async def _audit(rt) -> list[AuditLog]:
    return [entry for entry in await rows(rt, AuditLog) if entry.action.startswith("challenge")]


async def test_shares_after_the_end_do_not_count(console, jobs, rt, clock):
    await team_of_three(console)
    await console.say(ADMIN, '/voix challenge "This week" --until 2d')
    clock.advance(timedelta(days=3))
    await offer(console, jobs, "data-engineer")
    await share_nudge(console, "alice")
    await console.say(ADMIN, '/voix challenge "Next" --until 3d --topics jobs')

    await console.say(ADMIN, "/voix challenge")

    text = last_text(console, ADMIN)
    assert "This week" not in text and "0 shares so far" in text


async def test_two_challenges_end_by_number(console, rt):
    await console.say(ADMIN, '/voix challenge "One" --until 2w')
    await console.say(ADMIN, '/voix challenge "Two" --until 3w')
    await console.say(ADMIN, "/voix challenge end")
    assert_reads(console, rt, ADMIN, "recognition.which")
    second = (await _challenges(rt))[1]

    await console.say(ADMIN, f"/voix challenge end {second.id}")

    assert_reads(console, rt, ADMIN, "recognition.ended", title="Two", total=0)


async def _challenges(rt) -> list[Challenge]:
    return await rows(rt, Challenge)


@pytest.mark.parametrize(("typed", "key", "values"), [
    ('/voix challenge "No end"', "recognition.usage", {}),
    ('/voix challenge "Unclosed --until 2w', "recognition.usage", {}),
    ("/voix challenge --until 2w", "recognition.usage", {}),
    ('/voix challenge "Past" --until 2020-01-01', "recognition.bad_until",
     {"value": "2020-01-01"}),
    ('/voix challenge "Soon" --until tomorrowish', "recognition.bad_until",
     {"value": "tomorrowish"}),
    ('/voix challenge "Kind" --until 2w --kind poem', "recognition.bad_kind",
     {"value": "poem", "known": ", ".join(KINDS)}),
    ('/voix challenge "Goal" --until 2w --goal -3', "recognition.bad_goal", {}),
    ('/voix challenge "Goal" --until 2w --goal 1e9', "recognition.bad_goal", {}),
    ('/voix challenge "Topic" --until 2w --topics "a b"', "recognition.bad_topic",
     {"topic": "a b"}),
    ('/voix challenge "' + "x" * 201 + '" --until 2w', "recognition.title_too_long",
     {"limit": 200}),
    ("/voix challenge end 99", "recognition.none_running", {}),
])
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(console, rt, typed, key,
                                                                 values):
    await console.say(ADMIN, typed)

    assert_reads(console, rt, ADMIN, key, **values)
    assert await count(rt, Challenge) == 0


async def test_only_admins_run_challenges(console, rt):
    await enlist(console, "alice")

    await console.say("alice", START)

    assert_reads(console, rt, "alice", "errors.not_admin")
    assert await count(rt, Challenge) == 0


async def test_french_admins_read_french(console, rt):
    speak(console, ADMIN, "fr")
    await console.say(ADMIN, '/voix défi "Partageons nos offres" --until 2026-12-31')

    assert_reads(console, rt, ADMIN, "recognition.started", "fr", title="Partageons nos offres",
                 until="31 décembre")
    await console.say(ADMIN, "/voix défi")
    assert "0 partage pour l’instant, jusqu’au 31 décembre" in last_text(console, ADMIN)
    assert isinstance(console.last(ADMIN), Card)
    assert "Défis d’équipe en cours" in card_to_text(console.last(ADMIN))
