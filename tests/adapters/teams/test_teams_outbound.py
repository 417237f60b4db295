"""What Porte-Voix sends to Teams on its own: nudges from the outbox (and what the connector's
errors do to them), 1:1 chats opened for people known from a team roster, the team digest,
and the card Teams shows in answer to an Action.Execute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.voice.stored import stored
from storage.models import Delivery, Member, Share
from tests.adapters.teams import activities
from tests.adapters.teams.conftest import ADMIN
from tests.adapters.teams.test_teams_flows import join, last_card_id, member, press, text_of
from tests.adapters.teams.test_teams_security import shown_text
from tests.helpers import says

NEWS = "https://acme.example/news/lyon-office"
QUEUE = f'/voix queue {NEWS} --title "Our Lyon office" --points "200 jobs"'
ALICE_CHAT = activities.personal_conversation_id("alice")


async def deliveries(rt) -> list[Delivery]:
    async with rt.sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


def nudges(teams, conversation: str = ALICE_CHAT) -> list[dict]:
    return [card for cid, card in teams.cards() if cid == conversation
            and '"nudge.pick"' in text_of(card)]


async def nudge_due(teams, user: str = "alice") -> None:
    """`user` volunteered and the admin queued a post: the next tick sends the nudge."""
    await join(teams, user)
    await teams.dm(ADMIN, QUEUE)


async def test_the_nudge_is_a_proactive_card_in_the_personal_chat(teams, rt, jobs):
    await nudge_due(teams)
    await jobs.tick()
    [nudge] = nudges(teams)
    assert nudge["version"] == "1.5"
    assert "Our Lyon office" in shown_text(nudge)
    call = teams.connector.calls[-1]
    assert (call.method, call.path) == ("POST", f"/v3/conversations/{ALICE_CHAT}/activities")
    assert not call.body.get("replyToId")  # a new message, not a reply to a made-up one
    [delivery] = await deliveries(rt)
    assert delivery.status == "sent"
    assert delivery.message_ref["message_id"] == last_card_id(teams)
    assert teams.connector.problems() == []


async def test_a_429_postpones_by_retry_after_and_sends_once_later(teams, rt, jobs, clock):
    await nudge_due(teams)
    teams.connector.fail_next("POST", "/v3/conversations/", status=429, retry_after=1)
    await jobs.tick()
    [delivery] = await deliveries(rt)
    assert (delivery.status, delivery.attempts) == ("planned", 0)
    assert delivery.due_at == clock.now() + timedelta(seconds=1)
    assert nudges(teams) == []

    clock.advance(timedelta(seconds=2))
    await jobs.send()
    await jobs.send()
    assert len(nudges(teams)) == 1
    [delivery] = await deliveries(rt)
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert teams.connector.problems() == []


@pytest.mark.parametrize("status", [403, 404])
async def test_a_removed_bot_or_a_gone_user_fails_for_good(teams, rt, jobs, clock, status):
    await nudge_due(teams)
    teams.connector.fail_next("POST", "/v3/conversations/", status=status)
    await jobs.tick()
    posts = teams.connector.count("POST", f"/v3/conversations/{ALICE_CHAT}/activities")
    [delivery] = await deliveries(rt)
    assert delivery.status == "failed" and str(status) in (delivery.last_error or "")
    assert (await member(rt, "alice")).status == "unreachable"

    clock.advance(timedelta(hours=2))
    await jobs.tick()
    assert teams.connector.count("POST", f"/v3/conversations/{ALICE_CHAT}/activities") == posts
    assert [d.status for d in await deliveries(rt)] == ["failed"]
    assert nudges(teams) == []


async def test_a_500_is_retried_later_with_backoff(teams, rt, jobs, clock):
    await nudge_due(teams)
    teams.connector.fail_next("POST", "/v3/conversations/", status=500)
    await jobs.tick()
    [delivery] = await deliveries(rt)
    assert (delivery.status, delivery.attempts) == ("planned", 1)
    assert clock.now() + timedelta(seconds=10) <= delivery.due_at \
        <= clock.now() + timedelta(minutes=1)
    assert (await member(rt, "alice")).status == "active"
    assert nudges(teams) == []

    clock.advance(timedelta(minutes=2))
    await jobs.send()
    assert len(nudges(teams)) == 1
    assert [d.status for d in await deliveries(rt)] == ["sent"]


def roster(teams, *people: str) -> None:
    for person in people:
        teams.connector.add_member(activities.TEAM_ID, activities.user_id_of(person),
                                   f"{person.capitalize()} Martin", activities.aad_id_of(person),
                                   f"{person}@acme.example")


async def bot_added_to_team(teams) -> None:
    response = await teams.post(activities.conversation_update_bot_added_team(
        service_url=teams.connector.service_url))
    assert response.status in (200, 201)


async def test_a_roster_member_who_chats_later_is_nudged_in_their_own_chat(teams, rt, jobs):
    roster(teams, "rita", "sam")
    await bot_added_to_team(teams)
    assert (await member(rt, "rita")).conversation["data"].get("provisional") is True

    await nudge_due(teams, "rita")
    rita = await member(rt, "rita")
    assert rita.conversation["conversation_id"] == activities.personal_conversation_id("rita")
    assert not rita.conversation["data"].get("provisional")
    await jobs.tick()
    assert len(nudges(teams, activities.personal_conversation_id("rita"))) == 1
    assert teams.connector.created() == []
    assert teams.connector.problems() == []


async def test_a_roster_only_volunteer_gets_a_new_personal_chat(teams, rt, jobs, clock):
    roster(teams, "rita", "sam")
    await bot_added_to_team(teams)
    async with rt.sessions() as session:
        await session.execute(update(Member).where(
            Member.external_id == activities.aad_id_of("sam")).values(
            status="active", charter_version=rt.charter.version, opted_in_at=clock.now()))
        await session.commit()
    await teams.dm(ADMIN, QUEUE)
    await jobs.tick()

    [created] = teams.connector.created()
    assert [m["id"] for m in created["members"]] == [activities.user_id_of("sam")]
    assert created["isGroup"] is False
    assert created["channelData"]["tenant"]["id"] == activities.TENANT_ID
    [(conversation, nudge)] = [(cid, card) for cid, card in teams.cards()
                               if '"nudge.pick"' in text_of(card)]
    assert conversation.startswith("a:new-personal-")
    [delivery] = await deliveries(rt)
    assert delivery.status == "sent"
    assert delivery.message_ref["conversation"]["conversation_id"] == conversation
    assert teams.connector.problems() == []


async def share(teams, rt, user: str) -> None:
    """`user` picks the first suggestion of their nudge and shares it on LinkedIn."""
    async with rt.sessions() as session:
        delivery = (await session.scalars(select(Delivery).join(Member).where(
            Member.external_id == activities.aad_id_of(user)))).one()
    await press(teams, user, {"action_id": "nudge.pick", "value": f"{delivery.id}:0"},
                delivery.message_ref["message_id"])
    form = teams.cards()[-1][1]
    submit = form["actions"][0]["data"]
    text = stored(delivery.suggestions)[0].text + " Proud of us."
    await press(teams, user, {**submit, "text": text, "network": "linkedin"}, last_card_id(teams))


async def test_digest_now_posts_the_figures_to_the_team_channel(teams, rt, jobs, clock):
    roster(teams, "rita", "sam")
    await bot_added_to_team(teams)
    for person in ("rita", "sam"):
        await join(teams, person)
    await teams.dm(ADMIN, QUEUE)
    await jobs.tick()
    clock.advance(timedelta(minutes=30))
    await share(teams, rt, "rita")
    async with rt.sessions() as session:
        assert len((await session.scalars(select(Share))).all()) == 1
    clock.advance(timedelta(hours=1))

    before = [card for cid, card in teams.cards() if cid == activities.TEAM_ID]
    await teams.dm(ADMIN, "/voix digest now")
    [digest] = [card for cid, card in teams.cards() if cid == activities.TEAM_ID][len(before):]
    figures = {label["text"]: value["text"] for element in digest["body"]
               if element["type"] == "ColumnSet" for column in element["columns"]
               for value, label in [column["items"]]}
    assert figures == {says(rt, "digest.shares", "en", count=1): "1",
                       says(rt, "digest.clicks", "en", count=0): "0",
                       says(rt, "digest.new_volunteers", "en", count=2): "2"}
    assert activities.TEAM_NAME in shown_text(digest)
    assert says(rt, "admin.digest_done", "en", posted=1, total=1) in \
        shown_text(teams.cards()[-1][1])
    assert teams.connector.problems() == []


async def test_digest_now_to_a_team_that_removed_the_bot_reports_it(teams, rt):
    roster(teams, "rita")
    await bot_added_to_team(teams)
    teams.connector.fail_next("POST", f"/v3/conversations/{activities.TEAM_ID}", status=403)
    await teams.dm(ADMIN, "/voix digest now")
    assert [cid for cid, _ in teams.cards()] == [activities.personal_conversation_id(ADMIN)]
    answer = shown_text(teams.cards()[-1][1])
    assert says(rt, "admin.digest_done", "en", posted=0, total=1) in answer


async def test_action_execute_skip_answers_with_the_updated_card(teams, rt, jobs):
    await nudge_due(teams)
    await jobs.tick()
    [delivery] = await deliveries(rt)
    nudge_id = delivery.message_ref["message_id"]
    updates = len(teams.connector.updated())
    response = await teams.post(activities.execute_invoke(
        "alice", "nudge.skip", {"action_id": "nudge.skip", "value": str(delivery.id)},
        reply_to_id=nudge_id, conversation_id=ALICE_CHAT, name="Alice", locale="en-GB",
        aad_object_id=activities.aad_id_of("alice"), service_url=teams.connector.service_url))
    assert response.status == 200
    body = await response.json()
    assert set(body) == {"statusCode", "type", "value"}
    assert (body["statusCode"], body["type"]) == (200, "application/vnd.microsoft.card.adaptive")
    card = body["value"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.5")
    assert says(rt, "nudge.outcome_skipped", "en") in shown_text(card)
    assert '"nudge.pick"' not in text_of(card)
    [delivery] = await deliveries(rt)
    assert delivery.status == "skipped"
    assert len(teams.connector.updated()) == updates  # Teams shows the answer: no second PUT


async def test_action_execute_that_opens_a_form_answers_with_a_message(teams, rt, jobs):
    await nudge_due(teams)
    await jobs.tick()
    [delivery] = await deliveries(rt)
    response = await teams.post(activities.execute_invoke(
        "alice", "nudge.pick", {"action_id": "nudge.pick", "value": f"{delivery.id}:0"},
        reply_to_id=delivery.message_ref["message_id"], conversation_id=ALICE_CHAT,
        name="Alice", locale="en-GB", aad_object_id=activities.aad_id_of("alice"),
        service_url=teams.connector.service_url))
    form = teams.cards()[-1][1]
    assert [e["value"] for e in form["body"] if e.get("id") == "text"] == [
        stored(delivery.suggestions)[0].text]
    assert response.status == 200  # else Teams shows an error on the card
    body = await response.json()
    assert (body["statusCode"], body["type"]) == (200, "application/vnd.microsoft.activity.message")
    assert isinstance(body["value"], str) and body["value"]
