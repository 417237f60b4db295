"""Teams have names people say and a language: `/voix team`, and the digest that uses them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.render import card_to_text
from bot.cards import Card
from bot.texts import LOCALES
from bot.voice.teamname import clean_channel_name, team_display, team_language
from storage.models import AuditLog, Team, Workspace
from tests.conftest import ADMIN, enlist
from tests.fakes import set_prefs
from tests.helpers import assert_reads, last_text, one, rows, says, speak


@pytest.mark.parametrize(("channel", "name"), [
    ("team-data", "Data"),
    ("#equipe-produit", "Produit"),
    ("#équipe_rh", "RH"),
    ("data-platform", "Data platform"),
    ("eng_backend", "Eng backend"),
    ("sales", "Sales"),
    ("squad.growth.team", "Growth"),
    ("it-support", "IT support"),
    ("Marketing Team", "Marketing"),
    ("DevOps", "DevOps"),
    ("team", "Team"),
    ("#", ""),
])
def test_channel_names_are_cleaned_into_names_people_say(channel, name):
    assert clean_channel_name(channel) == name


def test_a_display_name_wins_over_the_channel():
    assert team_display(Team(name="#team-data", display_name="Data platform")) == "Data platform"
    assert team_display(Team(name="#team-data", display_name=None)) == "Data"


async def teams_of(rt) -> dict[str, Team]:
    return {team.name: team for team in await rows(rt, Team)}


async def language_of(rt, name: str) -> str:
    async with rt.sessions() as session:
        team = (await teams_of(rt))[name]
        workspace = await session.get(Workspace, team.workspace_id)
        return await team_language(session, team, workspace)


# Setting a team's name and language


async def test_team_sets_the_name_and_language_audited(console, rt):
    await console.join_channel("alice", "team-data")
    await console.say(ADMIN, '/voix team #team-data --name "Data platform" --lang fr')
    team = (await teams_of(rt))["#team-data"]
    assert (team.display_name, team.locale) == ("Data platform", "fr")
    text = last_text(console, ADMIN)
    assert says(rt, "teams.line", name="Data platform", named=True, language="French",
                chosen=True) in text
    entry = await one(rt, AuditLog, AuditLog.action == "team")
    assert entry.detail == {"team": "#team-data", "name": "Data platform", "language": "fr"}

    await console.say(ADMIN, "/voix team team-data --name none --lang auto")
    team = (await teams_of(rt))["#team-data"]
    assert (team.display_name, team.locale) == (None, None)
    assert says(rt, "teams.line", name="Data", named=False, language="English",
                chosen=False) in last_text(console, ADMIN)


async def test_team_alone_lists_every_team_in_the_admins_language(console, rt):
    await console.join_channel("alice", "team-data")
    await console.join_channel("bob", "equipe-produit")
    await console.say(ADMIN, '/voix team #team-data --name "Data platform"')
    speak(console, ADMIN, "fr")
    await console.say(ADMIN, "/voix équipe")
    card = console.last(ADMIN)
    assert isinstance(card, Card) and card.summary == says(rt, "teams.title", "fr")
    text = card_to_text(card)
    assert ("#equipe-produit: " + says(rt, "teams.line", "fr", name="Produit", named=False,
                                       language="anglais", chosen=False)) in text
    assert ("#team-data: " + says(rt, "teams.line", "fr", name="Data platform", named=True,
                                  language="anglais", chosen=False)) in text
    assert "/voix équipe #canal" in text
    assert [e.action for e in await rows(rt, AuditLog)] == ["team", "teams"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("args", "key", "values"), [
    ("#marketing --name x", "teams.unknown", {"name": "marketing", "known": "#team-data"}),
    ("#team-data --lang de", "admin.bad_language", {"value": "de", "known": "en, fr"}),
    ("#team-data --name ''", "teams.bad_name", {"limit": 100}),
    ("#team-data --name '" + "x" * 101 + "'", "teams.bad_name", {"limit": 100}),
    ("#team-data --name 'Data", "teams.usage", {"detail": "No closing quotation"}),
    ("#team-data --colour red", "teams.usage",
     {"detail": "unrecognized arguments: --colour red"}),
])
async def test_a_bad_team_command_is_explained_and_changes_nothing(console, rt, locale, args,
                                                                   key, values):
    await console.join_channel("alice", "team-data")
    speak(console, ADMIN, locale)
    await console.say(ADMIN, f"/voix team {args}")
    assert_reads(console, rt, ADMIN, key, locale, **values)
    team = (await teams_of(rt))["#team-data"]
    assert (team.display_name, team.locale) == (None, None)


async def test_team_without_any_team_says_how_teams_come(console, rt):
    await console.say(ADMIN, "/voix team")
    assert_reads(console, rt, ADMIN, "admin.no_teams")


async def test_team_is_for_admins_only(console, rt):
    await console.join_channel("alice", "team-data")
    await console.say("alice", '/voix team #team-data --name "Mine"')
    assert_reads(console, rt, "alice", "errors.not_admin")
    assert (await teams_of(rt))["#team-data"].display_name is None


# The team's language by default


async def test_a_teams_language_is_what_most_of_its_volunteers_post_in(console, rt):
    for user, locale in (("amelie", "fr"), ("baptiste", "fr"), ("alice", "en")):
        await enlist(console, user, locale=locale, team="data")
    assert await language_of(rt, "#data") == "fr"
    # Bilingual volunteers count for both languages; a tie goes to the workspace's.
    await set_prefs(console, "alice", languages="en,fr")
    await enlist(console, "ben", locale="en", team="data")
    assert await language_of(rt, "#data") == "fr"
    await enlist(console, "carl", locale="en", team="data")
    assert await language_of(rt, "#data") == "en"  # 3 en, 3 fr: the workspace's
    await console.say(ADMIN, "/voix team #data --lang fr")
    assert await language_of(rt, "#data") == "fr"


async def test_a_team_without_volunteers_reads_the_workspace_language(console, rt):
    await console.join_channel("alice", "data")  # joined the channel, never volunteered
    await console.say(ADMIN, "/voix set language fr")
    assert await language_of(rt, "#data") == "fr"


# The digest


async def test_the_digest_is_in_the_teams_language_under_its_name(console, rt, messenger,
                                                                 clock):
    for user in ("amelie", "baptiste"):
        await enlist(console, user, locale="fr", team="team-data")
    await enlist(console, "alice", locale="en", team="team-data")
    await console.say(ADMIN, "/voix digest now")
    [french] = [m.body for m in messenger.conversations["#team-data"]]
    assert card_to_text(french).startswith("== Data\u00a0: notre semaine de partages")

    await console.say(ADMIN, '/voix team #team-data --name "Data platform" --lang en')
    messenger.conversations["#team-data"].clear()
    clock.advance(timedelta(hours=1))  # another period: one digest a team and period
    await console.say(ADMIN, "/voix digest now")
    [english] = [m.body for m in messenger.conversations["#team-data"]]
    assert card_to_text(english).startswith("== Data platform: our week of sharing")
