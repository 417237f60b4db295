"""The volunteer's and the admin's journeys on Slack, through signed requests and the mock."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.voice.stored import stored
from storage.models import Delivery, Member, Post, Share
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID
from tests.helpers import says

ALICE = "U0ALICE"
GENERAL = "C0GENERAL"
NEWS = "https://acme.example/news/lyon-office"


async def member(rt, user_id: str) -> Member:
    async with rt.sessions() as session:
        return (await session.scalars(select(Member).where(Member.external_id == user_id))).one()


async def opted_in(side, user: str) -> None:
    """Wait for the accept's transaction (the card is updated before it commits)."""
    async def active() -> bool:
        return (await member(side.rt, user)).status == "active"
    await side.settle_db(active)


def texts_of(call) -> str:
    return json.dumps(call.params.get("blocks") or []) + str(call.params.get("text") or "")


async def join(side, user: str = ALICE) -> None:
    """DM 'join', then press Accept on the charter card Slack shows."""
    await side.dm(user, "join")
    await side.settle(lambda: side.mock.count("chat.postMessage") >= 1)
    charter = side.mock.calls_to("chat.postMessage")[-1]
    posted = side.mock.messages(charter.params["channel"])[-1]
    await side.press(user, "charter.accept", side.rt.charter.version,
                     channel=side.mock.dm_channel(user), message_ts=posted["ts"])
    await side.settle(lambda: side.mock.count("chat.update") >= 1)
    await opted_in(side, user)


async def test_url_verification_answers_its_challenge(side):
    response = await side.post(json.dumps(payloads.url_verification("abc123")), payloads.JSON)
    assert response.status == 200
    assert "abc123" in await response.text()


async def test_join_shows_the_charter_and_accept_opts_in(side, rt):
    await side.dm(ALICE, "join")
    await side.settle(lambda: side.mock.count("chat.postMessage") == 1)
    [charter] = side.mock.calls_to("chat.postMessage")
    assert charter.valid, charter.problems
    assert says(rt, "charter.title", "en") in texts_of(charter)
    assert (await member(rt, ALICE)).status == "new"

    posted = side.mock.messages(side.mock.dm_channel(ALICE))[-1]
    await side.press(ALICE, "charter.accept", rt.charter.version,
                     channel=side.mock.dm_channel(ALICE), message_ts=posted["ts"])
    await side.settle(lambda: side.mock.count("chat.update") == 1)
    await opted_in(side, ALICE)

    alice = await member(rt, ALICE)
    assert (alice.status, alice.charter_version) == ("active", rt.charter.version)
    assert alice.display_name == "Alice Smith" and alice.timezone == "Europe/London"
    assert says(rt, "charter.accepted_title", "en") in texts_of(
        side.mock.calls_to("chat.update")[0])
    assert side.mock.problems() == []


async def test_an_admin_queues_a_post_and_a_volunteer_cannot(side, rt):
    confirmation = await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office" '
                                            '--topics offices', channel=GENERAL)
    assert "Our Lyon office" in texts_of(confirmation)

    refusal = await side.ask(ALICE, f'queue {NEWS} --title "Sneaky"', channel=GENERAL)
    assert refusal.params["response_type"] == "ephemeral"  # in a channel: for them alone
    assert says(rt, "errors.not_admin", "en") in texts_of(refusal)
    async with rt.sessions() as session:
        titles = [p.title for p in (await session.scalars(select(Post))).all()]
    assert titles == ["Our Lyon office"]
    await side.quiet(0.05)
    assert side.mock.count("chat.postMessage") == side.mock.count("chat.postEphemeral") == 0


async def test_in_a_dm_a_command_is_answered_with_a_message_that_stays(side, rt):
    confirmation = await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office"')
    assert confirmation.valid, confirmation.problems
    assert "Our Lyon office" in texts_of(confirmation)
    refusal = await side.ask(ALICE, f'queue {NEWS} --title "Sneaky"')
    assert refusal.params["channel"] == ALICE
    assert says(rt, "errors.not_admin", "en") in texts_of(refusal)
    await side.quiet(0.05)
    assert side.mock.count("response_url") == side.mock.count("chat.postEphemeral") == 0


