"""`porte-voix chat`: talk to the bot in a terminal as anyone, on a clock you move yourself."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console as RichConsole
from rich.text import Text as RichText
from sqlalchemy import make_url

from adapters.console.render import card_to_rich
from adapters.console.transport import (
    Console,
    ConsoleMessenger,
    Message,
    Profile,
    as_typed,
    dm_id,
)
from bot.cards import Card, Input, Select, TextInput, TimeInput, Toggle
from bot.clicks import follow
from bot.clock import ManualClock
from bot.config import Settings
from bot.dispatch import Bot
from bot.plugins import CliCommand
from bot.runtime import Runtime, open_runtime
from bot.services.timeparse import BadTime, parse_until
from scheduler.runner import Jobs

STEP = timedelta(minutes=15)
MAX_WAIT = timedelta(days=14)
BROWSER = "Mozilla/5.0 (console)"
_USER = re.compile(r"^[\w.\-]{1,64}$")
_TOKEN = re.compile(r"/r/([\w\-]+)")

HELP = """\
Console commands (anything else is sent to the bot as the current person):
  as <user> [en|fr] [Area/City]  become someone else
  join #team                     join a team channel
  click N                        press button N of the last card with buttons
  wait 2h | 1d | 2w | <ISO time> move the clock on, running the jobs every 15 minutes
  open <url>                     follow a tracked link /r/<token>
  help                           this list ("aide" or "/voix help" asks the bot)
  quit                           leave (Ctrl-D works too)
Bot examples: join, prefs, me, pause 2w, stop, /voix queue <url> --title "..." --topics news"""


class LineReader:
    """input() in a daemon thread: a pending read never holds up Ctrl-C or the exit."""

    async def read(self, prompt: str) -> str | None:
        """The next line, or None at end of input."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()

        def deliver(line: str | None) -> None:
            if not future.done():
                future.set_result(line)

        def work() -> None:
            line: str | None
            try:
                line = input(prompt)
            except (EOFError, OSError, ValueError):
                line = None
            with contextlib.suppress(RuntimeError):  # the loop may be gone after Ctrl-C
                loop.call_soon_threadsafe(deliver, line)

        threading.Thread(target=work, name="chat-input", daemon=True).start()
        return await future


class EndOfInput(Exception):
    """The person closed the input (Ctrl-D or end of the piped file)."""


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def conversation_title(conversation_id: str) -> str:
    prefix = dm_id("")
    if conversation_id.startswith(prefix):
        return f"DM {conversation_id.removeprefix(prefix)}"
    return conversation_id


