"""Every kind of card and form Porte-Voix sends, with realistic data, in English and French.

Nothing here builds a card: a workspace on the console platform, on a temporary SQLite
database, is driven the way people use it (volunteers join and accept the charter, an
admin queues a post, the jobs plan, draft and send the nudges, a volunteer edits and
shares an idea, another one's text comes too close to a colleague's, a third skips; then
stats, lists, settings, the digest), and each card or form is taken as the real code sent
it. The one thing no code of ours writes is the AI model's words: a scripted model answers
the drafts job with one draft, which the real checks accept (or the catalog says so), so
the nudge shows two of the engine's ideas and one AI draft.

`build()` gives the samples; `teams_json()` and `slack_json()` turn one into what the
adapters send (adapters/teams/render.py, adapters/slack/render.py).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from adapters.console.transport import (
    Console,
    ConsoleMessenger,
    Profile,
    conversation_ref,
    dm_id,
)
from adapters.slack.render import render_blocks, render_modal
from adapters.teams.render import DIALOG_WIDTH, render_card, render_form
from bot.cards import Card, Form
from bot.clicks import follow
from bot.clock import ManualClock
from bot.config import Settings
from bot.dispatch import Bot
from bot.events import MessageRef
from bot.runtime import Runtime, open_runtime
from bot.texts import Texts
from bot.voice.ai.client import Answer
from bot.voice.ai.writer import Writer
from bot.voice.stored import AI, stored
from cards.render import TEAMS_WIDTH
from scheduler.drafts import Drafter
from scheduler.runner import Jobs
from storage.models import Delivery, Share

LOCALES = ("en", "fr")
# In the order the screenshots and the report list them.
KINDS = (
    "charter", "welcome", "home-newcomer", "help", "nudge", "edit-form", "edit-refused",
    "share",
    "share-close", "posted", "nudge-done", "prefs-form", "me", "home", "digest", "digest-weeks",
    "admin-help", "admin-stats", "admin-list", "admin-settings", "admin-teams",
    "admin-dashboard", "queue-form",
    "queued", "draft", "impact-milestone", "impact-month", "challenges", "admin-works",
    "fatigue-checkin",
)
FORMS = frozenset({"edit-form", "edit-refused", "prefs-form", "queue-form"})

ADMIN = "camille"
READER = "29:1catalog-reader"  # the Teams id a personal chat's cards refresh for
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
MONTH_NOTE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # December's first working day, 10:00
LATER_SENT = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # the later post is out
SILENT_MONTH = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday, 10:00, after the holidays
CHALLENGES = {"en": "Tell people about Lyon", "fr": "Faisons connaître Lyon"}
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0 Safari/537.36")


@dataclass(frozen=True)
class Sample:
    """One card or form as the code made it, and where a person meets it."""

    kind: str
    locale: str
    body: Card | Form

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.locale}"


@dataclass(frozen=True)
class People:
    team: str
    names: dict[str, str]  # user -> display name
    newcomer: str


@dataclass(frozen=True)
class Story:
    """The workspace's data in one language."""

    people: People
    post: str  # `/voix queue` arguments
    later: str  # a second post, scheduled for Thursday
    from_url: str  # a URL alone: its title is made from the URL, so it waits as a draft
    ai_draft: str  # what the scripted model writes
    edited: str  # how the first volunteer rewrites the idea they picked
    about: str  # what the first volunteer says of their work in their preferences
    blocked: str  # a term the charter keeps out of posts, typed once by the first volunteer