async def test_in_a_dm_text_answers_are_messages_that_stay(side, rt):
    await join(side)
    await side.dm(ALICE, "join")
    await side.settle(lambda: len(side.answers(ALICE)) == 2)  # the charter, then this
    assert side.answers(ALICE)[-1].params["text"] == says(rt, "volunteer.already_in", "en")
    await side.dm(ALICE, "stop")
    await side.settle(lambda: len(side.answers(ALICE)) == 3)
    stopped = side.answers(ALICE)[-1]
    assert stopped.valid, stopped.problems
    assert stopped.params["text"] == says(rt, "volunteer.stopped", "en", cancelled=0)
    assert (await member(rt, ALICE)).status == "stopped"
    assert side.mock.count("chat.postEphemeral") == 0
    assert side.mock.messages(ALICE)[-1]["text"] == stopped.params["text"]  # kept in the DM


async def test_nudge_pick_edit_share_on_slack(side, rt, jobs):
    await join(side)
    await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office" '
                             '--points "200 jobs; opening in May" --hashtags lyon')
    await jobs.tick()

    nudge = side.mock.calls_to("chat.postMessage")[-1]
    assert nudge.params["channel"] == ALICE and nudge.valid, nudge.problems
    assert nudge.params["metadata"]["event_payload"]["key"].startswith("delivery-")
    async with rt.sessions() as session:
        delivery = (await session.scalars(select(Delivery))).one()
    assert delivery.status == "sent"
    ts = delivery.message_ref["message_id"]

    # The ideas as radio buttons, one primary button for the one picked.
    elements = [e for b in nudge.params["blocks"] if b["type"] == "actions"
                for e in b["elements"]]
    [radio] = [e for e in elements if e["type"] == "radio_buttons"]
    assert [o["value"] for o in radio["options"]] == [f"{delivery.id}:{i}" for i in range(3)]
    [primary] = [e for e in elements if e.get("style") == "primary"]
    assert primary["action_id"] == "nudge.pick" and "value" not in primary
    # Picking an idea alone does nothing; the button sends the choice in its state.
    answered = len(side.answers(ALICE))
    await side.post(payloads.block_actions(ALICE, radio["action_id"], f"{delivery.id}:1",
                                           channel=side.mock.dm_channel(ALICE),
                                           message_ts=ts, picked=True), payloads.FORM)
    await side.quiet()
    assert side.mock.count("views.open") == 0 and len(side.answers(ALICE)) == answered
    await side.press(ALICE, "nudge.pick", "", channel=side.mock.dm_channel(ALICE),
                     message_ts=ts,
                     state=payloads.radio_value(radio["action_id"], f"{delivery.id}:1"))
    await side.settle(lambda: side.mock.count("views.open") == 1)
    view = side.mock.calls_to("views.open")[0].params["view"]
    [text_input] = [b for b in view["blocks"] if b.get("block_id") == "text"]
    suggestion = stored(delivery.suggestions)[1]
    assert text_input["element"]["initial_value"] == f"{suggestion.text}\n\n#lyon"

    mine = suggestion.text + "\n\nI visited last week: lovely team.\n\n#lyon"
    posted = side.mock.count("chat.postMessage")
    await side.submit(ALICE, view["callback_id"], {
        **payloads.text_value("text", mine), **payloads.select_value("network", "linkedin")},
        view["private_metadata"])
    await side.settle(lambda: side.mock.count("chat.update") == 2
                      and side.mock.count("chat.postMessage") == posted + 1)
    await side.shared()

    async with rt.sessions() as session:
        share = (await session.scalars(select(Share))).one()
    assert share.final_text == mine and 0 < share.edit_ratio < 0.5
    assert (share.angle, share.source) == (suggestion.angle, suggestion.source)
    nudge_update = side.mock.calls_to("chat.update")[-1]
    assert nudge_update.params["ts"] == ts
    assert says(rt, "nudge.outcome_shared", "en", network="LinkedIn") in texts_of(nudge_update)
    ready = side.mock.calls_to("chat.postMessage")[-1]
    assert f"/r/{share.link_token}" in texts_of(ready)
    assert side.mock.problems() == []


