"""Nothing goes live by accident: past times and titles made from a URL wait for the admin's OK."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from adapters.console.render import card_to_text
from bot.cards import Card
from storage.models import AuditLog, Delivery, Post
from tests.adapters.slack.conftest import ADMIN_ID as SLACK_ADMIN
from tests.adapters.slack.conftest import side, slack  # noqa: F401  (the Slack fixtures)
from tests.conftest import ADMIN, START, enlist
from tests.helpers import (
    NEWS_URL,
    assert_polite,
    assert_reads,
    count,
    last_text,
    one,
    queue,
    rows,
    says,
    speak,
)

YESTERDAY = "2026-11-29T10:00"  # START is Monday 30 November 2026, 10:00 in Paris


async def audit_actions(rt) -> list[str]:
    return [entry.action for entry in await rows(rt, AuditLog)]


def buttons(console, user: str) -> list[str]:
    return [button.label for _, button in console.buttons(user)]


# A publication time already past


async def test_a_past_time_asks_to_send_now_and_nothing_goes_out_before(console, jobs, rt,
                                                                        messenger):
    await enlist(console, "alice")
    await queue(console, f'{NEWS_URL} --title "New office in Lyon" --at {YESTERDAY}')
    post = await one(rt, Post)
    assert post.status == "draft"
    card = console.last(ADMIN)
    assert isinstance(card, Card) and card.summary == says(rt, "admin.draft_title", id=post.id)
    assert says(rt, "admin.draft_past", at="Sunday 29 November at 10:00") in card_to_text(card)
    assert buttons(console, ADMIN) == ["Send now", "Edit", "Discard"]
    await jobs.tick()
    assert await count(rt, Delivery) == 0 and messenger.sent_keys == []

    await console.click(ADMIN, "Send now")
    post = await one(rt, Post)
    assert (post.status, post.publish_at) == ("active", START)
    # The draft card became the confirmation: no button is left to press twice.
    assert console.dm(ADMIN)[-1].body.summary == says(rt, "admin.queued", id=post.id,
                                                      title="New office in Lyon")
    await jobs.tick()
    assert len(messenger.sent_keys) == 1
    assert await audit_actions(rt) == ["queue.draft", "queue"]


async def test_a_past_time_can_be_discarded(console, jobs, rt):
    await enlist(console, "alice")
    await queue(console, f'{NEWS_URL} --title "Lyon" --at {YESTERDAY}')
    await console.click(ADMIN, "Discard")
    post = await one(rt, Post)
    assert post.status == "cancelled"
    assert last_text(console, ADMIN) == says(rt, "admin.draft_discarded", id=post.id,
                                             title="Lyon")
    await jobs.tick()
    assert await count(rt, Delivery) == 0
    assert await audit_actions(rt) == ["queue.draft", "cancel"]


async def test_a_time_in_the_current_minute_is_not_past(console, rt, clock):
    clock.advance(timedelta(seconds=30))
    await queue(console, f'{NEWS_URL} --title "Lyon" --at 2026-11-30T10:00')
    assert (await one(rt, Post)).status == "active"


async def test_a_past_time_is_read_in_the_admins_zone_and_shown_in_french(console, rt):
    speak(console, ADMIN, "fr", "America/Montreal")  # 04:00 there when it is 10:00 in Paris
    await queue(console, f'{NEWS_URL} --title "Lyon" --at 2026-11-30T05:00')
    assert (await one(rt, Post)).status == "scheduled"
    await queue(console, f'{NEWS_URL} --title "Lyon" --at 2026-11-30T03:00')
    text = last_text(console, ADMIN)
    assert says(rt, "admin.draft_past", "fr", at="lundi 30 novembre à 03:00") in text
    assert buttons(console, ADMIN) == ["Envoyer maintenant", "Modifier", "Abandonner"]


async def test_a_draft_that_would_expire_before_going_out_is_refused(console, rt, clock):
    await queue(console, f'{NEWS_URL} --title "Lyon" --at {YESTERDAY} --expires 2026-11-30T12:00')
    clock.set(datetime(2026, 11, 30, 11, 30, tzinfo=UTC))
    await console.click(ADMIN, "Send now")
    post = await one(rt, Post)
    assert_reads(console, rt, ADMIN, "admin.draft_expired", id=post.id)
    assert post.status == "draft"


# A title made from the URL


async def test_a_title_from_the_url_is_shown_for_confirmation(console, jobs, rt, messenger):
    await enlist(console, "alice")
    await queue(console, "https://example.com/blog/2026/our_new-Rooftop+garden.html")
    post = await one(rt, Post)
    assert (post.status, post.title) == ("draft", "Our new Rooftop garden")
    text = last_text(console, ADMIN)
    assert says(rt, "admin.draft_from_url", title="Our new Rooftop garden") in text
    assert says(rt, "admin.at_confirmation") in text
    assert buttons(console, ADMIN) == ["Queue it", "Edit", "Discard"]
    await jobs.tick()
    assert messenger.sent_keys == []

    await console.click(ADMIN, "Queue it")
    assert (await one(rt, Post)).status == "active"
    await jobs.tick()
    assert len(messenger.sent_keys) == 1
    entries = await rows(rt, AuditLog)
    assert [(e.action, e.detail.get("title_from_url")) for e in entries] == [
        ("queue.draft", True), ("queue", None)]


async def test_edit_opens_the_queue_form_prefilled_and_its_submission_queues_the_draft(
        console, rt, clock):
    speak(console, ADMIN, "en")
    await console.join_channel("bob", "sales")
    await queue(console, f'{NEWS_URL} --summary "Our third office." --points "200 jobs; May" '
                         '--topics offices --teams sales --hashtags Lyon --lang en --kind news')
    draft = await one(rt, Post)
    clock.advance(timedelta(minutes=5))
    await console.click(ADMIN, "Edit")
    form = console.forms[ADMIN]
    shown = {field.name: field.value for field in form.inputs}
    assert (form.form_id, form.private) == ("admin.queue", str(draft.id))
    assert shown == {"url": NEWS_URL, "title": "New office in lyon", "summary": "Our third office.",
                     "points": "200 jobs\nMay", "hashtags": "Lyon", "topics": "offices",
                     "teams": "sales", "at_date": "", "at_time": "", "expires": "",
                     "lang": "en", "kind": "news"}
    await console.submit(ADMIN, title="New office in Lyon")
    post = await one(rt, Post)  # the draft itself, not a second post
    assert (post.id, post.title, post.status, post.publish_at) == (
        draft.id, "New office in Lyon", "active", START + timedelta(minutes=5))
    assert says(rt, "admin.queued", id=post.id, title="New office in Lyon") in last_text(
        console, ADMIN)


async def test_a_queue_form_without_a_title_gives_a_draft_too(console, rt):
    await console.say(ADMIN, "/voix queue")
    await console.submit(ADMIN, url=NEWS_URL)
    assert (await one(rt, Post)).status == "draft"
    assert buttons(console, ADMIN)[0] == "Queue it"


async def test_drafts_are_listed_and_can_be_cancelled(console, rt):
    await queue(console, NEWS_URL)
    post = await one(rt, Post)
    await console.say(ADMIN, "/voix list")
    status = says(rt, "admin.status_name", status="draft")
    assert f"#{post.id} New office in lyon news · English · {status}" in last_text(console,
                                                                                  ADMIN)
    await console.say(ADMIN, f"/voix cancel {post.id}")
    assert (await one(rt, Post)).status == "cancelled"


# Pressing twice, or without the right


@pytest.mark.parametrize("first", ["Queue it", "Discard"])
async def test_a_draft_button_pressed_again_changes_nothing(console, rt, first):
    await queue(console, NEWS_URL)
    post = await one(rt, Post)
    draft_buttons = {b.label: b for _, b in console.buttons(ADMIN)}
    await console.click(ADMIN, first)
    status = (await one(rt, Post)).status
    for label in ("Queue it", "Edit", "Discard"):
        button = draft_buttons[label]
        await console.press(ADMIN, button.action_id, button.value)
        assert_reads(console, rt, ADMIN, "admin.not_a_draft", id=post.id,
                     status=says(rt, "admin.status_name", status=status))
    assert (await one(rt, Post)).status == status


async def test_draft_buttons_are_for_admins_of_the_workspace_only(console, rt):
    await queue(console, NEWS_URL)
    post = await one(rt, Post)
    for action in ("admin.draft.confirm", "admin.draft.edit", "admin.draft.discard"):
        await console.press("dave", action, str(post.id))
        assert_reads(console, rt, "dave", "errors.not_admin")
    for value in ("999", "abc", ""):
        await console.press(ADMIN, "admin.draft.confirm", value)
        assert_polite(last_text(console, ADMIN))
    assert (await one(rt, Post)).status == "draft"
    assert "dave" not in console.forms


async def test_a_forged_queue_form_for_a_post_that_is_not_a_draft_is_refused(console, rt):
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    post = await one(rt, Post)
    await console.say(ADMIN, "/voix queue")
    form = console.forms[ADMIN]
    console.forms[ADMIN] = type(form)(form.form_id, form.title, form.submit_label, form.inputs,
                                      private=str(post.id))
    await console.submit(ADMIN, url=NEWS_URL, title="Hijacked")
    assert_reads(console, rt, ADMIN, "admin.not_a_draft", id=post.id,
                 status=says(rt, "admin.status_name", status="active"))
    assert [p.title for p in await rows(rt, Post)] == ["Lyon"]


# Disclosure


async def test_the_confirmation_asks_for_a_disclosure_hashtag_until_there_is_one(console, rt):
    await queue(console, f'{NEWS_URL} --title "Lyon"')
    assert says(rt, "admin.ask_hashtag") in last_text(console, ADMIN)
    assert "/voix set hashtag" in says(rt, "admin.ask_hashtag")
    await console.say(ADMIN, "/voix set hashtag #IWorkAtAcme")
    await queue(console, f'{NEWS_URL} --title "Lyon again"')
    assert says(rt, "admin.ask_hashtag") not in last_text(console, ADMIN)


async def test_the_hashtag_request_reads_in_french(console, rt):
    speak(console, ADMIN, "fr")
    await queue(console, f'{NEWS_URL} --title "Nouveau bureau à Lyon"')
    text = last_text(console, ADMIN)
    assert says(rt, "admin.ask_hashtag", "fr") in text
    assert "Aucun hashtag de transparence" in text


# The same on Slack, through signed requests and the mock Web API


async def test_on_slack_a_past_time_is_a_card_whose_send_now_publishes(side, rt):  # noqa: F811
    # Camille's Slack profile is in French, in Paris.
    asked = await side.ask(SLACK_ADMIN, f'queue {NEWS_URL} --title "Lyon" --at {YESTERDAY}')
    assert asked.valid, asked.problems
    blocks = json.dumps(asked.params["blocks"], ensure_ascii=False)
    assert says(rt, "admin.draft_past", "fr", at="dimanche 29 novembre à 10:00") in blocks
    assert '"action_id": "admin.draft.confirm"' in blocks
    post = await one(rt, Post)
    assert post.status == "draft"

    posted = side.mock.messages(side.mock.dm_channel(SLACK_ADMIN))[-1]
    await side.press(SLACK_ADMIN, "admin.draft.edit", str(post.id),
                     channel=side.mock.dm_channel(SLACK_ADMIN), message_ts=posted["ts"])
    await side.settle(lambda: side.mock.count("views.open") == 1)
    form = side.mock.calls_to("views.open")[-1]
    assert form.valid, form.problems
    assert form.params["view"]["callback_id"] == "admin.queue"

    await side.press(SLACK_ADMIN, "admin.draft.confirm", str(post.id),
                     channel=side.mock.dm_channel(SLACK_ADMIN), message_ts=posted["ts"])
    await side.settle(lambda: side.mock.count("chat.update") == 1)
    updated = side.mock.calls_to("chat.update")[-1]
    assert updated.valid, updated.problems
    assert says(rt, "admin.queued", "fr", id=post.id, title="Lyon") in json.dumps(
        updated.params, ensure_ascii=False)

    async def live() -> bool:
        return (await one(rt, Post)).status == "active"
    await side.settle_db(live)
    assert side.mock.problems() == []
