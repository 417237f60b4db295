"""Editing a post already out: `/voix edit` (command and form) changes it, the cards delivered
and not used yet follow in place, the nudges still to come carry the new words; `/voix cancel`
and expiry turn delivered cards into "withdrawn". On the console, Slack and Teams."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from adapters.console.render import card_to_text
from bot.cards import Card
from scheduler.maintenance import maintain
from storage.models import AuditLog, Delivery, Post
from tests.adapters.slack import conftest as on_slack
from tests.adapters.slack import payloads
from tests.adapters.slack.conftest import ADMIN_ID
from tests.adapters.slack.test_slack_flows import NEWS, join, texts_of
from tests.adapters.teams import conftest as on_teams
from tests.adapters.teams.conftest import ADMIN as TEAMS_ADMIN
from tests.adapters.teams.test_teams_flows import join as join_teams
from tests.adapters.teams.test_teams_security import shown_text
from tests.conftest import ADMIN, enlist
from tests.helpers import (
    assert_reads,
    last_text,
    latest_post,
    nudged,
    one,
    quotes,
    rows,
    says,
    snapshot,
    speak,
)

slack, side = on_slack.slack, on_slack.side
teams, connector = on_teams.teams, on_teams.connector
NEW_TITLE = "Our Lyon office opens in June"


def shown(console, user: str) -> Card:
    """The nudge in `user`'s DM: the first message sent on the bot's own."""
    card = next(message for message in console.dm(user) if message.proactive).body
    assert isinstance(card, Card)
    return card


async def edits(rt) -> list[dict]:
    return [row.detail for row in await rows(rt, AuditLog) if row.action == "edit"]


async def test_an_open_card_takes_the_new_title_in_place_and_later_nudges_carry_it(
        console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    before = quotes(shown(console, "alice"))
    await enlist(console, "bob")  # planned for later: the next tick would reach him

    await console.say(ADMIN, f'/voix edit {post.id} --title "{NEW_TITLE}" --points "300 jobs"')
    assert_reads(console, rt, ADMIN, "edit.edited", id=post.id, title=NEW_TITLE,
                 fields="title and key points", cards=1)
    assert await jobs.cards() == {"updated": 1, "done": 1}

    card = shown(console, "alice")  # the same message, updated
    assert NEW_TITLE in card_to_text(card) and card.buttons()
    assert any("200 jobs" in text for text in before)
    assert all("200 jobs" not in text for text in quotes(card))  # made anew from the new words
    assert any("300 jobs" in text for text in quotes(card))
    await jobs.tick()
    assert NEW_TITLE in card_to_text(shown(console, "bob"))
    assert await edits(rt) == [{"post_id": post.id, "fields": ["title", "key_points"],
                                "cards": 1}]
    assert await jobs.cards() == {}  # nothing left: no card is updated twice


async def test_cards_already_used_are_left_as_they_are(console, rt, jobs):
    post, delivery = await nudged(console, jobs, rt, "alice")
    await console.press("alice", "nudge.skip", str(delivery.id))
    done = card_to_text(shown(console, "alice"))
    await console.say(ADMIN, f'/voix edit {post.id} --summary "Now with a garden."')
    assert await jobs.cards() == {"done": 1}
    assert card_to_text(shown(console, "alice")) == done


async def test_a_pick_on_a_card_not_updated_yet_gets_the_new_words(console, rt, jobs):
    post, delivery = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, f'/voix edit {post.id} --title "{NEW_TITLE}" --points "300 jobs"')
    await console.press("alice", "nudge.pick", f"{delivery.id}:0")  # before the cards job
    form = console.forms["alice"]
    text = form.inputs[0].value
    assert text and "300" in text and "200 jobs" not in text


async def test_the_form_changes_only_what_was_changed_in_it(console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, f"/voix edit {post.id}")
    form = console.forms[ADMIN]
    assert form.form_id == "admin.edit"
    assert {i.name: i.value for i in form.inputs}["title"] == "New office in Lyon"
    await console.submit(ADMIN, topics="offices, lyon")
    assert_reads(console, rt, ADMIN, "edit.edited", id=post.id, title="New office in Lyon",
                 fields="topics", cards=0)  # topics are not on the card: nothing to update
    assert (await latest_post(rt)).topics == ["offices", "lyon"]
    assert await jobs.cards() == {}


async def test_a_refused_field_comes_back_beside_its_input(console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, f"/voix edit {post.id}")
    await console.submit(ADMIN, title="x" * 300)
    assert says(rt, "admin.title_too_long", limit=200, length=300) in last_text(console, ADMIN)
    assert console.forms[ADMIN].form_id == "admin.edit"  # the form again, to correct
    assert (await latest_post(rt)).title == "New office in Lyon"


async def test_the_end_date_is_moved_or_removed(console, rt, jobs, clock):
    post, _ = await nudged(console, jobs, rt, "alice", args=f'{NEWS} --title "Lyon" --expires 7d')
    await console.say(ADMIN, f"/voix edit {post.id} --expires 3d")
    assert (await latest_post(rt)).expires_at == clock.now() + timedelta(days=3)
    await console.say(ADMIN, f'/voix edit {post.id} --expires ""')
    assert (await latest_post(rt)).expires_at is None
    assert [e["fields"] for e in await edits(rt)] == [["expires_at"], ["expires_at"]]


@pytest.mark.parametrize("options, reading", [
    ('--title ""', "A post needs a title"),
    ('--title "x', "Usage: /voix edit"),
    ("--colour red", "Usage: /voix edit"),
    ("--hashtags 'no way!'", "is not a valid hashtag"),
    ("--expires yesterday", "I can't read the date"),
    ('--title "New office in Lyon"', "already says exactly that"),
])
async def test_bad_edits_change_nothing(console, rt, jobs, options, reading):
    post, _ = await nudged(console, jobs, rt, "alice")
    before = await snapshot(rt)
    await console.say(ADMIN, f"/voix edit {post.id} {options}")
    assert reading in last_text(console, ADMIN)
    assert await snapshot(rt) == before
    assert await jobs.cards() == {}


async def test_an_unknown_or_closed_post_is_refused(console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, "/voix edit 999 --title Hi")
    assert_reads(console, rt, ADMIN, "admin.unknown_post", id="999")
    await console.say(ADMIN, f"/voix cancel {post.id}")
    await console.say(ADMIN, f"/voix edit {post.id} --title Hi")
    assert_reads(console, rt, ADMIN, "admin.already_closed", id=post.id,
                 status=says(rt, "admin.status_name", status="cancelled"))
    await console.say("alice", f"/voix edit {post.id} --title Hi")  # not an admin
    assert (await latest_post(rt)).title == "New office in Lyon"


async def test_cancel_turns_delivered_cards_into_withdrawn(console, rt, jobs):
    post, delivery = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, f"/voix cancel {post.id}")
    assert says(rt, "edit.withdrawn_cards", cards=1) in last_text(console, ADMIN)
    assert await jobs.cards() == {"updated": 1, "done": 1}
    card = shown(console, "alice")
    assert not card.buttons() and says(rt, "nudge.stale") in card_to_text(card)
    await console.press("alice", "nudge.pick", f"{delivery.id}:0")  # an old button
    assert_reads(console, rt, "alice", "nudge.stale")


async def test_an_expired_post_s_cards_turn_withdrawn(console, rt, jobs, clock):
    await nudged(console, jobs, rt, "alice", args=f'{NEWS} --title "Lyon" --expires 1d')
    clock.advance(timedelta(days=2))
    async with rt.sessions() as session:
        assert (await maintain(session, clock.now()))["expired"] == 1
    assert await jobs.cards() == {"updated": 1, "done": 1}
    assert says(rt, "nudge.stale") in card_to_text(shown(console, "alice"))


async def test_during_a_crisis_an_edited_card_stays_on_hold(console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, '/voix crisis "A fire at the warehouse; nobody was hurt."')
    await jobs.cards()
    await console.say(ADMIN, f'/voix edit {post.id} --title "{NEW_TITLE}"')
    await jobs.cards()
    card = shown(console, "alice")
    assert not card.buttons() and NEW_TITLE in card_to_text(card)
    assert says(rt, "crisis.held") in card_to_text(card)


async def test_an_edit_made_during_a_pass_restarts_it(console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, f'/voix edit {post.id} --title "First change"')
    await console.say(ADMIN, f'/voix edit {post.id} --title "{NEW_TITLE}"')
    assert await jobs.cards() == {"updated": 1, "done": 1}
    assert NEW_TITLE in card_to_text(shown(console, "alice"))


async def test_versions_left_behind_are_named(console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, f'/voix translate {post.id} fr --title "Nouveau bureau à Lyon"')
    await console.say(ADMIN, f'/voix edit {post.id} --title "{NEW_TITLE}"')
    assert says(rt, "edit.versions_behind", id=post.id, languages="French",
                codes=["fr"]) in last_text(console, ADMIN)


async def test_in_french(console, rt, jobs):
    post, _ = await nudged(console, jobs, rt, "alice")
    speak(console, ADMIN, "fr")
    await console.say(ADMIN, f'/voix modifier {post.id} --title "Bureau de Lyon" --topics lyon')
    assert_reads(console, rt, ADMIN, "edit.edited", "fr", id=post.id, title="Bureau de Lyon",
                 fields="titre et thèmes", cards=1)


# Slack: chat.update in place; the list's Edit button opens a modal


async def test_on_slack_an_edit_updates_the_card_with_chat_update(side, rt, jobs):
    await join(side)
    await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office" --points "200 jobs"')
    await side.quiet(0.05)
    await jobs.tick()
    post = await latest_post(rt)
    ts = (await one(rt, Delivery, Delivery.post_id == post.id)).message_ref["message_id"]
    await side.ask(ADMIN_ID, f'edit {post.id} --title "{NEW_TITLE}"')
    assert await jobs.cards() == {"updated": 1, "done": 1}
    update = side.mock.calls_to("chat.update")[-1]
    assert update.valid and update.params["ts"] == ts
    assert NEW_TITLE in texts_of(update) and "nudge.pick" in texts_of(update)

    await side.ask(ADMIN_ID, f"cancel {post.id}")
    assert await jobs.cards() == {"updated": 1, "done": 1}
    update = side.mock.calls_to("chat.update")[-1]
    assert update.params["ts"] == ts and "nudge.pick" not in texts_of(update)
    assert says(rt, "nudge.stale", "en") in texts_of(update)
    assert side.mock.problems() == []


async def test_on_slack_the_list_s_edit_button_opens_a_prefilled_modal(side, rt, jobs):
    await join(side)
    await side.ask(ADMIN_ID, f'queue {NEWS} --title "Our Lyon office" --points "200 jobs"')
    await side.quiet(0.05)
    post = await latest_post(rt)
    await side.ask(ADMIN_ID, "list")
    await side.quiet(0.05)
    opened = side.mock.count("views.open")
    await side.press(ADMIN_ID, "admin.post.edit", str(post.id),
                     channel=side.mock.dm_channel(ADMIN_ID))
    await side.settle(lambda: side.mock.count("views.open") == opened + 1)
    view = side.mock.calls_to("views.open")[-1].params["view"]
    [title] = [b for b in view["blocks"] if b.get("block_id") == "title"]
    assert title["element"]["initial_value"] == "Our Lyon office"
    await side.submit(ADMIN_ID, view["callback_id"], {
        **payloads.text_value("title", NEW_TITLE),
        **payloads.text_value("points", "200 jobs")}, view["private_metadata"])
    await side.settle(lambda: any(NEW_TITLE in str(m) for m in side.mock.messages(ADMIN_ID)))
    assert (await latest_post(rt)).title == NEW_TITLE
    assert side.mock.problems() == []


# Teams: the card updated by PUT; its refresh shows the post as it is now


async def test_on_teams_an_edit_updates_the_card_in_place(teams, rt, jobs):
    await join_teams(teams, "alice")
    await teams.dm(TEAMS_ADMIN, f'/voix queue {NEWS} --title "Our Lyon office" '
                                '--points "200 jobs"')
    await jobs.tick()
    post = await latest_post(rt)
    activity = (await one(rt, Delivery, Delivery.post_id == post.id)).message_ref["message_id"]
    await teams.dm(TEAMS_ADMIN, f'/voix edit {post.id} --title "{NEW_TITLE}"')
    assert await jobs.cards() == {"updated": 1, "done": 1}
    [(_, updated_id, card)] = teams.connector.updated()[-1:]
    assert updated_id == activity and NEW_TITLE in shown_text(card)
    assert '"nudge.pick"' in json.dumps(card)  # still open: its buttons are there
    assert teams.connector.problems() == []
    assert (await one(rt, Post)).cards_pass == ""
