"""Installing Porte-Voix in Teams: the greeting in a personal chat, the team and its roster when
the bot joins a team, and how text typed in a chat or a channel is read."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Member, Team, Workspace
from tests.adapters.teams import activities
from tests.adapters.teams.conftest import ADMIN
from tests.adapters.teams.test_teams_flows import join, member, text_of
from tests.adapters.teams.test_teams_security import shown_text
from tests.helpers import says

NEWS = "https://acme.example/news/lyon-office"


def buttons(card: dict) -> list[str]:
    return [action["title"] for element in card["body"] if element["type"] == "ActionSet"
            for action in element["actions"]]


async def everyone(rt) -> list[Member]:
    async with rt.sessions() as session:
        return list((await session.scalars(select(Member).order_by(Member.id))).all())


async def assert_greeted(teams, rt, user: str) -> None:
    chat = activities.personal_conversation_id(user)
    [(conversation, card)] = teams.cards()
    assert conversation == chat
    assert says(rt, "home.title", "en") in shown_text(card)
    assert says(rt, "help.button_join", "en") in buttons(card)
    assert (await member(rt, user)).conversation["conversation_id"] == chat
    assert teams.connector.problems() == []


async def test_installing_the_app_personally_greets_with_the_join_button(teams, rt):
    response = await teams.post(activities.installation_update(
        "alice", service_url=teams.connector.service_url, locale="en-GB"))
    assert response.status in (200, 201)
    await assert_greeted(teams, rt, "alice")


async def test_the_bot_added_to_a_personal_chat_greets_the_same_way(teams, rt):
    response = await teams.post(activities.conversation_update_bot_added_personal(
        "alice", service_url=teams.connector.service_url))
    assert response.status in (200, 201)
    await assert_greeted(teams, rt, "alice")


async def test_uninstalling_sends_nothing(teams, rt):
    response = await teams.post(activities.installation_update(
        "alice", action="remove", service_url=teams.connector.service_url, locale="en-GB"))
    assert response.status in (200, 201)
    assert teams.connector.sent() == []


def roster(teams, *people: str) -> None:
    for person in people:
        teams.connector.add_member(activities.TEAM_ID, activities.user_id_of(person),
                                   f"{person.capitalize()} Martin", activities.aad_id_of(person),
                                   f"{person}@acme.example")


async def test_the_bot_added_to_a_team_records_the_team_and_its_roster(teams, rt):
    roster(teams, "rita", "sam")
    response = await teams.post(activities.conversation_update_bot_added_team(
        service_url=teams.connector.service_url))
    assert response.status in (200, 201)
    async with rt.sessions() as session:
        [team] = (await session.scalars(select(Team))).all()
    assert team.name == f"#{activities.TEAM_NAME}"
    assert team.channel["conversation_id"] == activities.TEAM_ID
    people = await everyone(rt)
    assert sorted(m.external_id for m in people) == sorted(
        activities.aad_id_of(p) for p in ("rita", "sam"))
    assert {m.team_id for m in people} == {team.id}
    assert {m.display_name for m in people} == {"Rita Martin", "Sam Martin"}
    assert all(m.external_id != activities.BOT_ID for m in people)
    assert teams.connector.sent() == []  # nobody is messaged uninvited

    response = await teams.post(activities.conversation_update_member_added(
        activities.TEAM_ID, "dora", service_url=teams.connector.service_url))
    assert response.status in (200, 201)
    assert (await member(rt, "dora")).team_id == team.id
    async with rt.sessions() as session:
        assert len((await session.scalars(select(Team))).all()) == 1
    assert teams.connector.sent() == [] and teams.connector.problems() == []


async def test_an_admin_word_typed_without_prefix_is_a_command(teams, rt):
    await teams.dm(ADMIN, f'/voix queue {NEWS} --title "Our Lyon office"')
    await teams.dm(ADMIN, "list")
    listing = teams.cards()[-1][1]
    assert says(rt, "admin.list_title", "en") in shown_text(listing)
    assert "Our Lyon office" in shown_text(listing)

    await teams.dm("bob", "list")  # the same word from a volunteer is refused, not run
    assert says(rt, "errors.not_admin", "en") in shown_text(teams.cards()[-1][1])
    assert "Our Lyon office" not in text_of(teams.cards()[-1][1])


async def test_pause_with_a_duration_is_the_admins_own_pause(teams, rt, clock):
    await join(teams, ADMIN)
    for text in ("pause 2w", "/voix pause 2w"):
        await teams.dm(ADMIN, text)
        camille = await member(rt, ADMIN)
        assert camille.paused_until is not None
        assert camille.paused_until - clock.now() >= timedelta(days=13)
        async with rt.sessions() as session:
            assert (await session.scalars(select(Workspace.paused))).one() is False
    assert (await member(rt, ADMIN)).status == "active"


async def test_the_workspace_pause_needs_the_prefix_in_a_chat(teams, rt):
    async def paused() -> bool:
        async with rt.sessions() as session:
            return (await session.scalars(select(Workspace.paused))).one()

    await teams.dm(ADMIN, "pause")  # the volunteer's word: Camille is not one
    assert await paused() is False
    assert says(rt, "volunteer.not_in", "en") in shown_text(teams.cards()[-1][1])
    await teams.dm(ADMIN, "/voix pause")
    assert await paused() is True
    assert says(rt, "admin.paused", "en") in shown_text(teams.cards()[-1][1])


def channel_message(teams, text: str, mentioned: dict | None) -> dict:
    """A channel post by Bob; it mentions `mentioned` (an account) or nobody."""
    activity = activities.channel_mention("bob", text, service_url=teams.connector.service_url,
                                          locale="en-GB")
    activity["entities"] = [e for e in activity["entities"] if e["type"] != "mention"]
    activity["text"] = text
    activity["attachments"] = []
    if mentioned:
        tag = f"<at>{mentioned['name']}</at>"
        activity["text"] = f"{tag} {text}"
        activity["entities"].insert(0, {"type": "mention", "text": tag, "mentioned": mentioned})
    return activity


async def test_channel_chatter_not_addressed_to_the_bot_is_ignored(teams, rt):
    for mentioned in (None, {"id": "29:carol", "name": "Carol"}):
        response = await teams.post(channel_message(teams, "help", mentioned))
        assert response.status in (200, 201)
    assert teams.connector.calls == []
    assert await everyone(rt) == []

    bot = {"id": activities.BOT_ID, "name": activities.BOT_NAME}
    await teams.post(channel_message(teams, "help", bot))  # the control: addressed, answered
    assert len(teams.connector.sent()) == 1
