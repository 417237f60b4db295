"""The demo's week: people join, react to nudges, share and get clicks while the jobs run."""

from __future__ import annotations

import heapq
import itertools
import random
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from aiohttp.test_utils import TestClient

from adapters.console.demo_people import BROWSERS, POSTS, PREVIEWERS, Person, edit, post_for
from adapters.console.transport import (
    Console,
    Message,
    Profile,
    as_typed,
    conversation_ref,
    dm_id,
)
from bot.cards import Card, Form, LinkPreview, Quote
from bot.clock import ManualClock
from bot.events import MessageRef
from scheduler.runner import Jobs

STEP = timedelta(minutes=30)
EARLY_VOLUNTEERS = 30
PREFS_TAKERS = 6
STOPPING = 3
DAY_FIGURES = ("volunteered", "nudged", "shared", "confirmed", "skipped", "not for me",
               "ignored", "too late", "clicks", "preview bots")
_LINK = re.compile(r"/r/([\w-]+)")

Action = Callable[[], Awaitable[None]]
# What the week reports as it goes: a sentence, and the card or form worth showing, if any.
Tell = Callable[[str, Card | Form | str | None, str], None]


def share_token(body: Card | str) -> str | None:
    """The tracked-link token quoted on a share card."""
    if isinstance(body, Card):
        for block in body.blocks:
            if isinstance(block, Quote) and (found := _LINK.search(block.text)):
                return found.group(1)
    return None


