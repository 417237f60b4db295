"""Teams dialogs and Universal Actions: the edit form opened as a dialog (task/fetch), kept
as typed when refused (task/submit), and cards that refresh to the volunteer's state."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.voice.stored import stored
from storage.models import Delivery, Member, Share
from tests.adapters.teams import activities
from tests.adapters.teams.conftest import ADMIN
from tests.adapters.teams.test_render import valid
from tests.adapters.teams.test_teams_flows import NEWS, join, text_of
from tests.helpers import says

ALICE = activities.personal_conversation_id("alice")


async def task(teams, name: str, data: dict[str, Any]) -> dict[str, Any]:
    response = await teams.post(activities.task_invoke(
        "alice", name, data, conversation_id=ALICE, service_url=teams.connector.service_url))
    assert response.status == 200
    return json.loads(await response.read() or b"null")


async def execute(teams, verb: str, data: dict[str, Any], reply_to_id: str) -> dict[str, Any]:
    response = await teams.post(activities.execute_invoke(
        "alice", verb, data, reply_to_id=reply_to_id, conversation_id=ALICE,
        name="Alice", aad_object_id=activities.aad_id_of("alice"), locale="en-GB",
        service_url=teams.connector.service_url))
    assert response.status == 200
    return json.loads(await response.read())


async def nudged(teams, rt, jobs) -> tuple[Delivery, dict[str, Any]]:
    """Alice joined, the admin queued a post, and its nudge reached her."""
    await join(teams)
    await teams.dm(ADMIN, f'/voix queue {NEWS} --title "Our Lyon office" --points "200 jobs"')
    await jobs.tick()
    _, nudge = teams.cards()[-1]
    async with rt.sessions() as session:
        delivery = (await session.scalars(select(Delivery))).one()
    return delivery, nudge


def dialog_of(answer: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card a task answer opens as a dialog."""
    assert answer["task"]["type"] == "continue", answer
    card = answer["task"]["value"]["card"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    return valid(card["content"])


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in card["body"] if node["type"].startswith("Input.")}


def pressed(card: dict[str, Any], choice: str) -> dict[str, Any]:
    """What Teams sends when the nudge's primary button is pressed with `choice` picked:
    the button's data, the card's inputs merged in."""
    [primary] = [action for node in card["body"] if node["type"] == "ActionSet"
                 for action in node["actions"] if action.get("style") == "positive"]
    assert primary["type"] == "Action.Submit"
    assert primary["data"]["msteams"] == {"type": "task/fetch"}  # it opens a dialog
    return {**primary["data"], "value": choice}


async def test_an_idea_opens_as_a_dialog_and_a_refusal_keeps_what_was_typed(teams, rt, jobs):
    delivery, nudge = await nudged(teams, rt, jobs)
    sent_before = len(teams.connector.sent())
    answer = await task(teams, "task/fetch", pressed(nudge, f"{delivery.id}:1"))
    form = dialog_of(answer)
    assert answer["task"]["value"]["title"] == says(rt, "share.form_title", "en")
    suggestion = stored(delivery.suggestions)[1].text
    assert suggestion in inputs(form)["text"]["value"]  # the idea picked, not the first
    assert len(teams.connector.sent()) == sent_before  # a dialog, not one more card in chat
    [submit] = form["actions"]
    assert submit["type"] == "Action.Submit"  # what a dialog submits with (task/submit)

    # The workspace blocks a word: the dialog answers with the form again, as typed.
    await teams.dm(ADMIN, "/voix set blocked secret")
    typed = "Our secret Lyon office is open: come and see us!"
    again = dialog_of(await task(teams, "task/submit",
                                 {**submit["data"], "text": typed, "network": "x"}))
    fields = inputs(again)
    assert fields["text"]["value"] == typed and fields["network"]["value"] == "x"
    body = again["body"]
    below = body[body.index(fields["text"]) + 1]
    assert below["type"] == "TextBlock" and below["color"] == "Attention"
    assert says(rt, "share.blocked_term", "en", term="secret") in below["text"]
    async with rt.sessions() as session:
        assert (await session.scalars(select(Share))).all() == []

    # Corrected: the dialog closes (no answer body), the share card arrives in the chat.
    mine = "Our new Lyon office is open: come and see us!"
    closed = await task(teams, "task/submit", {**submit["data"], "text": mine,
                                                "network": "linkedin"})
    assert closed is None
    async with rt.sessions() as session:
        share = (await session.scalars(select(Share))).one()
    assert share.final_text.startswith(mine)
    _, ready = teams.cards()[-1]
    [copy] = [node["items"][0] for node in ready["body"] if node["type"] == "Container"
              and node["items"][0].get("fontType") == "Monospace"]  # a code block, whole
    assert f"/r/{share.link_token}" in copy["text"]
    updated = {activity_id: card for _, activity_id, card in teams.connector.updated()}
    assert says(rt, "nudge.outcome_shared", "en", network="LinkedIn") in text_of(
        updated[delivery.message_ref["message_id"]])
    assert teams.connector.problems() == []