async def test_a_refused_text_stays_in_the_modal_beside_its_input(side, rt, jobs):
    await join(side)
    await side.ask(ADMIN_ID, "set blocked secret")
    await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office" --lang en')
    await jobs.tick()
    async with rt.sessions() as session:
        delivery = (await session.scalars(select(Delivery))).one()
    await side.press(ALICE, "nudge.pick", f"{delivery.id}:own",
                     channel=side.mock.dm_channel(ALICE),
                     message_ts=delivery.message_ref["message_id"])
    await side.settle(lambda: side.mock.count("views.open") == 1)
    view = side.mock.calls_to("views.open")[0].params["view"]
    posted = side.mock.count("chat.postMessage")
    response = await side.submit(ALICE, view["callback_id"], {
        **payloads.text_value("text", "Our secret new office"),
        **payloads.select_value("network", "linkedin")}, view["private_metadata"])
    # The ack itself keeps the modal open, the error under the text: nothing else happens.
    assert response.status == 200
    assert await response.json() == {"response_action": "errors", "errors": {
        "text": says(rt, "share.blocked_term", "en", term="secret")}}
    await side.quiet()
    assert side.mock.count("chat.postMessage") == posted
    async with rt.sessions() as session:
        assert (await session.scalars(select(Share))).all() == []


async def test_a_text_close_to_a_colleagues_is_shared_anyway_on_slack(side, rt, jobs):
    bob = "U0BOB"
    side.mock.add_user(bob, "bob", "Bob Jones", tz="Europe/London", locale="en-GB")  # awake
    await join(side, ALICE)
    await side.dm(bob, "join")
    await side.settle(lambda: len(side.answers(bob)) == 1)
    charter = side.mock.messages(bob)[-1]
    await side.press(bob, "charter.accept", rt.charter.version,
                     channel=side.mock.dm_channel(bob), message_ts=charter["ts"])
    await opted_in(side, bob)
    await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office" --lang en '
                             '--points "200 jobs; opening in May" --hashtags lyon')
    await jobs.tick()
    words = "Our Lyon office opens in May and I will be there from day one. Come and see us!"

    async def write_my_own(user: str, text: str) -> None:
        async with rt.sessions() as session:
            delivery = (await session.scalars(select(Delivery).join(Member).where(
                Member.external_id == user))).one()
        opened = side.mock.count("views.open")
        await side.press(user, "nudge.pick", f"{delivery.id}:own",
                         channel=side.mock.dm_channel(user),
                         message_ts=delivery.message_ref["message_id"])
        await side.settle(lambda: side.mock.count("views.open") == opened + 1)
        view = side.mock.calls_to("views.open")[-1].params["view"]
        answered = len(side.answers(user))
        await side.submit(user, view["callback_id"], {
            **payloads.text_value("text", text), **payloads.select_value("network", "linkedin")},
            view["private_metadata"])
        await side.settle(lambda: len(side.answers(user)) == answered + 1)

    await write_my_own(ALICE, words)
    await side.shared(1)
    await write_my_own(bob, words + " #lyon")
    close = side.answers(bob)[-1]
    assert says(rt, "share.close_title", "en") in texts_of(close)
    [anyway] = [e for block in close.params["blocks"] if block["type"] == "actions"
                for e in block["elements"] if e["action_id"] == "share.anyway"]
    ts = side.mock.messages(bob)[-1]["ts"]
    await side.press(bob, "share.anyway", anyway["value"], channel=side.mock.dm_channel(bob),
                     message_ts=ts)
    await side.shared(2)
    async with rt.sessions() as session:
        shared = (await session.scalars(select(Share).order_by(Share.id))).all()
    assert [s.originality for s in shared] == ["", "anyway"]
    await side.settle(lambda: says(rt, "share.ready_title", "en") in texts_of(
        side.mock.calls_to("chat.update")[-1]))
    ready = side.mock.calls_to("chat.update")[-1]
    assert ready.params["ts"] == ts and f"/r/{shared[1].link_token}" in texts_of(ready)
    assert "https://www.linkedin.com/feed/?shareActive=true" in texts_of(ready)
    assert side.mock.problems() == []
