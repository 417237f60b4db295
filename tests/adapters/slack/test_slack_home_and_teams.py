"""The App Home tab, team channels and the preferences form, as Slack delivers them."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from bot.preferences import preferences
from storage.models import Member, Team, Workspace
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID
from tests.adapters.slack.mock_slack import AUTH_TEST
from tests.adapters.slack.test_slack_flows import ALICE, join, member
from tests.helpers import says

BOB = "U0BOB"
HELPER_BOT = "U0HELPER"
SALES = "C0SALES"


def shown(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def buttons(view: dict) -> dict[str, str]:
    """The buttons of a view or message: action_id -> label."""
    return {element["action_id"]: element["text"]["text"]
            for block in view["blocks"] if block["type"] == "actions"
            for element in block["elements"]}


async def open_home(side, user: str = ALICE) -> dict:
    before = side.mock.count("views.publish")
    await side.event(payloads.app_home_opened(user))
    await side.settle(lambda: side.mock.count("views.publish") == before + 1)
    published = side.mock.calls_to("views.publish")[-1]
    assert published.valid, published.problems
    assert published.params["user_id"] == user
    return published.params["view"]


async def test_a_newcomer_sees_the_home_tab_with_a_join_button(side, rt):
    view = await open_home(side)
    assert view["type"] == "home"
    assert buttons(view) == {"help.join": says(rt, "help.button_join", "en")}
    assert says(rt, "home.not_in", "en", changed=False) in shown(view)


async def test_a_volunteer_sees_their_status_and_a_stop_button(side, rt):
    await join(side)
    view = await open_home(side)
    alice = await member(rt, ALICE)
    async with rt.sessions() as session:
        workspace = await session.get(Workspace, alice.workspace_id)
    prefs = preferences(alice.prefs, workspace.weekly_cap)
    active = says(rt, "home.active", "en", cap=prefs.weekly_cap, start=prefs.quiet_start,
                  end=prefs.quiet_end, paused_until="")
    assert active in shown(view)
    assert buttons(view)["volunteer.stop"] == says(rt, "home.button_stop", "en")
    assert "help.join" not in buttons(view)


async def test_stop_pressed_on_the_home_tab_stops_confirms_and_refreshes(side, rt):
    await join(side)
    view = await open_home(side)
    view_id = list(side.mock.views)[-1]  # the home view just published
    payload = payloads.unpack(payloads.block_actions(ALICE, "volunteer.stop", "",
                                                     message_blocks=view["blocks"]))
    del payload["message"], payload["channel"]
    payload["container"] = {"type": "view", "view_id": view_id}
    payload["view"] = {**side.mock.views[view_id], "id": view_id}
    messages = side.mock.count("chat.postMessage")
    response = await side.post(payloads.interactivity_body(payload), payloads.FORM)
    assert response.status == 200

    await side.settle(lambda: side.mock.count("views.publish") == 2)
    assert (await member(rt, ALICE)).status == "stopped"
    [confirmation] = side.mock.calls_to("chat.postMessage")[messages:]
    assert confirmation.params["channel"] in (ALICE, side.mock.dm_channel(ALICE))
    assert confirmation.params["text"] == says(rt, "volunteer.stopped", "en", cancelled=0)
    refreshed = side.mock.calls_to("views.publish")[-1]
    assert refreshed.valid and refreshed.params["user_id"] == ALICE
    assert "help.join" in buttons(refreshed.params["view"])
    assert "volunteer.stop" not in buttons(refreshed.params["view"])


async def teams(rt) -> list[Team]:
    async with rt.sessions() as session:
        return list((await session.scalars(select(Team).order_by(Team.id))).all())


async def team_is(rt, channel: str, people: set[str]) -> bool:
    """Whether exactly `people` are recorded in the team of `channel`."""
    async with rt.sessions() as session:
        found = (await session.scalars(select(Member.external_id).join(
            Team, Team.id == Member.team_id).where(Team.external_id == channel))).all()
    return set(found) == people


async def test_a_person_joining_a_channel_joins_its_team(side, rt):
    side.mock.add_channel(SALES, "sales", [ALICE])
    response = await side.event(payloads.member_joined_channel(ALICE, SALES, inviter=ADMIN_ID))
    assert response.status == 200
    await side.settle_db(lambda: team_is(rt, SALES, {ALICE}))
    await side.quiet(0.1)
    [team] = await teams(rt)
    assert team.name == "#sales" and team.external_id == SALES
    assert (await member(rt, ALICE)).team_id == team.id
    assert side.mock.count("chat.postMessage") == 0  # joining a channel is not a conversation


async def test_the_bot_invited_to_a_channel_takes_in_every_person_there(side, rt):
    side.mock.add_user(HELPER_BOT, "standup-bot", "Standup", is_bot=True)
    bot_user = AUTH_TEST["user_id"]
    side.mock.add_channel(SALES, "sales", [ALICE, BOB, HELPER_BOT, bot_user])
    await side.event(payloads.member_joined_channel(bot_user, SALES, inviter=ADMIN_ID))
    await side.settle_db(lambda: team_is(rt, SALES, {ALICE, BOB}))
    await side.quiet(0.1)

    [team] = await teams(rt)
    assert team.name == "#sales"
    async with rt.sessions() as session:
        in_team = (await session.scalars(
            select(Member.external_id).where(Member.team_id == team.id)
            .order_by(Member.external_id))).all()
        everyone = set((await session.scalars(select(Member.external_id))).all())
    assert list(in_team) == sorted([ALICE, BOB])
    assert HELPER_BOT not in everyone and bot_user not in everyone


async def test_a_channel_larger_than_one_page_is_taken_in_whole(side, rt):
    people = [f"U{n:04d}" for n in range(205)]  # conversations.members pages by 200
    bot_user = AUTH_TEST["user_id"]
    side.mock.add_channel(SALES, "sales", [*people, bot_user])
    await side.event(payloads.member_joined_channel(bot_user, SALES))
    # Each of the 205 is written in its own transaction after both pages were read: wait for
    # the last one, not for the Web API to fall quiet (a loaded machine pauses longer).
    await side.settle_db(lambda: team_is(rt, SALES, set(people)), timeout=120)
    assert side.mock.count("conversations.members") == 2


def prefs_values(**changes: object) -> dict:
    chosen: dict = {"weekly_cap": "3", "quiet_start": "20:00", "quiet_end": "08:30",
                    "weekends": False, "in_digest": True, "topics": "Offices, #Hiring",
                    "networks": ["linkedin"], "language": "en", "languages": ["en", "fr"],
                    "role": "Data Engineer", "about": "I build the data platform.", **changes}
    values: dict = {}
    for name in ("weekly_cap", "language"):
        values |= payloads.select_value(name, chosen[name])
    for name in ("weekends", "in_digest"):
        values |= payloads.checkbox_value(name, chosen[name])
    for name in ("quiet_start", "quiet_end"):
        values |= payloads.time_value(name, chosen[name])
    for name in ("topics", "role", "about"):
        values |= payloads.text_value(name, chosen[name])
    for name in ("networks", "languages"):
        values |= payloads.multi_select_value(name, chosen[name])
    return values


async def open_prefs_form(side, user: str = ALICE, locale: str = "en") -> dict:
    """DM "prefs", press the card's "Open the form" button: the modal Slack opens."""
    before = side.mock.count("chat.postMessage")
    await side.dm(user, "prefs")
    await side.settle(lambda: side.mock.count("chat.postMessage") == before + 1)
    card = side.mock.calls_to("chat.postMessage")[-1]
    assert card.valid, card.problems
    [(action_id, label)] = buttons(card.params).items()
    assert label == says(side.rt, "common.form_button", locale)
    [key] = [e["value"] for b in card.params["blocks"] if b["type"] == "actions"
             for e in b["elements"]]
    posted = side.mock.messages(user)[-1]
    opened = side.mock.count("views.open")
    await side.press(user, action_id, key, channel=side.mock.dm_channel(user),
                     message_ts=posted["ts"])
    await side.settle(lambda: side.mock.count("views.open") == opened + 1)
    call = side.mock.calls_to("views.open")[-1]
    assert call.valid, call.problems
    return call.params["view"]