@dataclass
class Chat:
    """One terminal session: the current person, the clock, and what has been shown."""

    rt: Runtime
    clock: ManualClock
    console: Console
    jobs: Jobs
    out: RichConsole
    user: str
    reader: LineReader = field(default_factory=LineReader)
    pending: list[tuple[str, Message]] = field(default_factory=list)
    shown: dict[tuple[str, str], Card | str] = field(default_factory=dict)

    def on_post(self, conversation_id: str, message: Message) -> None:
        self.pending.append((conversation_id, message))

    def hint(self, text: str) -> None:
        self.out.print(RichText(text, style="yellow"))

    def local_now(self) -> str:
        tz = ZoneInfo(self.console.profiles[self.user].timezone)
        return self.clock.now().astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")

    def show_news(self) -> None:
        """Print cards updated in place since the last call, then the new messages."""
        for conversation_id, messages in self.console.messenger.conversations.items():
            for message in messages:
                key = (conversation_id, message.id)
                if key in self.shown and self.shown[key] is not message.body:
                    title = f"{conversation_title(conversation_id)} (updated)"
                    self.out.print(card_to_rich(message.body, title))
                    self.shown[key] = message.body
        news, self.pending = self.pending, []
        for conversation_id, message in news:
            self.out.print(card_to_rich(message.body, conversation_title(conversation_id)))
            self.shown[(conversation_id, message.id)] = message.body

    async def after_action(self) -> None:
        await self.fill_forms()
        await self.jobs.tick()
        self.show_news()

    async def ask(self, prompt: str) -> str:
        line = await self.reader.read(prompt)
        if line is None:
            raise EndOfInput
        return line

    async def fill_forms(self) -> None:
        """Prompt for each field of the form the bot opened, then submit it."""
        while (form := self.console.forms.get(self.user)) is not None:
            self.show_news()
            self.out.print(RichText(form.title, style="bold cyan"))
            if form.intro:
                self.out.print(RichText(form.intro))
            try:
                values = {field_.name: await self.ask_field(field_) for field_ in form.inputs}
            except EndOfInput:
                self.console.forms.pop(self.user, None)
                raise
            self.out.print(RichText(f"→ {form.submit_label}", style="dim"))
            await self.console.submit(self.user, **values)

    async def ask_field(self, field_: Input) -> str:
        current = as_typed(field_)
        if isinstance(field_, Select):
            return await self.ask_select(field_, current)
        if isinstance(field_, Toggle):
            return await self.ask_toggle(field_)
        hint = field_.placeholder if isinstance(field_, TextInput) else \
            "HH:MM" if isinstance(field_, TimeInput) else "YYYY-MM-DD"
        self.out.print(RichText(f"{field_.label}: ", style="bold")
                       + RichText(current or hint, style="italic"))
        if not isinstance(field_, TextInput) or not field_.multiline:
            return (await self.ask("  new value (empty keeps it)> ")).strip() or current
        self.hint("  type lines, end with an empty line; a single '.' keeps the text above")
        lines: list[str] = []
        while True:
            line = await self.ask("  | ")
            if not lines and line.strip() in (".", ""):
                return current
            if not line.strip():
                return "\n".join(lines)
            lines.append(line)

    async def ask_toggle(self, field_: Toggle) -> str:
        self.out.print(RichText(field_.text or field_.label, style="bold"))
        while True:
            answer = (await self.ask(f"  y/n (empty keeps {'y' if field_.value else 'n'})> "))
            answer = answer.strip().lower()[:1]
            if not answer:
                return as_typed(field_)
            if answer in ("y", "o", "n"):  # o: oui
                return "false" if answer == "n" else "true"
            self.hint("  answer y or n")

    async def ask_select(self, field_: Select, current: str) -> str:
        chosen = set(current.split(","))
        self.out.print(RichText(field_.label, style="bold"))
        for number, option in enumerate(field_.options, 1):
            mark = "*" if option.value in chosen else " "
            self.out.print(RichText(f"  {mark} {number}. {option.label}"))
        prompt = "  numbers, comma separated" if field_.multiple else "  number"
        while True:
            answer = (await self.ask(f"{prompt} (empty keeps *)> ")).strip()
            if not answer:
                return current
            parts = [part.strip() for part in answer.split(",") if part.strip()]
            if (all(p.isdigit() and 1 <= int(p) <= len(field_.options) for p in parts)
                    and (field_.multiple or len(parts) == 1)):
                return ",".join(field_.options[int(p) - 1].value for p in parts)
            self.hint(f"  choose {'numbers' if field_.multiple else 'a number'} "
                      f"from 1 to {len(field_.options)}")

    def switch(self, rest: str) -> None:
        parts = rest.split()
        if not parts or not _USER.match(parts[0]) or len(parts) > 3:
            self.hint("usage: as <user> [en|fr] [Area/City]")
            return
        user, options = parts[0], parts[1:]
        profile = self.console.profiles.get(user) or Profile(user.capitalize(),
                                                             self.rt.settings.default_locale,
                                                             self.rt.settings.default_timezone)
        for option in options:
            if option.lower() in ("en", "fr"):
                profile.locale = option.lower()
            elif valid_zone(option):
                profile.timezone = option
            else:
                self.hint(f"'{option}' is neither en/fr nor a time zone such as Europe/Paris")
                return
        self.console.profiles[user] = profile
        self.user = user
        self.hint(f"you are now {user} ({profile.locale}, {profile.timezone})")

    async def click(self, rest: str) -> None:
        if not rest.isdigit():
            self.hint("usage: click N (buttons are numbered [1], [2]...)")
            return
        try:
            url = await self.console.click(self.user, int(rest))
        except LookupError:
            self.hint(f"no button {rest} on your last card with buttons")
            return
        if url:
            self.out.print(RichText(f"(opens in a browser) {url}", style="blue"))
        await self.after_action()

    async def wait(self, rest: str) -> None:
        tz = ZoneInfo(self.console.profiles[self.user].timezone)
        try:
            until = parse_until(rest, self.clock.now(), tz)
        except BadTime:
            self.hint("usage: wait 2h | 1d | 2w | 2026-12-01T09:00 (units: h, d, w)")
            return
        if until - self.clock.now() > MAX_WAIT:
            self.hint("that is too far: wait at most 14 days at a time")
            return
        while self.clock.now() < until:
            self.clock.advance(min(STEP, until - self.clock.now()))
            await self.jobs.tick()
            if self.pending:
                self.out.rule(self.local_now(), style="dim")
                self.show_news()
        self.hint(f"it is now {self.local_now()}")

    async def open_link(self, rest: str) -> None:
        found = _TOKEN.search(rest)
        if not found:
            self.hint("usage: open https://.../r/<token> (a link from a share card)")
            return
        target = await follow(self.rt, found.group(1), BROWSER)
        if target is None:
            self.hint("unknown link (404)")
        else:
            self.out.print(RichText(f"302 → {target}", style="blue"))

    async def handle(self, line: str) -> bool:
        """Run one line; False when the person wants to leave."""
        word, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        command = word.lower()
        if not command:
            return True
        if command in ("quit", "exit"):
            return False
        if command == "help":
            self.out.print(RichText(HELP))
        elif command == "as":
            self.switch(rest)
        elif command == "join" and rest.startswith("#"):
            await self.console.join_channel(self.user, rest.split()[0])
            self.hint(f"{self.user} joined {rest.split()[0]}")
            await self.after_action()
        elif command == "click":
            await self.click(rest)
        elif command == "wait":
            await self.wait(rest)
        elif command == "open":
            await self.open_link(rest)
        else:
            await self.console.say(self.user, line.strip())
            await self.after_action()
        return True

    async def loop(self) -> None:
        while True:
            line = await self.reader.read(f"{self.user}> ")
            if line is None or not await self.handle(line):
                return


