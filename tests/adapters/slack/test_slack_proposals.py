"""A page proposed on Slack: Approve opens the queue form in a modal, Decline a note's
modal, and the proposer reads the answer in their DM."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Post, Proposal
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID
from tests.adapters.slack.test_slack_flows import ALICE, join
from tests.helpers import says

PAGE = "https://example.com/blog/lyon-office"


async def proposed(side) -> dict:
    """Alice proposes a page; the approval card in the admin's DM."""
    await side.dm(ADMIN_ID, "help")
    await side.settle(lambda: len(side.answers(ADMIN_ID)) == 1)
    await join(side)
    await side.dm(ALICE, f"suggest {PAGE} customers ask about it")
    await side.settle(lambda: any(PAGE in str(m.get("blocks")) for m in
                                  side.mock.messages(ADMIN_ID)))
    return [m for m in side.mock.messages(ADMIN_ID) if PAGE in str(m.get("blocks"))][-1]


async def pressed(side, card: dict, action_id: str) -> dict:
    """The admin presses the card's button `action_id`: the modal Slack opens."""
    value = next(e["value"] for b in card["blocks"] if b["type"] == "actions"
                 for e in b["elements"] if e["action_id"] == action_id)
    await side.press(ADMIN_ID, action_id, value, channel=side.mock.dm_channel(ADMIN_ID),
                     message_ts=card["ts"])
    await side.settle(lambda: side.mock.count("views.open") == 1)
    return side.mock.calls_to("views.open")[-1].params["view"]


async def test_approve_opens_the_queue_form_and_queues_the_page(side, rt):
    view = await pressed(side, await proposed(side), "proposal.approve")
    [url] = [b for b in view["blocks"] if b.get("block_id") == "url"]
    assert url["element"]["initial_value"] == PAGE
    told = len(side.mock.messages(ALICE))
    await side.submit(ADMIN_ID, view["callback_id"], {
        **payloads.text_value("url", PAGE), **payloads.text_value("title", "Our Lyon office"),
        **payloads.select_value("lang", "en"), **payloads.select_value("kind", "news")},
        view["private_metadata"])
    await side.settle(lambda: len(side.mock.messages(ALICE)) == told + 1)
    async with rt.sessions() as session:
        post = (await session.scalars(select(Post))).one()
        proposal = (await session.scalars(select(Proposal))).one()
    assert (proposal.status, proposal.post_id) == ("approved", post.id)
    assert side.mock.messages(ALICE)[-1]["text"] == says(rt, "proposals.approved", "en",
                                                         title="Our Lyon office")
    assert side.mock.problems() == []


async def test_decline_with_a_note(side, rt):
    view = await pressed(side, await proposed(side), "proposal.decline")
    told = len(side.mock.messages(ALICE))
    await side.submit(ADMIN_ID, view["callback_id"], payloads.text_value(
        "note", "Already shared in May."), view["private_metadata"])
    await side.settle(lambda: len(side.mock.messages(ALICE)) == told + 1)
    assert "Already shared in May." in side.mock.messages(ALICE)[-1]["text"]
    async with rt.sessions() as session:
        assert (await session.scalars(select(Proposal))).one().status == "declined"
