"""Employees propose pages: the admins review them (a channel or their DMs), approve through
the queue form or decline with a note, and the proposer hears back either way."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.cards import Card, LinkPreview, Text
from storage.models import Post, Proposal
from tests.conftest import ADMIN, enlist
from tests.helpers import assert_reads, says

PAGE = "https://example.com/blog/our-new-lyon-office"


async def proposals(rt) -> list[Proposal]:
    async with rt.sessions() as session:
        return list((await session.scalars(select(Proposal).order_by(Proposal.id))).all())


def texts(card: Card | str) -> str:
    assert isinstance(card, Card)
    return "\n".join(block.text for block in card.blocks if isinstance(block, Text))


async def proposed(console, rt, user: str = "alice", why: str = "our customers will love it"):
    await console.say(ADMIN, "/voix help")  # the admin has a DM with the bot
    await enlist(console, user)
    await console.say(user, f"suggest {PAGE} {why}")
    return (await proposals(rt))[-1]


async def test_a_proposal_reaches_the_admins_and_approving_queues_it(console, rt):
    proposal = await proposed(console, rt)
    assert (proposal.url, proposal.reason, proposal.status) == (
        PAGE, "our customers will love it", "pending")
    assert_reads(console, rt, "alice", "proposals.thanks", credited=False)
    card = console.last(ADMIN)
    assert isinstance(card, Card)
    assert [b.url for b in card.blocks if isinstance(b, LinkPreview)] == [PAGE]
    assert says(rt, "proposals.by", name="") in texts(card)  # not named: not their choice
    assert "Alice" not in str(card)

    await console.click(ADMIN, says(rt, "proposals.approve"))
    form = console.forms[ADMIN]
    assert {spec.name: spec.value for spec in form.inputs}["url"] == PAGE
    await console.submit(ADMIN, title="Our new office in Lyon")
    async with rt.sessions() as session:
        post = (await session.scalars(select(Post))).one()
    [done] = await proposals(rt)
    assert (done.status, done.post_id, post.title) == ("approved", post.id,
                                                     "Our new office in Lyon")
    assert_reads(console, rt, "alice", "proposals.approved", title="Our new office in Lyon")


async def test_declining_asks_for_a_note_and_the_proposer_reads_it(console, rt):
    await proposed(console, rt)
    await console.click(ADMIN, says(rt, "proposals.decline"))
    await console.submit(ADMIN, note="We shared it last month.")
    [done] = await proposals(rt)
    assert (done.status, done.note) == ("declined", "We shared it last month.")
    assert_reads(console, rt, "alice", "proposals.declined", title=PAGE,
                 note="We shared it last month.")
    assert_reads(console, rt, ADMIN, "proposals.declined_done", title=PAGE)
    # A second answer is refused: it was decided.
    await console.press(ADMIN, "proposal.approve", str(done.id))
    assert_reads(console, rt, ADMIN, "proposals.decided",
                 status=says(rt, "proposals.status_name", status="declined"))


async def test_a_proposer_who_chose_to_be_thanked_is_named(console, rt):
    await console.say(ADMIN, "/voix help")
    await enlist(console, "alice")
    await console.say("alice", "prefs")
    await console.submit("alice", in_digest="true")
    await console.say("alice", f"suggest {PAGE}")
    assert says(rt, "proposals.by", name="Alice") in texts(console.last(ADMIN))
    assert_reads(console, rt, "alice", "proposals.thanks", credited=True)


async def test_bad_proposals_are_refused_plainly(console, rt):
    await console.say(ADMIN, "/voix set blocked Project Falcon")
    await enlist(console, "alice")
    await console.say("alice", "suggest")
    assert_reads(console, rt, "alice", "proposals.usage")
    await console.say("alice", "suggest javascript:alert(1)")
    assert_reads(console, rt, "alice", "proposals.bad_url", url="javascript:alert(1)")
    await console.say("alice", f"suggest {PAGE} about Project Falcon")
    assert_reads(console, rt, "alice", "proposals.blocked_term", term="Project Falcon")
    await console.say("bob", f"suggest {PAGE}")  # not a volunteer
    assert_reads(console, rt, "bob", "volunteer.not_in")
    assert await proposals(rt) == []


async def test_three_proposals_a_day_then_tomorrow(console, rt, clock):
    await enlist(console, "alice")
    for n in range(3):
        await console.say("alice", f"suggest {PAGE}?n={n}")
    await console.say("alice", f"suggest {PAGE}?n=4")
    assert_reads(console, rt, "alice", "proposals.too_many", count=3)
    assert len(await proposals(rt)) == 3
    clock.advance(timedelta(days=1, minutes=1))
    await console.say("alice", f"suggest {PAGE}?n=5")
    assert len(await proposals(rt)) == 4


async def test_proposals_go_to_the_review_channel_and_are_listed(console, rt):
    await enlist(console, "alice", team="comms")
    await console.say(ADMIN, "/voix set review #comms")
    await console.say("alice", f"suggest {PAGE} in French, please")
    [message] = console.messenger.conversations["#comms"][-1:]
    assert isinstance(message.body, Card) and PAGE in str(message.body)
    await console.say(ADMIN, "/voix suggestions")
    listing = console.last(ADMIN)
    assert isinstance(listing, Card)
    assert says(rt, "proposals.list_title", count=1) in str(listing)
    await console.say(ADMIN, "/voix set review none")
    await console.say("alice", f"suggest {PAGE}?again")
    assert PAGE + "?again" in str(console.last(ADMIN))  # the admins' DMs again


async def test_a_homograph_host_is_shown_in_punycode_to_the_admins(console, rt):
    await console.say(ADMIN, "/voix help")
    await enlist(console, "alice")
    await console.say("alice", "suggest https://pаypal.com/login")  # a Cyrillic "а"
    [proposal] = await proposals(rt)
    assert proposal.warning == "xn--pypal-4ve.com"
    assert "xn--pypal-4ve.com" in texts(console.last(ADMIN))
