"""Teams redelivers an activity when the bot was slow or failed: the repeat (same conversation,
same activity id) is acknowledged and does nothing. Others' activities (edits, deletions,
typing, reactions) are acknowledged without a word or an error."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from storage.models import ConsentEvent, Member, Post
from tests.adapters.teams import activities
from tests.adapters.teams.conftest import ADMIN
from tests.adapters.teams.test_teams_flows import last_card_id, member

NEWS = "https://acme.example/news/lyon-office"


async def rows(rt, model) -> int:
    async with rt.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


def typed(teams, user: str, text: str) -> dict:
    return activities.personal_message(
        user, text, name=user.capitalize(), aad_object_id=activities.aad_id_of(user),
        service_url=teams.connector.service_url, locale="en-GB")


async def test_a_queue_command_delivered_twice_queues_one_post(teams, rt):
    command = typed(teams, ADMIN, f'/voix queue {NEWS} --title "Our Lyon office"')
    first = await teams.post(command)
    again = await teams.post(command)
    assert first.status in (200, 201) and again.status in (200, 201)
    assert await rows(rt, Post) == 1
    assert len(teams.connector.sent()) == 1  # one confirmation


async def test_the_same_activity_id_in_two_conversations_is_two_activities(teams):
    alice, bob = typed(teams, "alice", "help"), typed(teams, "bob", "help")
    bob["id"] = alice["id"]  # Teams' ids are unique within a conversation only
    await teams.post(alice)
    await teams.post(bob)
    assert {conversation for conversation, _ in teams.connector.sent()} == {
        activities.personal_conversation_id("alice"), activities.personal_conversation_id("bob")}


async def test_a_redelivered_invoke_gets_a_200_and_is_handled_once(teams, rt):
    await teams.post(typed(teams, "alice", "join"))
    invoke = activities.execute_invoke(
        "alice", "charter.accept", {"action_id": "charter.accept", "value": rt.charter.version},
        reply_to_id=last_card_id(teams), name="Alice", locale="en-GB",
        aad_object_id=activities.aad_id_of("alice"),
        conversation_id=activities.personal_conversation_id("alice"),
        service_url=teams.connector.service_url)
    first = await teams.post(invoke)
    assert first.status == 200
    assert (await first.json())["statusCode"] == 200  # the updated card
    sent = len(teams.connector.calls)
    again = await teams.post(invoke)
    assert again.status == 200
    assert await again.json() is None  # a plain ack: no card, no message, no work
    assert len(teams.connector.calls) == sent
    assert (await member(rt, "alice")).status == "active"
    assert await rows(rt, ConsentEvent) == 1


def others(teams, kind: str) -> dict:
    activity = typed(teams, "alice", "stop")
    if kind == "messageReaction":
        return {**activity, "type": kind, "reactionsAdded": [{"type": "like"}],
                "replyToId": "1"}
    return {**activity, "type": kind}


@pytest.mark.parametrize("kind", ["messageUpdate", "messageDelete", "typing",
                                  "messageReaction", "event", "endOfConversation"])
async def test_other_activities_are_acknowledged_and_quiet(teams, rt, caplog, kind):
    with caplog.at_level(logging.WARNING):
        response = await teams.post(others(teams, kind))
    assert 200 <= response.status < 300
    assert teams.connector.calls == []
    assert [r.getMessage() for r in caplog.records] == []
    assert await rows(rt, Member) == 0