STORIES = {
    "en": Story(
        People("sales", {"alice": "Alice Moreau", "bruno": "Bruno Keller",
                         "chloe": "Chloé Martin"}, "dana"),
        post=('https://example.com/news/lyon-office --title "We are opening an office in Lyon" '
              '--summary "Our third office opens in May near Part-Dieu station, with room for '
              '200 people in engineering and customer success." '
              '--points "200 jobs over two years; Opening in May; Three days a week on site" '
              '--hashtags "lyon, hiring" --topics "offices, jobs" --lang en --kind news'),
        later=('https://example.com/blog/green-it --title "How we cut our data centre energy '
               'by a third" --summary "What we changed in a year, and what it saved." '
               '--topics "tech" --lang en --at 2026-12-03T09:00'),
        from_url="https://example.com/careers/graduate-programme-2027",
        ai_draft=("Lyon, here we come! Our third office opens in May near Part-Dieu station, "
                  "with room for 200 people in engineering and customer success. If you know "
                  "someone who would love to join us there, send them my way."),
        edited=("Big news for Lyon: we open our third office there in May, right by Part-Dieu. "
                "200 jobs over two years in engineering and customer success. Happy to tell "
                "anyone curious what it is like to work with us!"),
        about="I help customers in France and Belgium get started with our platform",
        blocked="Project Falcon",
    ),
    "fr": Story(
        People("ventes", {"alice": "Alice Moreau", "bruno": "Bruno Keller",
                          "chloe": "Chloé Martin"}, "dana"),
        post=('https://example.com/actualites/bureau-lyon --title "Nous ouvrons un bureau à '
              'Lyon" --summary "Notre troisième bureau ouvre en mai près de la gare Part-Dieu, '
              'avec de la place pour 200 personnes en ingénierie et en relation client." '
              '--points "200 postes en deux ans; Ouverture en mai; Trois jours par semaine sur '
              'place" --hashtags "lyon, recrutement" --topics "bureaux, emploi" --lang fr '
              '--kind news'),
        later=('https://example.com/blog/green-it --title "Comment nous avons réduit d’un tiers '
               'l’énergie de nos centres de données" --summary "Ce que nous avons changé en un '
               'an, et ce que cela a permis d’économiser." --topics "tech" --lang fr '
               '--at 2026-12-03T09:00'),
        from_url="https://example.com/carrieres/programme-jeunes-diplomes-2027",
        ai_draft=("Lyon, nous voilà ! Notre troisième bureau ouvre en mai près de la gare "
                  "Part-Dieu, avec de la place pour 200 personnes en ingénierie et en relation "
                  "client. Si vous connaissez quelqu’un que cela tenterait, parlez-lui de "
                  "nous."),
        edited=("Belle nouvelle pour Lyon : nous y ouvrons notre troisième bureau en mai, juste "
                "à côté de la Part-Dieu. 200 postes en deux ans en ingénierie et en relation "
                "client. Je raconte volontiers à qui veut ce que c’est de travailler chez nous !"),
        about="J’accompagne nos clients en France et en Belgique dans leurs débuts",
        blocked="Projet Faucon",
    ),
}


class ScriptedModel:
    """Stands in for the AI model (bot/voice/ai/client.py's Model): one draft per delivery.
    The writer, the checks and the drafts job around it are the real ones."""

    name = "catalog"

    def __init__(self, draft: str) -> None:
        self.draft = draft

    async def ask(self, messages: list[dict[str, str]]) -> Answer:
        return Answer([self.draft], prompt_tokens=400, completion_tokens=80)

    async def close(self) -> None:
        return None


class Workspace:
    """The console workspace being driven, and what its people were shown."""

    def __init__(self, rt: Runtime, clock: ManualClock, locale: str) -> None:
        self.rt, self.clock, self.locale = rt, clock, locale
        self.messenger = ConsoleMessenger()
        rt.messengers[self.messenger.platform] = self.messenger
        self.console = Console(Bot(rt), self.messenger)
        self.samples: dict[str, Card | Form] = {}

    def person(self, user: str, name: str) -> None:
        self.console.profiles[user] = Profile(name, self.locale, "Europe/Paris")

    async def shown(self, user: str, act: Callable[[], Awaitable[object]],
                    conversation: str | None = None) -> Card:
        """The card that `act` posted or put in place of another, in `user`'s DM (or in
        `conversation`)."""
        where = conversation or f"dm:{user}"
        before = {m.id: m.body for m in self.messenger.conversations.get(where, [])}
        await act()
        changed = [m.body for m in self.messenger.conversations.get(where, [])
                   if before.get(m.id) is not m.body and isinstance(m.body, Card)]
        if not changed:
            texts = [m.body for m in self.messenger.conversations.get(where, [])][-2:]
            raise LookupError(f"no card shown to {user} ({texts!r})")
        last = changed[-1]
        assert isinstance(last, Card)  # for mypy: the filter above kept cards only
        return last

    def keep(self, kind: str, body: Card | Form) -> None:
        if kind not in KINDS:
            raise KeyError(kind)
        self.samples[kind] = body

    def form(self, user: str) -> Form:
        form = self.console.forms.get(user)
        if form is None:
            raise LookupError(f"no form open for {user}")
        return form

    async def click(self, user: str, action_id: str, which: int = 0) -> None:
        """Press the `which`-th button with `action_id` on the latest card that has one."""
        for message in reversed(self.console.dm(user)):
            if not isinstance(message.body, Card):
                continue
            buttons = [b for b in message.body.buttons() if b.action_id == action_id]
            if len(buttons) > which:
                ref = MessageRef(conversation_ref(dm_id(user)), message.id)
                await self.console.press(user, action_id, buttons[which].value, ref)
                return
        raise LookupError(f"no {action_id!r} button for {user}")

    async def press(self, user: str, action_id: str, which: int = 0) -> Card:
        """The card that pressing the button shows."""
        return await self.shown(user, lambda: self.click(user, action_id, which))

    async def say(self, user: str, text: str) -> Card:
        return await self.shown(user, lambda: self.console.say(user, text))