class Week:
    """A scripted, seeded week of a workspace, driven through the console adapter."""

    def __init__(self, console: Console, jobs: Jobs, clock: ManualClock, http: TestClient,
                 rng: random.Random, people: list[Person], admin: str, tell: Tell) -> None:
        self.console = console
        self.jobs = jobs
        self.clock = clock
        self.http = http
        self.rng = rng
        self.people = {person.user: person for person in people}
        self.admin = admin
        self.tell = tell
        self.agenda: list[tuple[datetime, int, Action]] = []
        self._order = itertools.count()
        self.arrived: list[tuple[str, Message]] = []
        self.volunteers: list[str] = []
        self.stopped: set[str] = set()
        self.today: Counter[str] = Counter()
        self.http_errors = 0
        self.shown: set[str] = set()
        console.messenger.listeners.append(self._on_post)

    def at(self, when: datetime, action: Action) -> None:
        heapq.heappush(self.agenda, (when, next(self._order), action))

    def first(self, what: str) -> bool:
        """True the first time `what` happens, so each kind of card is shown once."""
        if what in self.shown:
            return False
        self.shown.add(what)
        return True

    def _on_post(self, conversation_id: str, message: Message) -> None:
        if message.proactive:
            self.arrived.append((conversation_id, message))

    async def setup(self, admin_name: str) -> None:
        """Everyone joins their team's channel; the admin joins #people."""
        for person in self.people.values():
            self.console.profiles[person.user] = _profile(person)
            await self.console.join_channel(person.user, person.team)
        self.console.profiles[self.admin] = _profile(
            Person(self.admin, admin_name, "en", "Europe/Paris", "people"))
        await self.console.join_channel(self.admin, "people")
        self.tell(f"{len(self.people) + 1} people in #sales, #engineering and #people", None, "")

    def script(self, start: datetime, volunteers: list[Person]) -> None:
        """Opt-ins over Monday to Wednesday, the admin's posts, three stops, the stats."""
        takers = set(self.rng.sample([p.user for p in volunteers], PREFS_TAKERS))
        for index, person in enumerate(volunteers):
            day = 0 if index < EARLY_VOLUNTEERS else self.rng.choice((1, 2))
            steps = self.rng.randrange(8 if day == 0 else 16)  # from 08:00 UTC, half-hourly
            when = start + timedelta(days=day, hours=1) + steps * STEP
            self.at(when, partial(self.opt_in, person, person.user in takers))
        self.at(start + timedelta(hours=1, minutes=30), self.queue_posts)
        self.at(start + timedelta(days=2, hours=5), self.stops)
        self.at(start + timedelta(days=3, hours=2), self.stats)

    async def opt_in(self, person: Person, prefs: bool) -> None:
        french = person.locale == "fr"
        word = "rejoindre" if french else "join"
        await self.console.say(person.user, word)
        if self.first("charter"):
            self.tell(f"{person.name} writes \"{word}\" and reads the charter",
                      self.console.last(person.user), f"DM {person.user}")
        await self.console.click(person.user, 1)
        self.volunteers.append(person.user)
        self.today["volunteered"] += 1
        if prefs:
            await self.console.say(person.user, "préférences" if french else "prefs")
            if person.user in self.console.forms:
                await self.console.submit(person.user, weekly_cap="3", in_digest="true")

    async def queue_posts(self) -> None:
        await self.console.say(self.admin, "/voix set hashtag #LifeAtAtelierNord")
        for post in POSTS:
            await self.console.say(self.admin, post.command())
            answer = self.console.last(self.admin)
            self.tell(f"{self.admin} queues a post", answer.summary
                      if isinstance(answer, Card) else answer, "")

    async def stops(self) -> None:
        active = sorted(set(self.volunteers) - self.stopped)
        for user in self.rng.sample(active, STOPPING):
            french = self.people[user].locale == "fr"
            word = "arrêter" if french else "stop"
            await self.console.say(user, word)
            self.stopped.add(user)
            self.tell(f"{self.people[user].name} writes \"{word}\"", self.console.last(user),
                      f"DM {user}")

    async def stats(self) -> None:
        await self.console.say(self.admin, "/voix stats")
        self.tell(f"{self.admin} asks for the figures", self.console.last(self.admin),
                  f"DM {self.admin}")

    def react(self) -> None:
        """Decide what each person does with the nudges that just arrived, and when."""
        arrived, self.arrived = self.arrived, []
        for conversation_id, message in arrived:
            if not conversation_id.startswith(dm_id("")):
                self.tell(f"the weekly digest is posted in {conversation_id}", message.body,
                          conversation_id)
                continue
            user = conversation_id.removeprefix(dm_id(""))
            if not (isinstance(message.body, Card) and _actions(message.body) & {"nudge.pick"}):
                continue
            self.today["nudged"] += 1
            locale = self.people[user].locale
            if self.first(f"nudge-{locale}"):
                self.tell(f"{self.people[user].name} receives a nudge ({locale})", message.body,
                          f"DM {user}")
            when = self.clock.now() + STEP * self.rng.choice((1, 1, 2, 3, 6, 12))
            choice = self.rng.random()
            if choice < 0.55:
                self.at(when, partial(self.share, user, message))
            elif choice < 0.70:
                self.at(when, partial(self.press, user, message, "nudge.skip"))
            elif choice < 0.80:
                self.at(when, partial(self.press, user, message, "nudge.decline"))
            else:
                self.today["ignored"] += 1

    async def press(self, user: str, message: Message, action_id: str) -> None:
        if user in self.stopped or not isinstance(message.body, Card):
            return
        for button in message.body.buttons():
            if button.action_id == action_id:
                ref = MessageRef(conversation_ref(dm_id(user)), message.id)
                await self.console.press(user, action_id, button.value, ref)
                self.today["skipped" if action_id == "nudge.skip" else "not for me"] += 1
                return

    async def share(self, user: str, message: Message) -> None:
        """Pick a suggestion, make it one's own, share it, maybe confirm it was posted."""
        body = message.body
        if user in self.stopped or not isinstance(body, Card):
            return
        picks = [b for b in body.buttons()
                 if b.action_id == "nudge.pick" and not b.value.endswith(":own")]
        if not picks:
            return
        ref = MessageRef(conversation_ref(dm_id(user)), message.id)
        await self.console.press(user, "nudge.pick", self.rng.choice(picks).value, ref)
        form = self.console.forms.get(user)
        if form is None:
            self.today["too late"] += 1
            return
        suggestion = as_typed(form.inputs[0])
        url = next((b.url for b in body.blocks if isinstance(b, LinkPreview)), "")
        text = edit(self.rng, suggestion, post_for(url), self.people[user].locale)
        network = "x" if self.rng.random() < 0.2 else "linkedin"
        if text != suggestion and self.first("form"):
            self.tell(f"{self.people[user].name} picks a suggestion and edits it", form,
                      f"DM {user}")
        await self.console.submit(user, text=text, network=network)
        answer = await self.past_originality_check(user)
        token = share_token(answer)
        if token is None:
            self.tell(f"{self.people[user].name} could not share", answer, f"DM {user}")
            return
        self.today["shared"] += 1
        if self.first("share"):
            self.tell(f"{self.people[user].name} gets a tracked link", answer, f"DM {user}")
        self.schedule_clicks(token, network)
        buttons = self.console.buttons(user)
        if (self.rng.random() < 0.5 and len(buttons) >= 3
                and buttons[2][1].action_id == "share.posted"):
            await self.console.click(user, 3)
            self.today["confirmed"] += 1

    async def past_originality_check(self, user: str) -> Card | str:
        """The answer to a submitted text; one held as close to a colleague's is shared
        anyway, as a hurried person would."""
        answer = self.console.last(user)
        if not isinstance(answer, Card) or "share.anyway" not in [
                b.action_id for b in answer.buttons()]:
            return answer
        if self.first("close"):
            self.tell(f"{self.people[user].name}'s text is close to a colleague's", answer,
                      f"DM {user}")
        await self.console.click(user, 2)
        return self.console.last(user)

    def schedule_clicks(self, token: str, network: str) -> None:
        now = self.clock.now()
        if self.rng.random() < 0.7:
            self.at(now + timedelta(minutes=5), partial(self.visit, token, PREVIEWERS[network]))
        for _ in range(self.rng.randint(0, 8)):
            later = now + timedelta(minutes=self.rng.randrange(20, 48 * 60))
            self.at(later, partial(self.visit, token, self.rng.choice(BROWSERS)))

    async def visit(self, token: str, user_agent: str) -> None:
        """Open the tracked link over HTTP, as a browser or a link previewer would."""
        async with self.http.get(f"/r/{token}", allow_redirects=False,
                                 headers={"User-Agent": user_agent}) as response:
            if response.status != 302:
                self.http_errors += 1
                return
        self.today["preview bots" if user_agent in PREVIEWERS.values() else "clicks"] += 1

    async def run(self, until: datetime) -> None:
        """Step the clock: due actions, then every job once, then people's decisions."""
        while self.clock.now() < until:
            while self.agenda and self.agenda[0][0] <= self.clock.now():
                await heapq.heappop(self.agenda)[2]()
            await self.jobs.tick()
            self.react()
            before = self.clock.now()
            self.clock.advance(STEP)
            if self.clock.now().date() != before.date():
                self.close_day(before)
        self.close_day(self.clock.now())

    def close_day(self, day: datetime) -> None:
        figures = " · ".join(f"{what} {self.today[what]}" for what in DAY_FIGURES
                             if self.today[what])
        self.tell(f"{day:%a %d %b} — {figures or 'a quiet day'}", None, "")
        self.today.clear()


def _actions(card: Card) -> set[str]:
    return {button.action_id for button in card.buttons()}


def _profile(person: Person) -> Profile:
    return Profile(person.name, person.locale, person.timezone)
