"""Bad input gets a clear answer in the reader's language and changes nothing."""

from __future__ import annotations

import pytest

from storage.models import Delivery, Post, Share
from tests.conftest import ADMIN, enlist
from tests.helpers import (
    NEWS_URL,
    assert_polite,
    assert_reads,
    count,
    crafted_form,
    last_text,
    nudged,
    queue,
    replies,
    says,
    snapshot,
    speak,
)

UNSAFE_URLS = ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "ftp://x",
               "https://", "http://user:pass@host/", "https://example.com/" + "a" * 3000]
LOCALES = ["en", "fr"]


async def refused(console, rt, text: str, key: str, locale: str = "en", /, **values) -> None:
    """The admin types `text`: they read `key` in their language and nothing changes."""
    speak(console, ADMIN, locale)
    await console.say(ADMIN, "/voix help")  # the admin and the workspace exist before
    before = await snapshot(rt)
    await console.say(ADMIN, text)
    assert_reads(console, rt, ADMIN, key, locale, **values)
    assert await snapshot(rt) == before


# Queueing


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("url", UNSAFE_URLS)
async def test_only_plain_web_addresses_can_be_queued(console, rt, url, locale):
    await refused(console, rt, f"/voix queue {url}", "admin.bad_url", locale, url=url[:100])
    assert await count(rt, Post) == 0


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("when", ["31/02/2026", "tomorrowish", "2026-02-31T09:00"])
async def test_an_unreadable_date_is_explained(console, rt, when, locale):
    await refused(console, rt, f"/voix queue {NEWS_URL} --at {when}", "admin.bad_date", locale,
                  value=when)
    await refused(console, rt, f"/voix queue {NEWS_URL} --expires {when}", "admin.bad_date",
                  locale, value=when)


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_expiry_before_publication_is_explained(console, rt, locale):
    await refused(console, rt, f"/voix queue {NEWS_URL} --at 2026-12-10T09:00 --expires 2026-12-05",
                  "admin.expires_before", locale, value="2026-12-05")


@pytest.mark.parametrize(("args", "key", "values"), [
    ('--title "abc', "admin.queue_usage", {"detail": "No closing quotation"}),
    ("--colour red", "admin.queue_usage", {"detail": "unrecognized arguments: --colour red"}),
    (f'--summary "{"s" * 1001}"', "admin.summary_too_long", {"limit": 1000}),
    ('--points "a; b; c; d; e; f"', "admin.too_many_points", {"count": 5, "limit": 300}),
    ('--topics "hiring, bad topic!"', "admin.bad_tag", {"tag": "bad topic!"}),
])
async def test_a_command_that_cannot_be_used_is_explained(console, rt, args, key, values):
    await refused(console, rt, f"/voix queue {NEWS_URL} {args}", key, **values)


async def test_an_unknown_team_is_named_with_the_known_ones(console, rt):
    await console.join_channel("alice", "sales")
    await refused(console, rt, f"/voix queue {NEWS_URL} --teams sales,marketing",
                  "admin.unknown_teams", names="marketing", known="sales")


async def test_a_huge_title_is_refused_by_command_and_by_form(console, rt):
    title = "x" * 10_000
    await refused(console, rt, f'/voix queue {NEWS_URL} --title "{title}"', "errors.too_long",
                  limit=4000)
    await console.say(ADMIN, "/voix queue")
    await console.submit(ADMIN, url=NEWS_URL, title=title)
    assert_reads(console, rt, ADMIN, "admin.title_too_long", limit=200, length=10_000)
    assert await count(rt, Post) == 0


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_queue_form_needs_a_url(console, rt, locale):
    speak(console, ADMIN, locale)
    await console.say(ADMIN, "/voix queue")
    await console.submit(ADMIN, title="No link")
    assert_reads(console, rt, ADMIN, "admin.bad_url", locale, url="")
    assert await count(rt, Post) == 0


# Other admin commands