async def test_a_stale_nudge_answers_its_dialog_with_a_message(teams, rt, jobs):
    delivery, nudge = await nudged(teams, rt, jobs)
    await teams.dm(ADMIN, f"/voix cancel {delivery.post_id}")
    answer = await task(teams, "task/fetch", pressed(nudge, f"{delivery.id}:0"))
    assert answer == {"task": {"type": "message", "value": says(rt, "nudge.stale", "en")}}


async def test_the_nudge_refreshes_to_what_became_of_it(teams, rt, jobs):
    delivery, nudge = await nudged(teams, rt, jobs)
    # Teams refreshes the card for Alice alone, each time she sees it.
    assert nudge["refresh"]["userIds"] == [activities.user_id_of("alice")]
    action = nudge["refresh"]["action"]
    assert action["type"] == "Action.Execute"
    card_id = delivery.message_ref["message_id"]

    fresh = await execute(teams, action["verb"], action["data"], card_id)
    assert fresh["type"] == "application/vnd.microsoft.card.adaptive"
    assert stored(delivery.suggestions)[0].text[:40] in text_of(fresh["value"])

    await teams.dm(ADMIN, f"/voix cancel {delivery.post_id}")
    sent_before = len(teams.connector.sent())
    withdrawn = await execute(teams, action["verb"], action["data"], card_id)
    assert says(rt, "nudge.stale", "en") in text_of(withdrawn["value"])
    assert "Input.ChoiceSet" not in text_of(withdrawn["value"])  # nothing left to press
    assert len(teams.connector.sent()) == sent_before  # a refresh never posts a message


async def test_a_refresh_of_someone_elses_card_changes_nothing(teams, rt, jobs):
    delivery, _ = await nudged(teams, rt, jobs)
    response = await teams.post(activities.execute_invoke(
        "bob", "card.refresh", {"action_id": "card.refresh", "value": f"nudge:{delivery.id}"},
        reply_to_id="1", conversation_id=activities.personal_conversation_id("bob"),
        service_url=teams.connector.service_url))
    assert response.status == 200
    answer = json.loads(await response.read())
    assert "Lyon" not in json.dumps(answer)


async def test_i_posted_it_keeps_the_share_buttons(teams, rt, jobs):
    delivery, nudge = await nudged(teams, rt, jobs)
    form = dialog_of(await task(teams, "task/fetch", pressed(nudge, f"{delivery.id}:0")))
    await task(teams, "task/submit", {**form["actions"][0]["data"],
                                      "text": "Lyon, here we come!", "network": "linkedin"})
    _, ready = teams.cards()[-1]
    buttons = [a for node in ready["body"] if node["type"] == "ActionSet"
               for a in node["actions"]]
    assert [a.get("style") for a in buttons if a["type"] == "Action.OpenUrl"] == [
        "positive", None]  # LinkedIn, chosen, the one primary; X beside it
    [posted] = [a for a in buttons if a["type"] == "Action.Execute"]
    ready_id = [a for _, a in teams.connector.sent() if a.get("attachments")][-1]["id"]
    after = await execute(teams, posted["verb"], posted["data"], ready_id)
    card = after["value"]
    assert says(rt, "share.thanks", "en", network="LinkedIn") in text_of(card)
    kept = [a for node in card["body"] if node["type"] == "ActionSet" for a in node["actions"]]
    assert [a["type"] for a in kept] == ["Action.OpenUrl", "Action.OpenUrl"]
    async with rt.sessions() as session:
        assert (await session.scalars(select(Share))).one().confirmed


