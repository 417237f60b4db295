"""Workspace settings by admins: what they change for volunteers, and what they refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adapters.console.render import card_to_text
from storage.models import AuditLog, Share, Workspace
from tests.conftest import ADMIN, START, enlist
from tests.fakes import queue_post
from tests.helpers import says


async def workspace(rt) -> Workspace:
    async with rt.sessions() as session:
        return (await session.scalars(select(Workspace))).one()


async def test_the_disclosure_hashtag_ends_every_text_prepared_for_sharing(console, jobs, rt):
    await enlist(console, "alice")
    await console.say(ADMIN, "/voix set hashtag IWorkAtAcme")
    assert "#IWorkAtAcme" in card_to_text(console.last(ADMIN))
    await queue_post(console, "news", "--hashtags lyon")
    await jobs.tick()
    assert "#lyon #IWorkAtAcme" in card_to_text(console.last("alice"))  # said once on the card
    for number in (1, 2, 3):
        await console.click("alice", says(rt, "nudge.use", number=number))
        assert console.forms["alice"].inputs[0].value.endswith("\n\n#lyon #IWorkAtAcme")


async def test_a_blocked_term_stops_a_share_until_rephrased(console, jobs, rt):
    await enlist(console, "alice")
    await console.say(ADMIN, "/voix set blocked Project Falcon, confidential")
    await queue_post(console, "news")
    await jobs.tick()
    await console.click("alice", 1)
    await console.submit("alice", text="Working on project falcon was a joy")
    assert card_to_text(console.last("alice")) == says(rt, "share.blocked_term", "en",
                                                       term="Project Falcon")
    await console.click("alice", 1)
    await console.submit("alice", text="Working on this was a joy")
    async with rt.sessions() as session:
        assert len((await session.scalars(select(Share))).all()) == 1


async def test_the_digest_moves_to_the_slot_the_admin_sets(console, jobs, rt, clock, messenger):
    await enlist(console, "alice", team="#sales")
    await console.say(ADMIN, "/voix set digest friday 16")
    await queue_post(console, "news")
    await jobs.tick()
    clock.set(datetime(2026, 12, 4, 14, 59, tzinfo=UTC))  # Friday 15:59 in Paris
    await jobs.digest()
    assert "#sales" not in messenger.conversations
    clock.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))  # Friday 16:00 in Paris
    await jobs.digest()
    assert len(messenger.conversations["#sales"]) == 1
    clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=UTC))  # the default slot: Monday 09:00
    await jobs.digest()
    assert len(messenger.conversations["#sales"]) == 1


async def test_the_weekly_cap_and_gap_apply_to_volunteers_without_their_own(console, jobs, rt,
                                                                              clock, messenger):
    await enlist(console, "alice")
    await console.say(ADMIN, "/voix set cap 1")
    await console.say(ADMIN, "/voix set gap 48")
    for slug in ("one", "two", "three"):
        await queue_post(console, slug)
    while clock.now() < START + timedelta(days=6):
        await jobs.tick()
        clock.advance(timedelta(hours=1))
    assert len(messenger.sent_keys) == 1


@pytest.mark.parametrize(("command", "key", "values"), [
    ("/voix set cap 0", "settings.bad_number", {"low": 1, "high": 7}),
    ("/voix set gap lots", "settings.bad_number", {"low": 1, "high": 168}),
    ("/voix set hashtag two words", "settings.bad_hashtag", {}),
    ("/voix set language de", "settings.bad_language", {"known": "en, fr"}),
    ("/voix set timezone Mars/Olympus", "settings.bad_timezone", {"value": "Mars/Olympus"}),
    ("/voix set digest someday 9", "settings.bad_day", {}),
    ("/voix set digest monday 25", "settings.bad_number", {"low": 0, "high": 23}),
    ("/voix set colour blue", "settings.usage", {}),
    ("/voix set", "settings.usage", {}),
])
async def test_a_bad_setting_is_explained_and_changes_nothing(console, rt, command, key, values):
    await console.say(ADMIN, "/voix settings")
    before = await workspace(rt)
    await console.say(ADMIN, command)
    assert console.last(ADMIN) == says(rt, key, "en", **values)
    after = await workspace(rt)
    assert (after.weekly_cap, after.min_gap_hours, after.disclosure_hashtag, after.locale,
            after.timezone, after.digest_weekday, after.digest_hour) == (
        before.weekly_cap, before.min_gap_hours, before.disclosure_hashtag, before.locale,
        before.timezone, before.digest_weekday, before.digest_hour)


async def test_settings_are_for_admins_and_audited(console, rt):
    await enlist(console, "bob")
    await console.say("bob", "/voix set cap 5")
    assert console.last("bob") == says(rt, "errors.not_admin", "en")
    assert (await workspace(rt)).weekly_cap == 2
    await console.say(ADMIN, "/voix set language fr")
    assert (await workspace(rt)).locale == "fr"
    async with rt.sessions() as session:
        actions = [a.action for a in (await session.scalars(select(AuditLog))).all()]
    assert actions.count("set") == 1 and "denied" in actions