@pytest.mark.parametrize(("command", "key", "values"), [
    ("frobnicate", "errors.unknown_command", {"command": "frobnicate"}),
    ("cancel 999", "admin.unknown_post", {"id": "999"}),
    ("cancel abc", "admin.unknown_post", {"id": "abc"}),
    ("cancel", "admin.unknown_post", {"id": "?"}),
    ("cancel ²", "admin.unknown_post", {"id": "²"}),
    ("cancel 99999999999", "admin.unknown_post", {"id": "99999999999"}),
    ("stats 999", "admin.unknown_post", {"id": "999"}),
    ("admins", "admin.admins_usage", {}),
    ("admins promote bob", "admin.admins_usage", {}),
    ("admins remove eve", "admin.not_an_admin", {"user": "eve"}),
    ("digest", "admin.digest_usage", {}),
])
@pytest.mark.parametrize("locale", LOCALES)
async def test_a_bad_admin_command_is_explained(console, rt, command, key, values, locale):
    await queue(console, NEWS_URL)
    await refused(console, rt, f"/voix {command}", key, locale, **values)


# PostgreSQL cannot store NUL in text: the character must be cleaned or refused clearly.


async def test_a_nul_character_in_a_title_gets_a_clear_answer(console, rt):
    await queue(console, f'{NEWS_URL} --title "Lyon\x00office"')
    answer = last_text(console, ADMIN)
    assert answer != says(rt, "errors.unexpected")
    assert await count(rt, Post) == (1 if "queued" in answer else 0)


async def test_a_nul_character_in_a_share_gets_a_clear_answer(console, jobs, rt):
    await nudged(console, jobs, rt, "alice")
    await console.click("alice", "Edit idea 1")
    await console.submit("alice", text="Lyon\x00office")
    answer = last_text(console, "alice")
    assert answer != says(rt, "errors.unexpected")
    assert await count(rt, Share) == (1 if says(rt, "share.ready_title") in answer else 0)


# Buttons and forms


async def test_an_unknown_button_or_form_is_answered_politely(console, rt):
    await enlist(console, "alice")
    await console.press("alice", "nope", "")
    assert_reads(console, rt, "alice", "errors.unknown_action")
    crafted_form(console, "alice", "nope", text="hello")
    await console.submit("alice")
    assert_reads(console, rt, "alice", "errors.unknown_action")


@pytest.mark.parametrize("value", ["", "abc", "abc:xyz", "²:0", "99999999999:0", "-1:0"])
async def test_a_forged_nudge_button_is_answered_politely(console, jobs, rt, value):
    await nudged(console, jobs, rt, "alice")
    await console.press("alice", "nudge.pick", value)
    assert_reads(console, rt, "alice", "errors.unknown_action")
    assert "alice" not in console.forms


@pytest.mark.parametrize("private", ["abc:xyz", "{id}:99"])
async def test_a_forged_share_form_never_shows_an_error(console, jobs, rt, private):
    _, delivery = await nudged(console, jobs, rt, "alice")
    crafted_form(console, "alice", "share.edit", private.format(id=delivery.id),
                 text="My own words", network="linkedin")
    await console.submit("alice")
    answer = replies(console, "alice")[-1]
    assert answer in (says(rt, "errors.unknown_action"), says(rt, "errors.unexpected"))
    assert await count(rt, Share) == 0
    assert await count(rt, Delivery, Delivery.status == "sent") == 1


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_oversized_message_is_refused(console, rt, locale):
    await enlist(console, "alice", locale=locale)
    await console.say("alice", "pause " + "9" * 5000)
    assert_reads(console, rt, "alice", "errors.too_long", locale, limit=4000)


async def test_a_session_of_odd_input_reads_politely(console, jobs, rt):
    await nudged(console, jobs, rt, "alice")
    for text in ("/voix queue", "/voix cancel 1", "pause -3d", "prefs", "/voix stats x", "%s",
                 "{{ 7*7 }}", "join\x00", "stop stop"):
        await console.say("alice", text)
    await console.press("alice", "share.posted", "1")
    await console.press("alice", "charter.accept", "")
    for text in replies(console, "alice"):
        assert_polite(text)
        assert "49" not in text
