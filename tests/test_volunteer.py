"""Volunteers by DM, in English and French: the charter, stop, pause, prefs, me, help, sharing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.console.render import card_to_text
from bot.cards import Card, Point
from bot.clicks import follow
from bot.voice.stored import stored
from storage.models import Delivery, Share
from tests.conftest import ADMIN, START, enlist
from tests.helpers import (
    assert_polite,
    assert_reads,
    consents,
    count,
    crafted_form,
    delivery_of,
    last_text,
    latest_post,
    member,
    nudge_message,
    nudged,
    one,
    queue,
    quotes,
    rows,
    says,
    speak,
    titled,
)

# Joining and the charter


@pytest.mark.parametrize(("locale", "word", "heading", "accept", "dated"), [
    ("en", "join", "charter of good conduct", "I accept", "Charter of 1 November 2026"),
    ("fr", "rejoindre", "Charte de bonne conduite", "J’accepte", "Charte du 1er novembre 2026"),
])
async def test_join_shows_the_charter_and_only_accept_opts_in(console, rt, locale, word, heading,
                                                              accept, dated):
    speak(console, "zoe", locale)
    await console.say("zoe", word)
    card = console.last("zoe")
    text = card_to_text(card)
    assert heading in text
    assert rt.charter.text(locale).split("\n")[0] in text
    # Each "- " line of charter.md a point, its first sentence or clause leading in bold.
    points = [block for block in card.blocks if isinstance(block, Point)]
    lines = [line for line in rt.charter.text(locale).splitlines() if line.startswith("- ")]
    assert len(points) == len(lines) >= 5 and "- " not in text
    assert all(line[2:].startswith(point.lead) and point.text for point, line in
               zip(points, lines, strict=True))
    assert rt.charter.version == "2026-11-1" and f"({dated})" in text  # a date, in words
    assert [button.value for button in card.buttons()] == [rt.charter.version] * 2
    labels = [button.label for button in card.buttons()]
    assert labels == [says(rt, "charter.accept", locale), says(rt, "charter.decline", locale)]
    assert accept in labels[0]
    assert (await member(rt, "zoe")).status == "new"
    assert await consents(rt, "zoe") == []

    await console.click("zoe", 1)
    after = await member(rt, "zoe")
    assert (after.status, after.charter_version) == ("active", rt.charter.version)
    assert await consents(rt, "zoe") == [("accepted", rt.charter.version)]
    [message] = console.dm("zoe")  # the charter card became the welcome, in place
    assert card_to_text(message.body).startswith(f"== {says(rt, 'charter.accepted_title', locale)}")
    assert says(rt, "volunteer.welcome", locale, cap=2) in card_to_text(message.body)


async def test_not_now_records_the_no_and_opts_nobody_in(console, rt):
    await console.say("zoe", "join")
    await console.click("zoe", "Not now")
    assert (await member(rt, "zoe")).status == "new"
    assert await consents(rt, "zoe") == [("declined", rt.charter.version)]
    assert card_to_text(console.dm("zoe")[0].body) == says(rt, "charter.declined")


async def test_join_when_already_in_says_so(console, rt):
    await enlist(console, "alice")
    await console.say("alice", "join")
    assert_reads(console, rt, "alice", "volunteer.already_in")
    assert await consents(rt, "alice") == [("accepted", rt.charter.version)]


async def test_a_new_charter_version_holds_nudges_until_accepted(console, jobs, rt, messenger):
    await enlist(console, "alice")
    old = rt.charter.version
    rt.charter = replace(rt.charter, version="2099-1")  # charter.md's version line changed
    await queue(console, titled())
    await jobs.tick()
    assert messenger.sent_keys == []

    await console.say("alice", "join")
    assert says(rt, "charter.changed") in last_text(console, "alice")
    assert "2099-1" in last_text(console, "alice")
    await console.press("alice", "charter.accept", old)  # Accept on a card of the old charter
    assert (await member(rt, "alice")).charter_version == old
    await jobs.tick()
    assert messenger.sent_keys == []

    await console.click("alice", 1)
    assert (await member(rt, "alice")).charter_version == "2099-1"
    assert (await consents(rt, "alice"))[-1] == ("accepted", "2099-1")
    await jobs.tick()
    assert messenger.sent_keys == [f"delivery-{(await delivery_of(rt, 'alice')).id}"]


# Stopping and pausing


@pytest.mark.parametrize(("locale", "word"), [("en", "stop"), ("fr", "arrêter")])
async def test_stop_cancels_every_planned_nudge_even_one_already_due(console, jobs, rt, messenger,
                                                                     locale, word):
    await enlist(console, "alice", locale=locale)
    await queue(console, titled(locale))
    await queue(console, titled(locale, "https://example.com/jobs/data-engineer"))
    planned = await jobs.plan()
    assert planned >= 1
    assert min(d.due_at for d in await rows(rt, Delivery)) <= START  # one is due now
    await console.say("alice", word)
    assert_reads(console, rt, "alice", "volunteer.stopped", locale, cancelled=planned)
    assert (await member(rt, "alice")).status == "stopped"
    assert (await consents(rt, "alice"))[-1] == ("stopped", None)
    assert {d.status for d in await rows(rt, Delivery)} == {"cancelled"}
    await jobs.send()
    await jobs.tick()
    assert messenger.sent_keys == []


async def test_stop_when_not_a_volunteer_is_polite(console, rt):
    await console.say("zoe", "stop")
    assert_reads(console, rt, "zoe", "volunteer.not_in")
    assert await consents(rt, "zoe") == []


@pytest.mark.parametrize(("locale", "text", "until", "before", "after", "planned_first"), [
    ("en", "pause 2w", START + timedelta(weeks=2), datetime(2026, 12, 14, 8, 30, tzinfo=UTC),
     datetime(2026, 12, 14, 10, tzinfo=UTC), False),
    ("fr", "pause 10j", START + timedelta(days=10), datetime(2026, 12, 10, 8, 30, tzinfo=UTC),
     datetime(2026, 12, 10, 10, tzinfo=UTC), True),
    ("en", "pause 2026-12-31", datetime(2026, 12, 30, 23, tzinfo=UTC),
     datetime(2026, 12, 30, 10, tzinfo=UTC), datetime(2026, 12, 31, 10, tzinfo=UTC), False),
])
async def test_pause_holds_nudges_until_its_end(console, jobs, rt, clock, messenger, locale, text,
                                               until, before, after, planned_first):
    await enlist(console, "alice", locale=locale)
    if planned_first:
        await queue(console, titled(locale))
        await jobs.plan()
    await console.say("alice", text)
    assert (await member(rt, "alice")).paused_until == until
    assert (await consents(rt, "alice"))[-1] == ("paused", None)
    if not planned_first:
        await queue(console, titled(locale))
    for moment in (START, before):
        clock.set(moment)
        await jobs.tick()
        assert messenger.sent_keys == []
    clock.set(after)
    await jobs.tick()
    assert len(messenger.sent_keys) == 1
    assert isinstance(nudge_message(console, "alice").body, Card)


@pytest.mark.parametrize("text", ["pause", "pause banana", "pause 0d", "pause 2020-01-01"])
async def test_pause_without_a_usable_end_explains_and_changes_nothing(console, rt, text):
    await enlist(console, "alice")
    await console.say("alice", text)
    assert_reads(console, rt, "alice", "volunteer.pause_usage")
    assert (await member(rt, "alice")).paused_until is None
    assert [kind for kind, _ in await consents(rt, "alice")] == ["accepted"]


@pytest.mark.parametrize(("locale", "word"), [("en", "resume"), ("fr", "reprendre")])
async def test_resume_ends_the_pause(console, jobs, rt, messenger, locale, word):
    await enlist(console, "alice", locale=locale)
    await console.say("alice", "pause 2w")
    await queue(console, titled(locale))
    await jobs.tick()
    assert messenger.sent_keys == []
    await console.say("alice", word)
    assert_reads(console, rt, "alice", "volunteer.resumed", locale)
    assert (await member(rt, "alice")).paused_until is None
    await jobs.tick()
    assert len(messenger.sent_keys) == 1


# Preferences, me, help


async def test_prefs_form_shows_current_values_and_saves_in_the_chosen_language(console, rt):
    await enlist(console, "alice")
    await console.say("alice", "prefs")
    shown = {field.name: field.value for field in console.forms["alice"].inputs}
    assert [shown[n] for n in ("weekly_cap", "quiet_start", "quiet_end")] == ["2", "19:00", "09:00"]
    await console.submit("alice", weekly_cap="3", quiet_start="20:00", quiet_end="08:00",
                         topics="hiring, Data", networks="x", language="fr", in_digest="true")
    prefs = (await member(rt, "alice")).prefs
    assert {k: prefs[k] for k in ("weekly_cap", "quiet_start", "quiet_end", "topics", "networks",
                                  "language", "in_digest")} == {
        "weekly_cap": 3, "quiet_start": "20:00", "quiet_end": "08:00",
        "topics": ["hiring", "data"], "networks": ["x"], "language": "fr", "in_digest": True}
    assert_reads(console, rt, "alice", "prefs.saved", "fr", cap=3, start="20:00", end="08:00",
                 languages=["en"])
    await console.say("alice", "préférences")
    form = console.forms["alice"]
    assert form.title == says(rt, "prefs.title", "fr")
    assert {f.name: f.value for f in form.inputs}["topics"] == "hiring, data"


@pytest.mark.parametrize(("field", "value", "key", "fixed"), [
    ("quiet_start", "25:99", "prefs.bad_time", "20:00"),
    ("networks", "myspace", "prefs.invalid", "x"),
    ("networks", "", "prefs.networks_needed", "linkedin"),
    ("weekly_cap", "100", "prefs.invalid", "5"),
])
async def test_prefs_refuses_a_bad_value_beside_it_and_keeps_the_old_ones(console, rt, field,
                                                                         value, key, fixed):
    await enlist(console, "alice")
    await console.say("alice", "prefs")
    await console.submit("alice", weekly_cap="4")
    saved = (await member(rt, "alice")).prefs
    await console.say("alice", "prefs")
    await console.submit("alice", **{"topics": "events", field: value})
    assert_reads(console, rt, "alice", key)
    assert (await member(rt, "alice")).prefs == saved
    # The form is open again as it was typed, the message beside the input refused.
    form = console.forms["alice"]
    assert form.errors == {field: says(rt, key)}
    typed = {spec.name: spec.value for spec in form.inputs}
    assert typed["topics"] == "events" and typed[field] == value
    await console.submit("alice", **{field: fixed})
    prefs = (await member(rt, "alice")).prefs
    assert prefs["topics"] == ["events"] and prefs != saved


async def test_prefs_for_someone_not_volunteering(console, rt):
    await console.say("zoe", "prefs")
    assert_reads(console, rt, "zoe", "volunteer.not_in")
    assert "zoe" not in console.forms


@pytest.mark.parametrize(("locale", "word"), [("en", "me"), ("fr", "moi")])
async def test_me_with_nothing_shared_yet(console, rt, locale, word):
    await enlist(console, "alice", locale=locale)
    await console.say("alice", word)
    assert_reads(console, rt, "alice", "me.nothing_yet", locale)


async def test_me_counts_shares_clicks_without_bots_and_authenticity(console, jobs, rt):
    await nudged(console, jobs, rt, "alice")
    await console.click("alice", "Edit idea 1")
    await console.submit("alice", text=console.forms["alice"].inputs[0].value + " Come see us!")
    share = await one(rt, Share)
    for agent in ("Mozilla/5.0", "Mozilla/5.0", "Mozilla/5.0", "LinkedInBot/1.0"):
        assert await follow(rt, share.link_token, agent)
    await console.say("alice", "me")
    text = last_text(console, "alice")
    assert f"{says(rt, 'me.shares')}: 1" in text
    assert f"{says(rt, 'me.clicks')}: 3" in text
    assert 0 < share.edit_ratio < 1
    assert f"{says(rt, 'me.authenticity')}: {round(share.edit_ratio * 100)}%" in text


@pytest.mark.parametrize("text", ["help", "aide", "?", "bonjour", "asdf", "", "   "])
async def test_help_and_any_unknown_text_get_the_help_card_with_a_working_join(console, rt, text):
    await console.say("zoe", text)
    card = console.last("zoe")
    assert isinstance(card, Card) and card.summary == says(rt, "help.title")
    assert_polite(card_to_text(card))
    await console.click("zoe", says(rt, "help.button_join"))
    assert card_to_text(console.last("zoe")).startswith(f"== {says(rt, 'charter.title')} ==")


async def test_a_volunteers_help_card_leads_to_prefs_and_impact(console, rt):
    await enlist(console, "alice", locale="fr")
    await console.say("alice", "bonjour")
    assert says(rt, "help.volunteer", "fr", active=True) in last_text(console, "alice")
    await console.click("alice", says(rt, "help.button_me", "fr"))
    assert_reads(console, rt, "alice", "me.nothing_yet", "fr")
    await console.click("alice", says(rt, "help.button_prefs", "fr"))
    assert console.forms["alice"].form_id == "prefs"


# Sharing


async def test_an_untouched_suggestion_is_shared_with_no_rewrite(console, jobs, rt):
    _, delivery = await nudged(console, jobs, rt, "alice")
    suggestions = stored(delivery.suggestions)
    assert quotes(nudge_message(console, "alice").body) == [s.text for s in suggestions]
    await console.click("alice", says(rt, "nudge.use", number=2))
    form = console.forms["alice"]
    assert (form.form_id, form.inputs[0].value) == ("share.edit", suggestions[1].text)
    await console.submit("alice")
    share = await one(rt, Share)
    assert (share.edit_ratio, share.suggested_text) == (0.0, suggestions[1].text)
    assert (share.angle, share.source) == (suggestions[1].angle, suggestions[1].source)
    assert (await delivery_of(rt, "alice")).status == "shared"
    outcome = says(rt, "nudge.outcome_shared", network="LinkedIn")
    assert outcome in card_to_text(nudge_message(console, "alice").body)  # updated in place


async def test_a_text_of_ones_own_counts_as_rewritten(console, jobs, rt):
    await nudged(console, jobs, rt, "alice")
    await console.click("alice", "Edit idea 1")
    await console.submit("alice", text="Our Lyon crew is growing fast; ping me if curious!")
    assert (await one(rt, Share)).edit_ratio >= 0.9


async def test_write_my_own_starts_empty_and_an_empty_text_is_refused(console, jobs, rt):
    await nudged(console, jobs, rt, "alice")
    await console.click("alice", says(rt, "nudge.own"))
    assert console.forms["alice"].inputs[0].value == ""
    await console.submit("alice")
    assert_reads(console, rt, "alice", "share.empty")
    assert await count(rt, Share) == 0
    assert (await delivery_of(rt, "alice")).status == "sent"


async def test_share_links_fit_each_network_and_i_posted_it_confirms(console, jobs, rt):
    await nudged(console, jobs, rt, "alice")
    await console.click("alice", "Edit idea 1")
    long_text = ("Lyon is hiring engineers, designers and many more people. " * 40)[:2000]
    await console.submit("alice", text=long_text)
    share = await one(rt, Share)
    link = f"https://pv.example/r/{share.link_token}"
    assert link in last_text(console, "alice")
    linkedin = urlsplit(await console.click("alice", "LinkedIn"))
    assert linkedin._replace(query="").geturl() == "https://www.linkedin.com/feed/"
    assert parse_qs(linkedin.query) == {"shareActive": ["true"],
                                        "text": [f"{long_text.strip()}\n\n{link}"]}
    x = urlsplit(await console.click("alice", says(rt, "share.open_x")))
    assert (x.netloc, x.path) == ("x.com", "/intent/post")
    query = parse_qs(x.query)
    assert query["url"] == [link]
    assert len(query["text"][0]) + 1 + 23 <= 280
    assert long_text.startswith(query["text"][0].rstrip("…"))

    messages = len(console.dm("alice"))
    await console.click("alice", says(rt, "share.posted"))
    assert (await one(rt, Share)).confirmed is True
    assert len(console.dm("alice")) == messages  # the share card itself says thank you
    assert says(rt, "share.thanks", network="LinkedIn") in last_text(console, "alice")


async def test_skip_closes_the_nudge(console, jobs, rt):
    await nudged(console, jobs, rt, "alice")
    await console.click("alice", says(rt, "nudge.skip"))
    assert (await delivery_of(rt, "alice")).status == "skipped"
    text = card_to_text(nudge_message(console, "alice").body)
    assert says(rt, "nudge.outcome_skipped") in text
    assert not nudge_message(console, "alice").body.buttons()


async def test_not_for_me_means_less_of_those_topics(console, jobs, rt):
    await nudged(console, jobs, rt, "alice")
    await console.click("alice", says(rt, "nudge.not_for_me"))
    assert (await delivery_of(rt, "alice")).status == "declined"
    assert (await member(rt, "alice")).prefs["less_wanted"] == ["offices"]
    outcome = says(rt, "nudge.outcome_declined", topics="offices")
    assert outcome in card_to_text(nudge_message(console, "alice").body)
    await queue(console, titled(url="https://example.com/news/paris-office",
                                options="--topics offices"))
    same_topic = await latest_post(rt)
    await queue(console, titled(url="https://example.com/jobs/engineer",
                                options="--topics hiring"))
    other_topic = await latest_post(rt)
    await jobs.plan()
    assert await count(rt, Delivery, Delivery.post_id == same_topic.id) == 0
    assert await count(rt, Delivery, Delivery.post_id == other_topic.id) == 1


# Cards that no longer apply


async def test_a_withdrawn_post_answers_politely(console, jobs, rt):
    post, _ = await nudged(console, jobs, rt, "alice")
    await console.say(ADMIN, f"/voix cancel {post.id}")
    await console.click("alice", "Edit idea 1")
    assert_reads(console, rt, "alice", "nudge.stale")
    assert "alice" not in console.forms
    assert await count(rt, Share) == 0


async def test_nobody_can_act_on_someone_elses_nudge(console, jobs, rt):
    _, delivery = await nudged(console, jobs, rt, "alice")
    await enlist(console, "bob")
    for action, value in (("nudge.pick", f"{delivery.id}:0"), ("nudge.skip", str(delivery.id)),
                          ("nudge.decline", str(delivery.id))):
        await console.press("bob", action, value)
        assert_reads(console, rt, "bob", "errors.unknown_action")
    crafted_form(console, "bob", "share.edit", f"{delivery.id}:0", text="hi", network="linkedin")
    await console.submit("bob")
    assert_reads(console, rt, "bob", "errors.unknown_action")
    assert "bob" not in console.forms
    assert (await delivery_of(rt, "alice")).status == "sent"
    assert await count(rt, Share) == 0


async def test_home_shows_where_i_stand_and_its_buttons_work(console, rt):
    await console.open_home("dora")
    home = card_to_text(console.last("dora"))
    assert says(rt, "home.not_in", "en", changed=False) in home
    await console.click("dora", says(rt, "help.button_join", "en"))
    await console.click("dora", 1)  # accept the charter
    await console.open_home("dora")
    home = card_to_text(console.last("dora"))
    assert says(rt, "home.active", "en", cap=2, start="19:00", end="09:00",
                paused_until="") in home
    await console.click("dora", says(rt, "home.button_stop", "en"))
    assert (await member(rt, "dora")).status == "stopped"
