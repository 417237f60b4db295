"""The pure business rules: share links, edit ratio, URLs, dates, quiet hours, texts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from jinja2.runtime import Macro

from bot.config import Settings
from bot.services.charter import load_charter, parse_charter
from bot.services.quiet_hours import in_quiet_time, next_allowed
from bot.services.sharing import (
    X_LIMIT,
    X_URL_WEIGHT,
    edit_ratio,
    linkedin_share_url,
    x_intent_url,
    x_text,
)
from bot.services.textfit import cut_on_word
from bot.services.timeparse import BadTime, parse_clock, parse_moment, parse_until
from bot.services.urls import UnsafeUrl, check_post_url, with_utm
from bot.services.useragents import is_bot
from bot.texts import TEMPLATES, make_environment

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NIGHT = (time(19, 0), time(9, 0))
SUGGESTED = "We are opening a new office in Lyon, with 200 jobs to fill by May."
LINK = "https://pv.example/r/AbCdEfGh"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- sharing ------------------------------------------------------------------------------

def test_edit_ratio_measures_how_much_a_text_was_made_ones_own():
    added = edit_ratio(SUGGESTED, SUGGESTED + " I will be there, come and say hello!")
    assert edit_ratio(SUGGESTED, SUGGESTED) == 0.0
    assert edit_ratio(SUGGESTED, "Pasta tonight? Only if it is homemade.") >= 0.9
    assert 0.1 < added < 0.6
    assert edit_ratio(SUGGESTED, SUGGESTED.upper()) == 0.0
    assert edit_ratio(SUGGESTED, "  " + SUGGESTED.replace(" ", "\n ")) == 0.0
    assert edit_ratio("Hello world and welcome", "Hello, world and welcome") < 0.2


def test_x_text_fits_one_post_with_the_link_counted_as_23():
    long_text = "Our new office in Lyon opens in May " * 20
    url = x_intent_url(long_text, LINK)
    query = parse_qs(urlsplit(url).query)
    [text], [link] = query["text"], query["url"]
    assert url.startswith("https://x.com/intent/post?")
    assert link == LINK
    assert text == x_text(long_text)
    assert len(text) + 1 + X_URL_WEIGHT <= X_LIMIT
    assert long_text.startswith(text.removesuffix("…"))
    assert parse_qs(urlsplit(x_intent_url("Short & sweet #lyon", LINK)).query)["text"] == [
        "Short & sweet #lyon"]


def test_linkedin_share_url_carries_the_tracked_link():
    url = linkedin_share_url(LINK + "?a=1&b=2")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("www.linkedin.com", "/sharing/share-offsite/")
    assert parse_qs(parts.query) == {"url": [LINK + "?a=1&b=2"]}


@pytest.mark.parametrize(("text", "limit"), [
    ("The quick brown fox jumps over the lazy dog", 20),
    ("Porte-Voix suggests posts, you decide what to share and when.", 30),
    ("Unbreakablewordwithoutanyspaceatall", 10),
])
def test_cut_on_word_fits_the_limit_without_breaking_words(text, limit):
    cut = cut_on_word(text, limit)
    head = cut.removesuffix("…")
    assert len(cut) <= limit and cut.endswith("…")
    assert text.startswith(head)
    if " " in text[:limit]:
        assert text[len(head)] in " ,.;:-"
    assert cut_on_word("fits", 10) == "fits"


def test_cut_on_word_keeps_a_word_that_ends_exactly_at_the_cut():
    assert cut_on_word("The quick brown fox jumps", 20) == "The quick brown fox…"


# -- URLs -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://example.com/news", "http://example.com",
                                 "https://example.com/a?b=c#d"])
def test_web_addresses_are_accepted(url):
    assert check_post_url(f"  {url} ") == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
    "ftp://example.com/file", "https://", "/relative/path", "https://user:secret@example.com/",
    "https://example.com/a b", "https://example.com/\ttab", "https://example.com/\u00a0x",
    "https://example.com/" + "a" * 2040, "",
])
def test_unsafe_addresses_are_refused(url):
    with pytest.raises(UnsafeUrl):
        check_post_url(url)


def test_with_utm_replaces_existing_tags_and_keeps_the_rest():
    url = with_utm("https://example.com/jobs?utm_source=evil&x=1&utm_medium=spam#apply",
                   source="x", campaign="post-7", content="share-9")
    parts = urlsplit(url)
    assert (parts.netloc, parts.path, parts.fragment) == ("example.com", "/jobs", "apply")
    assert parse_qs(parts.query) == {
        "x": ["1"], "utm_source": ["x"], "utm_medium": ["employee_advocacy"],
        "utm_campaign": ["post-7"], "utm_content": ["share-9"]}


# -- dates and times -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "later"), [
    ("2w", timedelta(weeks=2)), ("10j", timedelta(days=10)), ("3d", timedelta(days=3)),
    ("2s", timedelta(weeks=2)), (" 2W ", timedelta(weeks=2)), ("12h", timedelta(hours=12)),
    ("2 weeks", timedelta(weeks=2)), ("1 week", timedelta(weeks=1)),
    ("2 semaines", timedelta(weeks=2)), ("10 jours", timedelta(days=10)),
    ("3 days", timedelta(days=3)), ("1 mois", timedelta(days=30)),
    ("2 Months", timedelta(days=60)), ("4 heures", timedelta(hours=4)),
])
def test_parse_until_reads_durations(text, later):
    assert parse_until(text, NOW, PARIS) == NOW + later


def test_parse_until_reads_dates_in_the_persons_zone():
    assert parse_until("2026-12-25", NOW, PARIS) == utc(2026, 12, 24, 23)
    assert parse_until("2026-12-25T18:30", NOW, ZoneInfo("Asia/Singapore")) == utc(
        2026, 12, 25, 10, 30)


@pytest.mark.parametrize("text", ["2020-01-01", "2026-11-30T09:00", "0d", "-3d", "soon",
                                  "2w3d", "1000d", "", "next friday"])
def test_parse_until_refuses_the_past_and_garbage(text):
    with pytest.raises(BadTime):
        parse_until(text, NOW, PARIS)


@pytest.mark.parametrize(("text", "expected"), [
    ("19:00", time(19)), ("7h30", time(7, 30)), ("07:05", time(7, 5)), (" 23h59 ", time(23, 59))])
def test_parse_clock(text, expected):
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7", "7h", "19:60", "noon", ""])
def test_parse_clock_refuses_garbage(text):
    with pytest.raises(BadTime):
        parse_clock(text)


def test_parse_moment_reads_naive_times_in_the_given_zone():
    assert parse_moment("2026-12-01T09:00", PARIS) == utc(2026, 12, 1, 8)
    assert parse_moment("2026-12-01T09:00", ZoneInfo("America/Montreal")) == utc(2026, 12, 1, 14)
    assert parse_moment("2026-12-01T09:00+05:00", PARIS) == utc(2026, 12, 1, 4)
    assert parse_moment("2026-07-01", PARIS) == utc(2026, 6, 30, 22)  # summer time
    with pytest.raises(BadTime):
        parse_moment("tomorrow", PARIS)


# -- quiet hours --------------------------------------------------------------------------

@pytest.mark.parametrize(("moment", "window", "weekends", "expected"), [
    # Tuesday 21:00 in Paris, night window across midnight -> Wednesday 09:00
    (utc(2026, 12, 1, 20), NIGHT, False, utc(2026, 12, 2, 8)),
    # Tuesday 08:30 in Paris -> 09:00 the same day
    (utc(2026, 12, 1, 7, 30), NIGHT, False, utc(2026, 12, 1, 8)),
    # Tuesday noon: allowed as it is
    (utc(2026, 12, 1, 11), NIGHT, False, utc(2026, 12, 1, 11)),
    # a lunch break within the day
    (utc(2026, 12, 1, 12), (time(12), time(14)), False, utc(2026, 12, 1, 13)),
    # Friday 20:00 -> Monday 09:00, not Saturday
    (utc(2026, 12, 4, 19), NIGHT, False, utc(2026, 12, 7, 8)),
    # Saturday noon: weekend -> Monday 09:00; allowed when weekends are welcome
    (utc(2026, 12, 5, 11), NIGHT, False, utc(2026, 12, 7, 8)),
    (utc(2026, 12, 5, 11), NIGHT, True, utc(2026, 12, 5, 11)),
    # an empty window never silences anything on a weekday
    (utc(2026, 12, 1, 2), (time(9), time(9)), False, utc(2026, 12, 1, 2)),
    # spring forward (Sunday 29 March 2026): 09:00 is already summer time, 07:00 UTC
    (utc(2026, 3, 28, 19), NIGHT, True, utc(2026, 3, 29, 7)),
    (utc(2026, 3, 27, 19), NIGHT, False, utc(2026, 3, 30, 7)),
    # fall back (Sunday 25 October 2026): 09:00 is winter time again, 08:00 UTC
    (utc(2026, 10, 24, 18), NIGHT, True, utc(2026, 10, 25, 8)),
    (utc(2026, 10, 25, 7, 30), NIGHT, True, utc(2026, 10, 25, 8)),
])
def test_next_allowed(moment, window, weekends, expected):
    assert next_allowed(moment, PARIS, *window, weekends) == expected
    assert in_quiet_time(moment, PARIS, *window, weekends) is (expected != moment)


@pytest.mark.parametrize("zone_name", ["Europe/Paris", "America/Montreal", "Asia/Singapore"])
@pytest.mark.parametrize("start", [utc(2026, 3, 23), utc(2026, 10, 19), utc(2026, 11, 23)])
def test_next_allowed_is_the_first_moment_outside_quiet_hours(zone_name, start):
    tz = ZoneInfo(zone_name)
    for window in (NIGHT, (time(12), time(14)), (time(22), time(7, 30))):
        for weekends in (False, True):
            for step in range(0, 8 * 24 * 60, 37):
                moment = start + timedelta(minutes=step)
                allowed = next_allowed(moment, tz, *window, weekends)
                assert allowed >= moment
                assert not in_quiet_time(allowed, tz, *window, weekends), (moment, allowed)
                if allowed > moment:
                    assert in_quiet_time(allowed - timedelta(minutes=1), tz, *window, weekends)


@pytest.mark.parametrize(("user_agent", "bot"), [
    ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
     True),
    ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", True),
    ("Twitterbot/1.0", True),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", True),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
    ("curl/8.5.0", True), ("", True), (None, True),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0 Safari/537.36", False),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", False),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", False),
])
def test_is_bot(user_agent, bot):
    assert is_bot(user_agent) is bot


# -- charter and catalogs -------------------------------------------------------------------

def test_parse_charter_reads_version_and_sections():
    charter = parse_charter("# Charter\n\nversion: 2027-1\n\n## en\n\nBe kind.\n\n"
                            "## fr\n\nSoyez bienveillants.\n")
    assert charter.version == "2027-1"
    assert charter.texts == {"en": "Be kind.", "fr": "Soyez bienveillants."}
    assert charter.text("de") == "Be kind."
    with pytest.raises(ValueError):
        parse_charter("## en\n\nNo version here.\n")
    with pytest.raises(ValueError):
        parse_charter("version: 1\n\nNo section.\n")


def test_the_shipped_charter_has_a_version_and_both_languages():
    charter = load_charter()
    assert charter.version
    assert set(charter.texts) >= {"en", "fr"}
    assert all(len(charter.text(locale)) > 200 for locale in ("en", "fr"))
    assert charter.text("en") != charter.text("fr")


def macros(env, path: str) -> dict[str, tuple[str, ...]]:
    module = env.get_template(path).module
    return {name: value.arguments for name in dir(module)
            if isinstance(value := getattr(module, name), Macro)}


@pytest.mark.parametrize("name", sorted(p.name for p in (TEMPLATES / "en").glob("*.j2")))
def test_every_english_message_exists_in_french_with_the_same_arguments(name):
    env = make_environment()
    english = macros(env, f"en/{name}")
    assert english
    assert (TEMPLATES / "fr" / name).exists(), f"fr/{name} is missing"
    assert macros(env, f"fr/{name}") == english


def test_settings_never_show_platform_secrets(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("TEAMS_APP_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("PORTEVOIX_ADMINS", "U1, U2")
    settings = Settings()
    assert "very-secret" not in repr(settings) and "hunter2" not in str(settings)
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"
    assert settings.admins == ["U1", "U2"]