async def chat(args: argparse.Namespace) -> None:
    settings = Settings()
    user: str = args.user
    overrides: dict[str, object] = {"database_url": args.database_url or settings.database_url}
    made_admin = not settings.admins
    if made_admin:
        overrides["admins"] = [user]
    settings = settings.model_copy(update=overrides)
    clock = ManualClock(datetime.now(UTC))
    rt = await open_runtime(settings, clock)
    try:
        messenger = ConsoleMessenger()
        rt.messengers[messenger.platform] = messenger
        console = Console(Bot(rt), messenger)
        console.profiles[user] = Profile(user.capitalize(), args.locale,
                                         args.timezone or settings.default_timezone)
        session = Chat(rt, clock, console, Jobs(rt), RichConsole(highlight=False), user)
        messenger.listeners.append(session.on_post)
        session.out.print(RichText(
            f"Porte-Voix console on {make_url(settings.database_url).render_as_string()}\n"
            f"You are {user}; the clock is simulated and starts now ({session.local_now()}).\n"
            + (f"PORTEVOIX_ADMINS is empty, so {user} is an admin for this session.\n"
               if made_admin else "")
            + "Type 'help' for console commands, 'join' to volunteer.", style="green"))
        with contextlib.suppress(EndOfInput):
            await session.loop()
        session.out.print(RichText("Bye.", style="green"))
    finally:
        await rt.close()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="user", default="camille", metavar="USER",
                        help="who you are at first (default: camille)")
    parser.add_argument("--locale", choices=("en", "fr"), default="en",
                        help="that person's language (default: en)")
    parser.add_argument("--timezone", default=None, metavar="AREA/CITY",
                        help="that person's time zone (default: PORTEVOIX_DEFAULT_TIMEZONE)")
    parser.add_argument("--database-url", default=None,
                        help="default: PORTEVOIX_DATABASE_URL, else the SQLite file porte-voix.db")


def run(args: argparse.Namespace) -> int:
    if not _USER.match(args.user):
        print("--as takes a plain user id such as camille")
        return 2
    if args.timezone and not valid_zone(args.timezone):
        print(f"unknown time zone {args.timezone!r}; try Europe/Paris")
        return 2
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        asyncio.run(chat(args))
    except KeyboardInterrupt:
        print("\nBye.")
    return 0


command = CliCommand(name="chat", help="talk to the bot in a terminal (console adapter)",
                     configure=configure, run=run)
