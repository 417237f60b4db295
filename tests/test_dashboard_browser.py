"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright (its
Python package, never a browser of its own), against `porte-voix serve`'s application on a
local port. Sign in by the link `/voix dashboard` gives, see the overview and its chart,
open a post, download a CSV and compare it with the database, be refused the link a second
time, lose a member's page after `forget me`, and read it all on a phone's screen.

Skipped where /usr/bin/chromium is missing (.ci/run installs it)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.cards import Card
from bot.clicks import follow
from bot.stats import funnels
from bot.web.listeners import make_app
from cards.render import CHROMIUM, CHROMIUM_ARGS
from storage.models import Post
from tests.conftest import ADMIN, enlist
from tests.fakes import share_nudge
from tests.helpers import member, one, queue, titled

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")

PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def served(rt) -> AsyncIterator[str]:
    """The public application on a local port; links point to it."""
    server = TestServer(make_app(rt))
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    rt.settings = rt.settings.model_copy(update={
        "link_secret": SecretStr("b" * 40), "public_url": base})
    yield base
    await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                    headless=True, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def sign_in_link(console) -> str:
    await console.say(ADMIN, "/voix dashboard")
    card = console.last(ADMIN)
    assert isinstance(card, Card)
    [button] = card.buttons()
    assert button.url
    return button.url


async def shared(console, jobs, rt) -> None:
    await enlist(console, "alice", team="lyon")
    await enlist(console, "bob", team="paris")
    await queue(console, titled(options="--topics offices"))
    await jobs.tick()
    share = await share_nudge(console, "alice", " Proud of our Lyon team.")
    assert await follow(rt, share.link_token, "Mozilla/5.0")


def watch(page: Any) -> list[str]:
    """What the browser complains of: CSP violations, resources that fail to load (but the
    refusal the test asks for: 410), script errors."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and "status of 410" not in msg.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


async def test_an_admin_signs_in_reads_exports_and_cannot_come_back_by_the_same_link(
        console, jobs, rt, served, browser, tmp_path: Path):
    await shared(console, jobs, rt)
    link = await sign_in_link(console)
    context = await browser.new_context(accept_downloads=True, locale="en-US")
    page = await context.new_page()
    problems = watch(page)

    await page.goto(link)
    assert page.url == f"{served}/dashboard/"  # the token left the address bar
    assert await page.locator("h1").inner_text() == rt.texts.say("en", "dashboard.nav_overview")
    assert await page.locator("#shares").inner_text() == "1"
    assert await page.locator("#participation").inner_text() == "50%"
    chart = page.locator("img.chart")
    await chart.wait_for()
    assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")

    await page.get_by_role("link", name=rt.texts.say("en", "dashboard.nav_posts")).click()
    await page.get_by_role("link", name="New office in Lyon").click()
    assert "/dashboard/posts/" in page.url
    assert await page.get_by_text("Proud of our Lyon team.").count() >= 1

    await page.get_by_role("link", name=rt.texts.say("en", "dashboard.nav_posts")).click()
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name=rt.texts.say("en", "dashboard.export_csv")).click()
    download = await waiting.value
    assert download.suggested_filename == "porte-voix-posts.csv"
    saved = tmp_path / "posts.csv"
    await download.save_as(saved)
    lines = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"))))
    post = await one(rt, Post)
    async with rt.sessions() as session:
        figures = (await funnels(session, [post.id]))[post.id]
    assert lines[1] == [post.title, post.kind, post.status, post.publish_at.isoformat(),
                        str(figures.delivered), str(figures.interacted), str(figures.shared),
                        "0.5", str(figures.clicks)]

    again = await page.goto(link)
    assert again is not None and again.status == 410
    assert rt.texts.say("en", "dashboard.link_used") in await page.locator("main").inner_text()
    assert problems == []
    await context.close()


async def test_after_forget_me_the_volunteer_has_no_page_and_no_row(console, jobs, rt,
                                                                    served, browser):
    await shared(console, jobs, rt)
    alice = await member(rt, "alice")
    page = await (await browser.new_context()).new_page()
    await page.goto(await sign_in_link(console))
    await page.goto(f"{served}/dashboard/volunteers")
    assert await page.get_by_role("link", name="Alice").count() == 1

    await console.say("alice", "forget me")
    await console.click("alice", "Erase my data")
    gone = await page.goto(f"{served}/dashboard/volunteers/{alice.id}")
    assert gone is not None and gone.status == 404
    await page.goto(f"{served}/dashboard/volunteers")
    assert await page.get_by_text("Alice").count() == 0
    assert await page.get_by_role("link", name="Bob").count() == 1


async def test_a_phone_reads_every_page_without_scrolling_sideways(console, jobs, rt, served,
                                                                    browser):
    await shared(console, jobs, rt)
    post = await one(rt, Post)
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                        has_touch=True, locale="fr-FR")
    page = await context.new_page()
    await page.goto(await sign_in_link(console))
    french = page.get_by_role("button", name="Français")
    await french.click()
    await page.wait_for_url(f"{served}/dashboard/")
    assert await page.locator("html").get_attribute("lang") == "fr"
    for path in ("/dashboard/", "/dashboard/posts", f"/dashboard/posts/{post.id}",
                 "/dashboard/volunteers", "/dashboard/works", "/dashboard/settings"):
        await page.goto(served + path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)  # wide tables scroll in their box
    await context.close()
