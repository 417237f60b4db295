"""A page proposed on Teams: the admin approves it in a dialog (the queue form, prefilled)
or declines it with a note, and the proposer hears back in their chat."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from storage.models import Post, Proposal
from tests.adapters.teams import activities
from tests.adapters.teams.conftest import ADMIN
from tests.adapters.teams.test_teams_dialogs import dialog_of, inputs
from tests.adapters.teams.test_teams_flows import join
from tests.helpers import says

PAGE = "https://example.com/blog/lyon-office"


async def as_admin(teams, name: str, data: dict[str, Any]) -> dict[str, Any]:
    response = await teams.post(activities.task_invoke(
        ADMIN, name, data, conversation_id=activities.personal_conversation_id(ADMIN),
        service_url=teams.connector.service_url))
    assert response.status == 200
    return json.loads(await response.read() or b"null")


def button(card: dict[str, Any], action_id: str) -> dict[str, Any]:
    [found] = [a for node in card["body"] if node["type"] == "ActionSet"
               for a in node["actions"] if a["data"].get("action_id") == action_id]
    return found


async def proposal_card(teams) -> dict[str, Any]:
    await teams.dm(ADMIN, "/voix help")  # the admin's chat with the bot
    await join(teams)
    await teams.dm("alice", f"suggest {PAGE} our customers ask about it")
    admin_chat = activities.personal_conversation_id(ADMIN)
    [card] = [c for conversation, c in teams.cards() if conversation == admin_chat
              and PAGE in json.dumps(c)]
    return card


async def test_an_admin_approves_a_proposal_in_a_dialog(teams, rt):
    card = await proposal_card(teams)
    approve = button(card, "proposal.approve")
    assert approve["data"]["msteams"] == {"type": "task/fetch"}
    form = dialog_of(await as_admin(teams, "task/fetch", approve["data"]))
    fields = inputs(form)
    assert fields["url"]["value"] == PAGE
    closed = await as_admin(teams, "task/submit", {
        **form["actions"][0]["data"], "url": PAGE, "title": "Our Lyon office",
        "lang": "en", "kind": "news"})
    assert closed is None  # the dialog closes; the queued card goes to the admin's chat
    async with rt.sessions() as session:
        post = (await session.scalars(select(Post))).one()
        proposal = (await session.scalars(select(Proposal))).one()
    assert (proposal.status, proposal.post_id, post.title) == ("approved", post.id,
                                                             "Our Lyon office")
    alice_chat = activities.personal_conversation_id("alice")
    told = [c for conversation, c in teams.cards() if conversation == alice_chat][-1]
    assert told["body"][0]["text"] == says(rt, "proposals.approved", "en",
                                           title="Our Lyon office")
    assert teams.connector.problems() == []


async def test_an_admin_declines_with_a_note(teams, rt):
    card = await proposal_card(teams)
    form = dialog_of(await as_admin(teams, "task/fetch",
                                    button(card, "proposal.decline")["data"]))
    assert set(inputs(form)) == {"note"}
    answer = await as_admin(teams, "task/submit", {**form["actions"][0]["data"],
                                                   "note": "Already shared in May."})
    assert answer["task"]["type"] == "message"  # the dialog says it is done
    async with rt.sessions() as session:
        proposal = (await session.scalars(select(Proposal))).one()
    assert (proposal.status, proposal.note) == ("declined", "Already shared in May.")
    alice_chat = activities.personal_conversation_id("alice")
    told = [c for conversation, c in teams.cards() if conversation == alice_chat][-1]
    assert "Already shared in May." in told["body"][0]["text"]