async def test_preferences_open_as_a_dialog_from_the_help_card(teams, rt, jobs):
    await join(teams)
    await teams.dm("alice", "help")
    _, help_card = teams.cards()[-1]
    [button] = [a for node in help_card["body"] if node["type"] == "ActionSet"
                for a in node["actions"] if a["data"].get("action_id") == "prefs.open"]
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    form = dialog_of(await task(teams, "task/fetch", button["data"]))
    fields = inputs(form)
    assert fields["weekends"]["type"] == "Input.Toggle"
    assert fields["quiet_start"]["type"] == "Input.Time"
    # Saved: the dialog says so and closes.
    values = {name: node.get("value", "") for name, node in fields.items()}
    answer = await task(teams, "task/submit", {**form["actions"][0]["data"], **values,
                                               "weekends": "true"})
    assert answer["task"]["type"] == "message"
    async with rt.sessions() as session:
        alice = (await session.scalars(select(Member).where(
            Member.external_id == activities.aad_id_of("alice")))).one()
    assert alice.prefs["weekends"] is True


async def test_a_typed_word_opens_an_inline_form_that_keeps_a_refused_input(teams, rt, jobs):
    await join(teams)
    await teams.dm("alice", "prefs")
    _, form = teams.cards()[-1]
    form_id = [a for _, a in teams.connector.sent() if a.get("attachments")][-1]["id"]
    [submit] = form["actions"]
    assert submit["type"] == "Action.Execute"  # answered in place, in the invoke
    fields = inputs(form)
    values = {name: node.get("value", "") for name, node in fields.items()}
    answer = await execute(teams, submit["verb"], {**submit["data"], **values,
                                                   "quiet_start": "25:99",
                                                   "about": "I run the Lyon office"}, form_id)
    again = valid(answer["value"])
    kept = inputs(again)
    assert kept["about"]["value"] == "I run the Lyon office"
    below = again["body"][again["body"].index(kept["quiet_start"]) + 1]
    assert below["color"] == "Attention" and says(rt, "prefs.bad_time", "en") in below["text"]
    async with rt.sessions() as session:
        alice = (await session.scalars(select(Member).where(
            Member.external_id == activities.aad_id_of("alice")))).one()
    assert "about" not in alice.prefs or alice.prefs["about"] != "I run the Lyon office"

    done = await execute(teams, submit["verb"], {**submit["data"], **values}, form_id)
    assert "Input." not in json.dumps(done["value"])  # spent: shown as sent, not twice


async def test_during_a_crisis_the_nudge_refreshes_on_hold_and_cannot_be_acted_on(teams, rt,
                                                                                  jobs):
    delivery, nudge = await nudged(teams, rt, jobs)
    action = nudge["refresh"]["action"]
    card_id = delivery.message_ref["message_id"]
    await teams.dm(ADMIN, '/voix crisis "A fire at the Lyon site; everyone is safe."')
    held = await execute(teams, action["verb"], action["data"], card_id)
    assert says(rt, "crisis.held", "en") in text_of(held["value"])
    shown = json.dumps(held["value"])
    assert "Action.Execute" not in shown and "Action.Submit" not in shown  # nothing to press
    answer = await task(teams, "task/fetch", pressed(nudge, f"{delivery.id}:0"))
    assert answer == {"task": {"type": "message", "value": says(rt, "crisis.held", "en")}}