async def test_prefs_by_dm_offers_the_form_opens_it_and_saves_it(side, rt):
    await join(side)
    view = await open_prefs_form(side)
    assert view["type"] == "modal" and view["callback_id"] == "prefs"
    names = {block["block_id"] for block in view["blocks"] if block["type"] == "input"}
    assert names == {"weekly_cap", "quiet_start", "quiet_end", "weekends", "topics",
                     "networks", "language", "languages", "role", "about", "in_digest",
                     "impact_notes"}

    messages = side.mock.count("chat.postMessage")
    await side.submit(ALICE, view["callback_id"], prefs_values(), view["private_metadata"])
    await side.settle(lambda: side.mock.count("chat.postMessage") == messages + 1)
    saved = (await member(rt, ALICE)).prefs
    assert {k: saved[k] for k in ("weekly_cap", "quiet_start", "quiet_end", "weekends",
                                  "topics", "networks", "language", "in_digest", "languages",
                                  "role", "about")} == {
        "weekly_cap": 3, "quiet_start": "20:00", "quiet_end": "08:30", "weekends": False,
        "topics": ["offices", "hiring"], "networks": ["linkedin"], "language": "en",
        "in_digest": True, "languages": ["en", "fr"], "role": "Data Engineer",
        "about": "I build the data platform."}
    answer = side.mock.calls_to("chat.postMessage")[-1]
    assert answer.params["text"] == says(rt, "prefs.saved", "en", cap=3, start="20:00",
                                         end="08:30", languages=["en", "fr"])


async def test_the_form_button_works_once(side, rt):
    await join(side)
    await open_prefs_form(side)
    card = side.mock.calls_to("chat.postMessage")[-1]
    [key] = [e["value"] for b in card.params["blocks"] if b["type"] == "actions"
             for e in b["elements"]]
    answered = len(side.answers(ALICE))
    await side.press(ALICE, "slack.form", key, channel=side.mock.dm_channel(ALICE),
                     message_ts=f"{int(time.time())}.000001")
    await side.settle(lambda: len(side.answers(ALICE)) == answered + 1)
    assert side.answers(ALICE)[-1].params["text"] == says(rt, "common.form_expired", "en")
    assert side.mock.count("views.open") == 1
