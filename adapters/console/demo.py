"""`porte-voix demo`: a simulated week on a fresh database through the real code path."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from tempfile import TemporaryDirectory

from aiohttp.test_utils import TestClient, TestServer
from rich.console import Console as RichConsole
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText
from sqlalchemy import Executable, func, select

from adapters.console.demo_month import simulate_month
from adapters.console.demo_people import cast
from adapters.console.demo_week import Week
from adapters.console.render import card_to_rich
from adapters.console.transport import Console, ConsoleMessenger
from bot.cards import Card, Form, Select, TextInput, Toggle
from bot.clock import ManualClock
from bot.config import Settings
from bot.dispatch import Bot
from bot.plugins import CliCommand
from bot.runtime import Runtime, open_runtime
from bot.web.listeners import make_app
from scheduler.runner import Jobs
from storage.models import Click, Delivery, DigestRun, Member, Post, Share, Team

ADMIN, ADMIN_NAME = "camille", "Camille Martin"
VOLUNTEERS = 38
START = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday, 08:00 in Paris
END = START + timedelta(days=7, hours=3)  # past the digest slot, Monday 09:00 in Paris


def form_to_rich(form: Form, title: str) -> Panel:
    """A form as the person sees it before typing: labels, prefilled values, choices."""
    parts: list[RenderableType] = [RichText(form.title, style="bold")]
    if form.intro:
        parts.append(RichText(form.intro))
    for field in form.inputs:
        parts.append(RichText(field.label, style="dim"))
        if isinstance(field, Select):
            chosen = set((field.value or "").split(","))
            parts.append(RichText("   ".join(
                ("(•) " if option.value in chosen else "( ) ") + option.label
                for option in field.options)))
        elif isinstance(field, Toggle):
            box = "[x] " if field.value else "[ ] "
            parts.append(RichText(box + (field.text or field.label)))
        else:
            shown = field.value or (field.placeholder if isinstance(field, TextInput) else "")
            parts.append(Panel(RichText(shown, style="italic"), border_style="dim"))
    parts.append(RichText(f"[{form.submit_label}]", style="bold green"))
    return Panel(Group(*parts), title=title, border_style="magenta")


class Narrator:
    """Prints what happens, stamped with the simulated time; silent with --quiet."""

    def __init__(self, out: RichConsole, clock: ManualClock, quiet: bool) -> None:
        self.out = out
        self.clock = clock
        self.quiet = quiet

    def __call__(self, line: str, body: Card | Form | str | None, where: str) -> None:
        if self.quiet:
            return
        stamp = self.clock.now().strftime("%a %d %b %H:%M UTC")
        self.out.print(RichText(f"{stamp}  ", style="dim") + RichText(line, style="bold"))
        if isinstance(body, Form):
            self.out.print(form_to_rich(body, where))
        elif isinstance(body, Card) or (isinstance(body, str) and where):
            self.out.print(card_to_rich(body, where))
        elif body:
            self.out.print(RichText(f"  {body}"))


async def figures(rt: Runtime, messenger: ConsoleMessenger) -> list[tuple[str, str]]:
    """The week in numbers, read back from the database."""
    async with rt.sessions() as session:
        async def count(query: Executable) -> str:
            return str(await session.scalar(query) or 0)

        clicks = dict((await session.execute(
            select(Click.is_bot, func.count(Click.id)).group_by(Click.is_bot))).all())
        ratios = list((await session.scalars(select(Share.edit_ratio))).all())
        members = select(func.count(Member.id))
        shares = select(func.count(Share.id))
        rows = [
            ("teams", await count(select(func.count(Team.id)))),
            ("members", await count(members)),
            ("volunteers", await count(members.where(Member.opted_in_at.is_not(None)))),
            ("posts", await count(select(func.count(Post.id)))),
            ("deliveries sent", await count(select(func.count(Delivery.sent_at)))),
            ("shares", await count(shares)),
            ("confirmed as posted", await count(shares.where(Share.confirmed.is_(True)))),
            ("clicks (people)", str(clicks.get(False, 0))),
            ("clicks (bots)", str(clicks.get(True, 0))),
            ("median authenticity (edit ratio)",
             f"{statistics.median(ratios):.0%}" if ratios else "-"),
            ("stopped", await count(members.where(Member.status == "stopped"))),
            ("digests posted", await count(select(func.count(DigestRun.id))
                                           .where(DigestRun.status == "posted"))),
        ]
    duplicates = len(messenger.sent_keys) - len(set(messenger.sent_keys))
    return [*rows, ("duplicate sends", str(duplicates))]


async def simulate(args: argparse.Namespace, out: RichConsole,
                   folder: str) -> list[tuple[str, str]]:
    url = args.database_url or f"sqlite+aiosqlite:///{folder}/demo.db"
    settings = Settings(database_url=url, admins=[ADMIN], public_url="https://pv.example")
    clock = ManualClock(START)
    rt = await open_runtime(settings, clock)
    try:
        messenger = ConsoleMessenger()
        rt.messengers[messenger.platform] = messenger
        console = Console(Bot(rt), messenger)
        rng = random.Random(args.seed)
        people = cast(rng)
        tell = Narrator(out, clock, args.quiet)
        async with TestClient(TestServer(make_app(rt), host="127.0.0.1")) as http:
            week = Week(console, Jobs(rt), clock, http, rng, people, ADMIN, tell)
            await week.setup(ADMIN_NAME)
            week.script(START, rng.sample(people, VOLUNTEERS))
            await week.run(END)
        rows = await figures(rt, messenger)
        if week.http_errors:
            rows.append(("tracked links not redirected", str(week.http_errors)))
        return rows
    finally:
        await rt.close()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    parser.add_argument("--database-url", default=None,
                        help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary tables")
    parser.add_argument("--no-month", action="store_true",
                        help="skip the simulated month of the fatigue rule")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if not args.verbose:
        for noisy in ("alembic", "aiohttp.access"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    out = RichConsole(highlight=False)
    with TemporaryDirectory(prefix="porte-voix-demo-") as folder:
        rows = asyncio.run(simulate(args, out, folder))
        table = Table(title=f"Porte-Voix, a simulated week (seed {args.seed})")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for name, value in rows:
            table.add_row(name, value)
        table.add_row("wall time", f"{time.perf_counter() - started:.1f} s")
        out.print(table)
        if not args.no_month:
            asyncio.run(simulate_month(folder, out, args.quiet))
    return 0


command = CliCommand(name="demo", help="a simulated week on a fresh SQLite database, printed",
                     configure=configure, run=run)
