"""The volunteer's and the admin's journeys on Teams, through activities and the connector."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.voice.stored import stored
from storage.models import Delivery, Member, Post, Share
from tests.adapters.teams import activities
from tests.adapters.teams.conftest import ADMIN
from tests.helpers import says

NEWS = "https://acme.example/news/lyon-office"


async def member(rt, user: str) -> Member:
    async with rt.sessions() as session:
        return (await session.scalars(select(Member).where(
            Member.external_id == activities.aad_id_of(user)))).one()


def text_of(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


async def press(teams, user: str, data: dict, reply_to_id: str):
    return await teams.post(activities.submit_action(
        user, data, reply_to_id=reply_to_id, name=user.capitalize(), locale="en-GB",
        aad_object_id=activities.aad_id_of(user),
        conversation_id=activities.personal_conversation_id(user),
        service_url=teams.connector.service_url))


def last_card_id(teams) -> str:
    """The activity id the connector gave the last card the bot sent."""
    return [a for _, a in teams.connector.sent() if a.get("attachments")][-1]["id"]


async def join(teams, user: str = "alice") -> None:
    await teams.dm(user, "join")
    await press(teams, user, {"action_id": "charter.accept", "value": teams.rt.charter.version},
                last_card_id(teams))


async def test_join_shows_the_charter_and_accept_opts_in(teams, rt):
    response = await teams.dm("alice", "join")
    assert response.status in (200, 201)
    [(conversation, charter)] = teams.cards()
    assert conversation == activities.personal_conversation_id("alice")
    assert charter["version"] == "1.5"
    assert says(rt, "charter.title", "en") in text_of(charter)
    assert (await member(rt, "alice")).status == "new"

    await press(teams, "alice", {"action_id": "charter.accept", "value": rt.charter.version},
                last_card_id(teams))
    alice = await member(rt, "alice")
    assert (alice.status, alice.charter_version) == ("active", rt.charter.version)
    [(_, _, updated)] = teams.connector.updated()
    assert says(rt, "charter.accepted_title", "en") in text_of(updated)
    assert teams.connector.problems() == []


async def test_an_admin_queues_by_mention_and_a_volunteer_cannot(teams, rt):
    url = teams.connector.service_url
    await teams.post(activities.channel_mention(
        ADMIN, f'queue {NEWS} --title "Our Lyon office"', name="Camille",
        aad_object_id=activities.aad_id_of(ADMIN), service_url=url))
    await teams.post(activities.channel_mention(
        "bob", f'queue {NEWS} --title "Sneaky"', name="Bob",
        aad_object_id=activities.aad_id_of("bob"), service_url=url))
    async with rt.sessions() as session:
        titles = [p.title for p in (await session.scalars(select(Post))).all()]
    assert titles == ["Our Lyon office"]
    refusal = teams.connector.sent()[-1][1]
    assert says(rt, "errors.not_admin", "fr") in text_of(refusal)  # Bob's Teams is in French


async def test_nudge_pick_edit_share_on_teams(teams, rt, jobs):
    await join(teams)
    await teams.dm(ADMIN, f'/voix queue {NEWS} --title "Our Lyon office" --points "200 jobs"')
    await jobs.tick()

    nudge_conversation, nudge = teams.cards()[-1]
    assert nudge_conversation == activities.personal_conversation_id("alice")
    async with rt.sessions() as session:
        delivery = (await session.scalars(select(Delivery))).one()
    assert delivery.status == "sent"
    nudge_id = delivery.message_ref["message_id"]

    await press(teams, "alice", {"action_id": "nudge.pick", "value": f"{delivery.id}:0"},
                nudge_id)
    form = teams.cards()[-1][1]
    [text_input] = [e for e in form["body"] if e.get("id") == "text"]
    suggestion = stored(delivery.suggestions)[0].text
    assert text_input["value"] == suggestion
    submit = form["actions"][0]["data"]

    mine = suggestion + " I visited last week."
    await press(teams, "alice", {**submit, "text": mine, "network": "linkedin"},
                last_card_id(teams))
    async with rt.sessions() as session:
        share = (await session.scalars(select(Share))).one()
    assert share.final_text == mine and 0 < share.edit_ratio < 0.5
    updated = {activity_id: card for _, activity_id, card in teams.connector.updated()}
    assert says(rt, "nudge.outcome_shared", "en", network="LinkedIn") in text_of(
        updated[nudge_id])
    assert f"/r/{share.link_token}" in text_of(teams.cards()[-1][1])
    assert teams.connector.problems() == []