async def _story(ws: Workspace, story: Story) -> None:
    console, people = ws.console, story.people
    ws.person(ADMIN, "Camille Martin")
    ws.person(people.newcomer, "Dana Weiss")
    for user, name in people.names.items():
        ws.person(user, name)
    await console.say(ADMIN, "/voix set ai on")
    await console.say(ADMIN, "/voix set hashtag #ad")
    await console.say(ADMIN, f"/voix set blocked {story.blocked}")

    users = list(people.names)
    for index, user in enumerate(users):
        await console.join_channel(user, people.team)
        charter = await ws.say(user, "join")
        welcome = await ws.press(user, "charter.accept")
        if index == 0:
            ws.keep("charter", charter)
            ws.keep("welcome", welcome)
    ws.keep("home-newcomer", await ws.shown(people.newcomer,
                                            lambda: console.open_home(people.newcomer)))
    ws.keep("help", await ws.say(users[0], "help"))

    for user in users[:2]:  # they choose to be thanked by name in the digest
        await console.say(user, "prefs" if ws.locale == "en" else "préférences")
        if user == users[0]:
            ws.keep("prefs-form", ws.form(user))
        await console.submit(user, in_digest="true", about=story.about if user == users[0] else "",
                             role="Customer success manager" if ws.locale == "en"
                             else "Chargée de relation client")

    ws.keep("queued", await ws.say(ADMIN, f"/voix queue {story.post}"))
    await _send_nudges(ws, story)

    alice, bruno, chloe = users
    nudge = _nudge_of(ws, alice)
    ws.keep("nudge", nudge)
    await ws.click(alice, "nudge.pick", 0)  # the AI draft: the first idea
    ws.keep("edit-form", ws.form(alice))
    await console.submit(alice, text=story.edited + " " + story.blocked)
    ws.keep("edit-refused", ws.form(alice))  # the form again as typed, the reason beside it
    share = await ws.shown(alice, lambda: console.submit(alice, text=story.edited))
    ws.keep("share", share)
    ws.keep("nudge-done", _nudge_of(ws, alice))
    ws.keep("posted", await ws.press(alice, "share.posted"))

    await ws.click(bruno, "nudge.pick", 1)
    close = await ws.shown(bruno, lambda: console.submit(bruno, text=story.edited + " 🙂"))
    ws.keep("share-close", close)
    await ws.click(bruno, "share.anyway")
    await ws.click(chloe, "nudge.skip")
    await _clicks(ws)
    ws.keep("impact-milestone", await ws.shown(alice, lambda: _impact(ws)))
    await console.say(ADMIN, f'/voix challenge "{CHALLENGES[ws.locale]}" --until 2026-12-31 '
                             "--kind news --goal 10")
    ws.keep("challenges", await ws.say(ADMIN, "/voix challenge"))

    ws.clock.advance(timedelta(hours=2))
    ws.keep("me", await ws.say(alice, "me" if ws.locale == "en" else "moi"))
    ws.keep("home", await ws.shown(alice, lambda: console.open_home(alice)))

    await console.say(ADMIN, f"/voix queue {story.later}")
    ws.keep("draft", await ws.say(ADMIN, f"/voix queue {story.from_url}"))
    ws.keep("admin-help", await ws.say(ADMIN, "/voix help"))
    ws.keep("admin-stats", await ws.say(ADMIN, "/voix stats"))
    ws.keep("admin-works", await ws.press(ADMIN, "admin.stats.works"))
    ws.keep("admin-list", await ws.say(ADMIN, "/voix list"))
    ws.keep("admin-settings", await ws.say(ADMIN, "/voix settings"))
    ws.keep("admin-teams", await ws.say(ADMIN, "/voix teams"))
    ws.keep("admin-dashboard", await ws.say(ADMIN, "/voix dashboard"))
    await console.say(ADMIN, "/voix queue")
    ws.keep("queue-form", ws.form(ADMIN))
    ws.keep("digest", await ws.shown(ADMIN, lambda: console.say(ADMIN, "/voix digest now"),
                                     conversation="#" + people.team))
    ws.clock.advance(timedelta(days=7))  # the next digest reads its week against this one
    ws.keep("digest-weeks", await ws.shown(
        ADMIN, lambda: console.say(ADMIN, "/voix digest now"), conversation="#" + people.team))
    ws.clock.set(MONTH_NOTE)  # November's note (the story's shares were on 30 November)
    ws.keep("impact-month", await ws.shown(alice, lambda: _impact(ws)))
    ws.keep("fatigue-checkin", await ws.shown(alice, lambda: _silent_month(ws)))


