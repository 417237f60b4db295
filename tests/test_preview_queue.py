"""Queueing reads the page to fill in what the admin left out; a page that says nothing, or
cannot be read, never stops a post; a host that imitates another is shown in punycode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.cards import Image
from bot.config import Settings
from bot.services.post_input import MAX_SUMMARY, MAX_TITLE
from storage.models import AuditLog, Post
from tests.conftest import ADMIN, enlist
from tests.helpers import last_text, one, queue, rows, says, speak

PAGE = """<!doctype html><html lang="fr"><head><title>Ignored</title>
<meta property="og:title" content="Nous ouvrons un bureau à Lyon">
<meta property="og:description" content="Trente postes à pourvoir d’ici l’été.">
<meta property="og:image" content="https://cdn.acme.com/lyon.jpg">
<meta property="og:site_name" content="Le blog Acme"></head><body></body></html>"""


async def _page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


async def _long(request: web.Request) -> web.Response:
    words = " ".join(["word"] * 400)
    return web.Response(text=f"<title>{words}</title><meta name=description content='{words}'>",
                        content_type="text/html")


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(3)
    return web.Response(text=PAGE, content_type="text/html")


@pytest.fixture
async def site() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/lyon", _page)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/long", _long)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
def settings(database_url: str, site: TestServer) -> Settings:
    return Settings(database_url=database_url, admins=[ADMIN], public_url="https://pv.example",
                    preview_test_allow=[f"127.0.0.1:{site.port}"], preview_timeout=0.5)


def page_url(site: TestServer, path: str = "/lyon") -> str:
    return f"http://127.0.0.1:{site.port}{path}"


async def test_a_link_without_title_waits_with_the_pages_own(console, rt, site):
    await queue(console, page_url(site))
    post = await one(rt, Post)
    assert (post.status, post.title, post.language) == (
        "draft", "Nous ouvrons un bureau à Lyon", "fr")
    assert post.summary == "Trente postes à pourvoir d’ici l’été."
    text = last_text(console, ADMIN)
    assert says(rt, "admin.draft_from_page", title=post.title, site="Le blog Acme") in text
    assert says(rt, "admin.preview_used", site="Le blog Acme",
                fields=["title", "summary", "language"]) in text
    assert Image("https://cdn.acme.com/lyon.jpg", post.title) in console.last(ADMIN).blocks
    [entry] = await rows(rt, AuditLog)
    assert (entry.action, entry.detail["from_page"]) == (
        "queue.draft", ["title", "summary", "language"])

    await console.click(ADMIN, "Queue it")
    assert (await one(rt, Post)).status == "active"


async def test_a_titled_link_gets_the_pages_summary_and_goes_out(console, rt, site):
    await queue(console, f'{page_url(site)} --title "We open an office in Lyon"')
    post = await one(rt, Post)
    assert (post.status, post.title) == ("active", "We open an office in Lyon")
    assert post.summary == "Trente postes à pourvoir d’ici l’été."
    assert says(rt, "admin.preview_used", site="Le blog Acme",
                fields=["summary"]) in last_text(console, ADMIN)


async def test_a_long_page_title_is_cut_between_words(console, rt, site):
    await queue(console, page_url(site, "/long"))
    post = await one(rt, Post)
    assert post.status == "draft"
    assert len(post.title) <= MAX_TITLE and post.title.endswith("word…")
    assert len(post.summary) <= MAX_SUMMARY and post.summary.endswith("word…")


async def test_the_admins_own_words_are_kept(console, rt, site):
    await queue(console, f'{page_url(site)} --title "Lyon" --summary "Our words." --lang en')
    post = await one(rt, Post)
    assert (post.title, post.summary, post.language) == ("Lyon", "Our words.", "en")
    assert "Le blog Acme" not in last_text(console, ADMIN)


async def test_a_page_that_cannot_be_read_never_stops_the_post(console, rt, site):
    await queue(console, f'{page_url(site, "/slow")} --title "Lyon"')
    post = await one(rt, Post)
    assert (post.status, post.summary) == ("active", "")
    text = last_text(console, ADMIN)
    assert text.startswith(says(rt, "admin.queued", id=post.id, title="Lyon"))
    assert says(rt, "admin.preview_none") not in text  # nothing was missing


async def test_a_link_without_title_says_briefly_no_preview_was_found(console, rt, site):
    await queue(console, page_url(site, "/missing-page"))
    post = await one(rt, Post)
    assert (post.status, post.title) == ("draft", "Missing page")
    text = last_text(console, ADMIN)
    assert says(rt, "admin.draft_from_url", title="Missing page") in text
    assert says(rt, "admin.preview_none") in text


async def test_the_default_guard_refuses_a_local_page(console, rt, site, database_url):
    rt.settings = Settings(database_url=database_url, admins=[ADMIN])
    await queue(console, page_url(site))
    post = await one(rt, Post)
    assert (post.status, post.title, post.summary) == ("draft", "Lyon", "")


@pytest.mark.parametrize("locale", ["en", "fr"])
async def test_a_host_mixing_scripts_is_shown_in_punycode(console, rt, locale):
    await enlist(console, "alice")
    speak(console, ADMIN, locale)
    await queue(console, 'https://pаypal.com/login --title "Log in" --summary "Now."')
    warning = says(rt, "admin.preview_homograph", locale, host="pаypal.com",
                   punycode="xn--pypal-4ve.com")
    assert warning in last_text(console, ADMIN)
    assert "xn--pypal-4ve.com" in warning


async def test_the_warning_stays_on_a_draft_confirmed_later(console, rt):
    # Title and summary given: the page is not read (no test looks anything up outside).
    await queue(console, 'https://pаypal.com/verify --title "Verify" --summary "Now." '
                         "--at 2026-11-29T10:00")
    warning = says(rt, "admin.preview_homograph", host="pаypal.com",
                   punycode="xn--pypal-4ve.com")
    assert warning in last_text(console, ADMIN)
    await console.click(ADMIN, "Send now")
    assert (await one(rt, Post)).status == "active"
    assert warning in last_text(console, ADMIN)
