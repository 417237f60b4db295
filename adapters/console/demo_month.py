"""The demo's month: some volunteers ignore every nudge, the others answer each one, and
the fatigue rule (bot/fatigue/) eases off for the first: fewer nudges, one question, one
check-in. Printed week by week."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from rich.console import Console as RichConsole
from rich.table import Table

from adapters.console.render import card_to_rich
from adapters.console.transport import (
    Console,
    ConsoleMessenger,
    Message,
    Profile,
    conversation_ref,
    dm_id,
)
from bot.cards import Card
from bot.clock import ManualClock
from bot.config import Settings
from bot.dispatch import Bot
from bot.events import MessageRef
from bot.runtime import open_runtime
from scheduler.runner import Jobs

START = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday, 08:00 in Paris
WEEKS = 5
STEP = timedelta(hours=2)
ACTIVE = ("ines", "omar", "lea", "theo")
IGNORING = ("hugo", "nina", "paul", "zoe")
POSTS_A_WEEK = 3
ADMIN = "camille"


class Month:
    """A small workspace over five weeks, driven through the console adapter."""

    def __init__(self, console: Console, jobs: Jobs, clock: ManualClock) -> None:
        self.console = console
        self.checkin = jobs.rt.texts.say("en", "fatigue.checkin")
        self.jobs = jobs
        self.clock = clock
        self.week = 0
        self.nudges: Counter[tuple[int, str]] = Counter()
        self.asked: dict[str, list[tuple[int, str, Card]]] = {"question": [], "checkin": []}
        self.waiting: list[tuple[str, Message]] = []
        console.messenger.listeners.append(self._on_post)

    def _on_post(self, conversation_id: str, message: Message) -> None:
        if not message.proactive or not isinstance(message.body, Card):
            return
        user = conversation_id.removeprefix("dm:")
        group = "active" if user in ACTIVE else "ignoring"
        actions = {button.action_id for button in message.body.buttons()}
        if "nudge.skip" in actions:
            self.nudges[self.week, group] += 1
            if user in ACTIVE:
                self.waiting.append((user, message))
        if "fatigue.keep" in actions:
            kind = "checkin" if message.body.summary == self.checkin else "question"
            self.asked[kind].append((self.week, user, message.body))

    async def run(self, start: datetime) -> None:
        self.console.profiles[ADMIN] = Profile("Camille Martin", "en", "Europe/Paris")
        for user in (*ACTIVE, *IGNORING):
            self.console.profiles[user] = Profile(user.capitalize(), "en", "Europe/Paris")
            await self.console.say(user, "join")
            await self.console.click(user, 1)
        for self.week in range(1, WEEKS + 1):
            for n in range(POSTS_A_WEEK):
                await self.console.say(
                    ADMIN, f"/voix queue https://example.com/week-{self.week}-{n} --title "
                           f"\"Week {self.week}, news {n + 1}\" --summary \"What is new.\"")
            until = start + timedelta(weeks=self.week)
            while self.clock.now() < until:
                await self.jobs.tick()
                for user, message in self.waiting:  # the active ones answer every nudge
                    await self.console.press(user, "nudge.skip", _value(message, "nudge.skip"),
                                             MessageRef(conversation_ref(dm_id(user)), message.id))
                self.waiting.clear()
                self.clock.advance(STEP)

    def table(self) -> Table:
        table = Table(title=f"A simulated month: {len(IGNORING)} volunteers ignore every "
                            f"nudge, {len(ACTIVE)} answer each one")
        for column in ("week", "nudges to the active", "nudges to the ignoring",
                       "questions asked", "check-ins"):
            table.add_column(column, justify="right")
        for week in range(1, WEEKS + 1):
            table.add_row(str(week), str(self.nudges[week, "active"]),
                          str(self.nudges[week, "ignoring"]),
                          str(sum(1 for w, _, _ in self.asked["question"] if w == week)),
                          str(sum(1 for w, _, _ in self.asked["checkin"] if w == week)))
        return table


def _value(message: Message, action_id: str) -> str:
    assert isinstance(message.body, Card)
    return next(b.value for b in message.body.buttons() if b.action_id == action_id)


async def simulate_month(folder: str, out: RichConsole, quiet: bool) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{folder}/month.db", admins=[ADMIN],
                        public_url="https://pv.example")
    clock = ManualClock(START)
    rt = await open_runtime(settings, clock)
    try:
        messenger = ConsoleMessenger()
        rt.messengers[messenger.platform] = messenger
        jobs = Jobs(rt)
        month = Month(Console(Bot(rt), messenger), jobs, clock)
        try:
            await month.run(START)
        finally:
            await jobs.close()
    finally:
        await rt.close()
    out.print(month.table())
    if quiet:
        return
    for kind, what in (("question", "after three nudges left"),
                       ("checkin", "after a month without any action")):
        if month.asked[kind]:
            week, user, card = month.asked[kind][0]
            out.print(f"Week {week}: {user.capitalize()} is asked, {what}:")
            out.print(card_to_rich(card, f"DM {user}"))