async def _impact(ws: Workspace) -> None:
    """The impact job's run (scheduler/impact.py), as `serve` runs it."""
    jobs = Jobs(ws.rt)
    try:
        await jobs.impact()
    finally:
        await jobs.close()


async def _silent_month(ws: Workspace) -> None:
    """The later post reaches them; a month on, nobody has acted: the fatigue job's check-in."""
    jobs = Jobs(ws.rt)
    try:
        ws.clock.set(LATER_SENT)
        await jobs.plan()
        ws.clock.advance(timedelta(seconds=ws.rt.settings.llm_lead + 1))
        await jobs.send()
        ws.clock.set(SILENT_MONTH)
        await jobs.fatigue()
    finally:
        await jobs.close()


async def _send_nudges(ws: Workspace, story: Story) -> None:
    """The jobs as `serve` runs them: plan (with the drafts' lead), draft, then send."""
    jobs = Jobs(ws.rt)
    try:
        if jobs.drafter is not None:  # the configured model: the scripted one instead
            await jobs.drafter.close()
        writer = Writer(ws.rt.settings, ws.rt.texts, lambda: 0.0,
                        model=ScriptedModel(story.ai_draft))  # type: ignore[arg-type]
        jobs.drafter = Drafter(ws.rt, writer)
        await jobs.plan()
        await jobs.draft()
        ws.clock.advance(timedelta(seconds=ws.rt.settings.llm_lead + 1))
        await jobs.send()
    finally:
        await jobs.close()
    async with ws.rt.sessions() as session:
        deliveries = (await session.scalars(select(Delivery))).all()
    sources = [[s.source for s in stored(list(d.suggestions))] for d in deliveries]
    if not any(AI in found for found in sources):
        raise RuntimeError(f"the scripted AI draft was refused by the checks: {sources}")


def _nudge_of(ws: Workspace, user: str) -> Card:
    sent = [m.body for m in ws.console.dm(user) if m.proactive and isinstance(m.body, Card)]
    if not sent:
        raise LookupError(f"no nudge reached {user}")
    last = sent[-1]
    assert isinstance(last, Card)
    return last


async def _clicks(ws: Workspace) -> None:
    """People open the shared links: the figures of stats, me and the digest."""
    async with ws.rt.sessions() as session:
        tokens = (await session.scalars(select(Share.link_token).order_by(Share.id))).all()
    for token, count in zip(tokens, (7, 3), strict=False):
        for _ in range(count):
            await follow(ws.rt, token, BROWSER)
            ws.clock.advance(timedelta(minutes=9))


async def _build(locale: str, folder: Path) -> list[Sample]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{folder}/catalog-{locale}.db", admins=[ADMIN],
        public_url="https://pv.example", default_locale=locale,
        default_timezone="Europe/Paris", llm_url="http://127.0.0.1:9/v1",
        llm_model="catalog", link_secret=SecretStr("catalog-link-secret-" * 2))
    clock = ManualClock(START)
    rt = await open_runtime(settings, clock)
    try:
        ws = Workspace(rt, clock, locale)
        await _story(ws, STORIES[locale])
    finally:
        await rt.close()
    missing = [kind for kind in KINDS if kind not in ws.samples]
    if missing:
        raise LookupError(f"catalog ({locale}): no {missing}")
    return [Sample(kind, locale, ws.samples[kind]) for kind in KINDS]


def build(locales: tuple[str, ...] = LOCALES) -> list[Sample]:
    """Every kind in every language, made by the real code (a few seconds)."""
    async def run() -> list[Sample]:
        with tempfile.TemporaryDirectory(prefix="porte-voix-cards-") as folder:
            return [sample for locale in locales for sample in await _build(locale, Path(folder))]
    return asyncio.run(run())


def teams_json(sample: Sample, texts: Texts) -> dict[str, Any]:
    """The Adaptive Card the Teams adapter sends for it: a card in a personal chat (Universal
    Actions, refreshed for its reader), a form as the dialog it opens in."""
    if isinstance(sample.body, Form):
        return render_form(sample.body, dialog=True,
                           required_message=texts.say(sample.locale, "common.required"))
    return render_card(sample.body, execute=True, viewers=(READER,))


def teams_width(sample: Sample) -> int:
    return DIALOG_WIDTH if isinstance(sample.body, Form) else TEAMS_WIDTH


def slack_json(sample: Sample, texts: Texts) -> dict[str, Any]:
    """What the Slack adapter sends for it: a message's blocks, or a modal view."""
    if isinstance(sample.body, Form):
        return render_modal(sample.body, callback_id=sample.body.form_id,
                            private_metadata=sample.body.private,
                            close_label=texts.say(sample.locale, "common.cancel"))
    return {"blocks": render_blocks(sample.body)}
