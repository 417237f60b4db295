"""Whatever Slack (or anyone holding a signed request) sends twice is handled once, and other
people's events (edits, deletions, bots, joins) are acknowledged without a word or an error."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from storage.models import ConsentEvent, InboundEvent, Post
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID
from tests.adapters.slack.test_slack_flows import ALICE, NEWS, join
from tests.adapters.slack.test_slack_security import members, nothing_done

GENERAL = "C0GENERAL"


async def rows(rt, model) -> int:
    async with rt.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_a_slash_command_replayed_three_times_queues_one_post(side, rt):
    body = payloads.slash_command(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office"',
                                  channel_id=GENERAL, response_url=side.mock.response_url)
    statuses = [(await side.post(body, payloads.FORM)).status for _ in range(3)]
    assert statuses == [200, 200, 200]  # a replay is acknowledged, and nothing more
    await side.settle(lambda: side.mock.count("response_url") == 1)
    await side.quiet(0.1)
    assert side.mock.count("response_url") == 1
    assert await rows(rt, Post) == 1


async def test_two_commands_alike_but_for_their_trigger_are_both_handled(side, rt):
    for _ in range(2):
        await side.ask(ADMIN_ID, f"queue {NEWS}", channel=GENERAL)
    assert await rows(rt, Post) == 2


async def charter_press(side, **options) -> str:
    """Alice's press of Accept on the charter card she was shown (not yet sent)."""
    await side.dm(ALICE, "join")
    await side.settle(lambda: side.mock.count("chat.postMessage") == 1)
    posted = side.mock.messages(ALICE)[-1]
    return payloads.block_actions(ALICE, "charter.accept", side.rt.charter.version,
                                  channel=side.mock.dm_channel(ALICE), message_ts=posted["ts"],
                                  **options)


async def test_a_button_press_replayed_is_handled_once(side, rt):
    body = await charter_press(side)
    assert (await side.post(body, payloads.FORM)).status == 200
    assert (await side.post(body, payloads.FORM)).status == 200
    await side.settle(lambda: side.mock.count("chat.update") == 1)
    await side.quiet(0.1)
    assert side.mock.count("chat.update") == 1
    assert await rows(rt, ConsentEvent) == 1


async def test_a_press_sent_again_under_a_new_trigger_id_is_still_a_replay(side, rt):
    """Same person, same button, same action_ts: one click, whatever else differs."""
    first = await charter_press(side, trigger_id="111.222.aaa")
    again = payloads.unpack(first) | {"trigger_id": "333.444.bbb"}
    await side.post(first, payloads.FORM)
    await side.post(payloads.interactivity_body(again), payloads.FORM)
    await side.settle(lambda: side.mock.count("chat.update") == 1)
    await side.quiet(0.1)
    assert side.mock.count("chat.update") == 1
    assert await rows(rt, ConsentEvent) == 1


async def test_an_event_id_longer_than_the_column_is_remembered_whole(side, rt):
    body = json.dumps(payloads.event_callback(payloads.message_im(ALICE, "help"),
                                              event_id="Ev" + "9" * 300))
    await side.post(body, payloads.JSON)
    await side.settle(lambda: side.mock.count("chat.postMessage") == 1)
    await side.post(body, payloads.JSON)
    await side.quiet(0.1)
    assert side.mock.count("chat.postMessage") == 1
    assert await rows(rt, InboundEvent) == 1


def others(kind: str) -> dict:
    """Real `message` events in Alice's DM that are not Alice writing to the bot."""
    typed = payloads.message_im(ALICE, "stop")
    inner = {k: typed[k] for k in ("type", "text", "user", "ts")}
    if kind == "edited":
        return {"type": "message", "subtype": "message_changed", "hidden": True,
                "channel": typed["channel"], "channel_type": "im", "ts": typed["ts"],
                "event_ts": typed["ts"], "message": {**inner, "text": "stop, please",
                                                     "edited": {"user": ALICE}},
                "previous_message": inner}
    if kind == "deleted":
        return {"type": "message", "subtype": "message_deleted", "hidden": True,
                "channel": typed["channel"], "channel_type": "im", "ts": typed["ts"],
                "event_ts": typed["ts"], "deleted_ts": typed["ts"], "previous_message": inner}
    if kind == "other-bot":
        return {**typed, "subtype": "bot_message", "bot_id": "B0OTHER", "username": "helper"}
    if kind == "ours":
        return {**typed, "user": payloads.BOT_USER_ID, "bot_id": payloads.BOT_ID}
    return {**typed, "subtype": "channel_join", "text": "<@U0ALICE> has joined"}


@pytest.mark.parametrize("kind", ["edited", "deleted", "other-bot", "ours", "channel_join"])
async def test_other_peoples_message_events_are_acknowledged_and_quiet(side, caplog, kind):
    await join(side)
    answered = side.mock.count("chat.postMessage")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = await side.event(others(kind))
        assert response.status == 200
        await side.quiet(0.1)
    assert side.mock.count("chat.postMessage") == answered
    assert [r.getMessage() for r in caplog.records] == []
    assert await members(side.rt) == 1


async def test_an_edit_of_a_dm_before_anyone_joined_creates_no_one(side, caplog):
    with caplog.at_level(logging.WARNING):
        assert (await side.event(others("edited"))).status == 200
        await nothing_done(side, authorized=True)
    assert [r.getMessage() for r in caplog.records] == []
