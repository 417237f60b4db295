"""`python -m cards.dashboard` (`make screenshots`): the admins' dashboard as a browser shows
it, after ten weeks of a demo programme played through the console (real code path, a
manual clock, a fixed random seed), as PNGs in docs/dashboard/.

    python -m cards.dashboard [--out docs/dashboard]

Writes overview.png and post.png at 1280 px wide, overview-phone.png and post-phone.png
at 390 px (a phone, in French). Exits 2 when Chromium is missing."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from sqlalchemy import select

from adapters.console.transport import Console, ConsoleMessenger, Profile
from bot.cards import Card
from bot.clicks import follow
from bot.clock import ManualClock
from bot.config import Settings
from bot.dispatch import Bot
from bot.runtime import Runtime, open_runtime
from bot.web.listeners import make_app
from cards.catalog import ADMIN, BROWSER, START
from cards.render import CHROMIUM, CHROMIUM_ARGS
from scheduler.runner import Jobs
from storage.models import Share

if TYPE_CHECKING:
    from playwright.async_api import ViewportSize

WEEKS = 10
TEAMS = {"team-lyon": ("Alice Martin", "Bruno Lefèvre", "Chloé Dubois"),
         "team-paris": ("Daniel Moreau", "Emma Laurent", "Farid Benali", "Gaëlle Roux"),
         "data-platform": ("Hugo Girard", "Inès Mercier", "Jules Fontaine")}
POSTS = (  # what the communications team queues, a post a week
    ('https://example.com/news/lyon --title "Our new office in Lyon opens in May" '
     '--kind news --topics offices,lyon'),
    ('https://example.com/jobs/data-engineer --title "We are hiring a data engineer in Paris" '
     '--kind job --topics hiring,data'),
    ('https://example.com/events/meetup --title "Join our open data meetup on 12 March" '
     '--kind event --topics data,community'),
    ('https://example.com/blog/green-it --title "How we cut the energy use of our servers" '
     '--kind article --topics sustainability'),
    ('https://example.com/news/award --title "Our app wins the 2026 accessibility award" '
     '--kind award --topics product'),
    ('https://example.com/jobs/designer --title "We are hiring a product designer in Lyon" '
     '--kind job --topics hiring,lyon'),
    ('https://example.com/product/v5 --title "Version 5 brings offline mode to everyone" '
     '--kind product --topics product'),
    ('https://example.com/blog/mentoring --title "What two years of mentoring taught us" '
     '--kind article --topics community'),
    ('https://example.com/news/partners --title "A new partnership with three universities" '
     '--kind news --topics community,hiring'),
    ('https://example.com/jobs/support --title "Customer support team: three open positions" '
     '--kind job --topics hiring'),
)
OWN_WORDS = (" Proud to see this.", " A great team to work with!",
             " I have seen this from the inside: worth a look.", "", " Happy to share.")
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


async def _programme(rt: Runtime, clock: ManualClock) -> Console:
    """Ten weeks of posts, nudges, shares, skips and clicks, the same on every run."""
    chance = random.Random(14)
    console = Console(Bot(rt), ConsoleMessenger())
    rt.messengers[console.messenger.platform] = console.messenger
    jobs = Jobs(rt)
    console.profiles[ADMIN] = Profile("Camille Durand")
    await console.say(ADMIN, "/voix set hashtag #LifeAtAcme")
    people = [(channel, name) for channel, names in TEAMS.items() for name in names]
    for index, (channel, name) in enumerate(people):
        user = f"user{index}"
        console.profiles[user] = Profile(name, "fr" if index % 3 == 0 else "en")
        await console.join_channel(user, channel)
        await console.say(user, "join")
        await console.click(user, 1)
    await console.say(ADMIN, '/voix team #data-platform --name "Data platform"')
    try:
        for week in range(WEEKS):
            before = {user: _nudges(console, user) for user in console.profiles}
            await console.say(ADMIN, f"/voix queue {POSTS[week]} --lang en")
            await jobs.tick()
            keen = 0.35 + 0.04 * week  # the programme grows on people
            for index in range(len(people)):
                user = f"user{index}"
                if _nudges(console, user) == before[user]:
                    continue  # not nudged this week (their cap, their topics)
                roll = chance.random()
                if roll < keen:
                    await console.click(user, 1)
                    form = console.forms[user]
                    await console.submit(user, text=str(form.inputs[0].value or "")
                                         + chance.choice(OWN_WORDS))
                elif roll < keen + 0.3:
                    await console.click(user, "Skip" if index % 3 else "Passer")
            await _clicks(rt, clock, chance)
            clock.advance(timedelta(days=7) - timedelta(hours=WEEKS))
    finally:
        await jobs.close()
    return console


def _nudges(console: Console, user: str) -> int:
    return sum(1 for message in console.dm(user) if message.proactive)


async def _clicks(rt: Runtime, clock: ManualClock, chance: random.Random) -> None:
    async with rt.sessions() as session:
        since = clock.now() - timedelta(hours=1)
        tokens = (await session.scalars(select(Share.link_token).where(
            Share.created_at >= since))).all()
    for hour in range(WEEKS):
        clock.advance(timedelta(hours=1))
        for token in tokens:
            for _ in range(chance.randint(0, 2 + hour // 3)):
                await follow(rt, token, BROWSER)


async def _shoot(out: Path) -> None:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock(START - timedelta(weeks=WEEKS - 1))
        settings = Settings(database_url=f"sqlite+aiosqlite:///{folder}/dashboard.db",
                            admins=[ADMIN], previews=False,
                            link_secret=SecretStr("screenshots-link-secret-" * 2))
        rt = await open_runtime(settings, clock)
        server = TestServer(make_app(rt))
        await server.start_server()
        base = str(server.make_url("")).rstrip("/")
        rt.settings = rt.settings.model_copy(update={"public_url": base})
        try:
            console = await _programme(rt, clock)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
                for suffix, viewport, locale in (("", DESKTOP, "en"), ("-phone", PHONE, "fr")):
                    context = await browser.new_context(viewport=viewport, device_scale_factor=1
                                                        if suffix == "" else 2)
                    page = await context.new_page()
                    await console.say(ADMIN, "/voix tableau" if locale == "fr"
                                      else "/voix dashboard")
                    card = console.last(ADMIN)
                    assert isinstance(card, Card)
                    await page.goto(card.buttons()[0].url or "")
                    if locale == "fr":
                        await page.get_by_role("button", name="Français").click()
                        await page.wait_for_url(f"{base}/dashboard/")
                    await page.screenshot(path=str(out / f"overview{suffix}.png"), full_page=True)
                    await page.goto(f"{base}/dashboard/posts/1")
                    await page.screenshot(path=str(out / f"post{suffix}.png"), full_page=True)
                    await context.close()
                await browser.close()
        finally:
            await server.close()
            await rt.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cards.dashboard",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard"))
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(_shoot(args.out))
    for name in ("overview", "post", "overview-phone", "post-phone"):
        print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
