"""A console platform that fails on chosen sends, and steps shared by the scheduler tests.

`FlakyMessenger` fakes the platform at its boundary: it answers a send with the
SendError a real platform would cause (429, 5xx, user gone) and otherwise lets the
console messenger deliver, so the conversations stay readable.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from typing import Any

from adapters.console.transport import ConsoleMessenger
from bench.fake_model import FakeModel, Reply
from bot.cards import Card
from bot.config import Settings
from bot.events import ConversationRef, MessageRef
from bot.ports import SendError
from bot.runtime import Runtime
from storage.models import Delivery, Member, Post, Share
from tests.conftest import ADMIN
from tests.helpers import rows


class FlakyMessenger:
    """Raises the scripted errors in turn (None lets a send through), then `always`."""

    platform = "console"
    rate_per_target: float | None = None
    rate_per_workspace: float | None = None
    lookup_rate_per_workspace: float | None = None

    def __init__(self, inner: ConsoleMessenger, script: Iterable[SendError | None] = (),
                 always: SendError | None = None) -> None:
        self.inner = inner
        self.script = list(script)
        self.always = always
        self.calls: list[str] = []

    async def send(self, target: ConversationRef, card: Card, *, key: str) -> MessageRef:
        self.calls.append(key)
        error = self.script.pop(0) if self.script else self.always
        if error is not None:
            raise error
        return await self.inner.send(target, card, key=key)

    async def update(self, ref: MessageRef, card: Card) -> None:
        await self.inner.update(ref, card)

    async def find_sent(self, target: ConversationRef, key: str, since: datetime,
                        until: datetime | None = None) -> MessageRef | None:
        return await self.inner.find_sent(target, key, since, until)


def install_flaky(rt: Runtime, inner: ConsoleMessenger, script: Iterable[SendError | None] = (),
                  always: SendError | None = None) -> FlakyMessenger:
    """Put a failing platform in place of the console for the jobs' proactive sends."""
    flaky = FlakyMessenger(inner, script, always)
    rt.messengers[flaky.platform] = flaky
    return flaky


async def members_by_user(rt: Runtime) -> dict[str, Member]:
    return {member.external_id: member for member in await rows(rt, Member)}


async def queue_post(console: Any, slug: str, options: str = "") -> Post:
    """The admin queues https://example.com/<slug> with a title; returns the stored post."""
    before = {post.id for post in await rows(console.bot.rt, Post)}
    await console.say(ADMIN, f"/voix queue https://example.com/{slug} "
                             f"--title \"News {slug}\" {options}")
    created = [p for p in await rows(console.bot.rt, Post) if p.id not in before]
    assert len(created) == 1, console.last(ADMIN)
    return created[0]


async def user_deliveries(rt: Runtime, user: str) -> list[Delivery]:
    member = (await members_by_user(rt))[user]
    return await rows(rt, Delivery, Delivery.member_id == member.id)


async def set_prefs(console: Any, user: str, **values: str) -> None:
    """Open the preferences form the way a volunteer does and save it with `values`."""
    await console.say(user, "prefs")
    await console.submit(user, **values)
    assert (await members_by_user(console.bot.rt))[user].prefs, console.last(user)


async def share_nudge(console: Any, user: str, words: str = " In my own words.") -> Share:
    """Use the first suggestion of the user's latest nudge, add `words`, share it."""
    await console.click(user, 1)
    form = console.forms[user]
    await console.submit(user, text=form.inputs[0].value + words)
    member = (await members_by_user(console.bot.rt))[user]
    shares = await rows(console.bot.rt, Share, Share.member_id == member.id)
    return max(shares, key=lambda share: share.id)


# Three drafts an AI model may write for any post: no fact, name or figure of their own.
IDEAS = ("The news I was waiting for: I am glad to pass it on to everyone I know.",
         "Here is something I am proud to share, and it reads better than I could say it.",
         "A good reason to look at what we do, told better than I would tell it myself.")


@contextlib.asynccontextmanager
async def model_serving(reply: Callable[[dict[str, Any]], Reply]) -> AsyncIterator[FakeModel]:
    """An OpenAI-compatible model on 127.0.0.1 answering each request with `reply(body)`."""
    fake = FakeModel(reply)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def model_settings(database_url: str, model: FakeModel, **more: Any) -> Settings:
    """The tests' settings, with `model` as the workspace's AI writer."""
    return Settings(database_url=database_url, admins=[ADMIN], public_url="https://pv.example",
                    llm_url=model.url, llm_model="tiny", **more)
