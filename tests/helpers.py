"""Shared steps for the console tests: queueing, reading replies and reading the database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from sqlalchemy import func, select

from adapters.console.render import card_to_text
from adapters.console.transport import Message, Profile
from bot.cards import Card, Copy, Form, Ideas, Quote, TextInput
from storage.models import (
    AuditLog,
    ConsentEvent,
    Delivery,
    DigestRun,
    Member,
    Post,
    Share,
    Workspace,
)
from tests.conftest import ADMIN, enlist

NEWS_URL = "https://example.com/news/new-office-in-lyon"
# What must never reach a person: a traceback, a raw error or an exception's class name.
_LEAK = re.compile(r"Traceback|Error:|\b\w+(Error|Exception)\b")


def says(rt, key: str, locale: str = "en", /, **values) -> str:
    """The message `key` as a person reading in `locale` sees it."""
    return rt.texts.say(locale, key, **values)


def last_text(console, user: str) -> str:
    return card_to_text(console.last(user))


def replies(console, user: str, since: int = 0) -> list[str]:
    return [card_to_text(message.body) for message in console.dm(user)[since:]]


def assert_polite(text: str) -> None:
    assert text.strip()
    assert not _LEAK.search(text), text


def assert_reads(console, rt, who: str, key: str, locale: str = "en", /, **values) -> None:
    """`who`'s latest message is `key` in their language (and French is not English)."""
    expected = says(rt, key, locale, **values)
    actual = last_text(console, who)
    assert actual == expected, f"{who} read {actual!r}, not {expected!r}"
    if locale != "en":
        assert expected != says(rt, key, "en", **values)
    assert_polite(expected)


TITLES = {"en": "New office in Lyon", "fr": "Nouveau bureau à Lyon"}


def titled(locale: str = "en", url: str = NEWS_URL, options: str = "") -> str:
    """`/voix queue` arguments for a post written in `locale`, which reaches its readers."""
    return f'{url} --title "{TITLES[locale]}" --lang {locale} {options}'.strip()


def speak(console, user: str, locale: str = "en", timezone: str = "Europe/Paris") -> None:
    console.profiles[user] = Profile(user.capitalize(), locale, timezone)


async def queue(console, args: str, admin: str = ADMIN) -> None:
    await console.say(admin, f"/voix queue {args}")


async def rows(rt, model, *where) -> list:
    async with rt.sessions() as session:
        return list((await session.scalars(select(model).where(*where).order_by(model.id))).all())


async def one(rt, model, *where):
    found = await rows(rt, model, *where)
    assert len(found) == 1, found
    return found[0]


async def member(rt, user: str) -> Member:
    return await one(rt, Member, Member.external_id == user)


async def count(rt, model, *where) -> int:
    async with rt.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def consents(rt, user: str) -> list[tuple[str, str | None]]:
    """The user's consent history: (kind, charter version), oldest first."""
    who = await member(rt, user)
    events = await rows(rt, ConsentEvent, ConsentEvent.member_id == who.id)
    return [(event.kind, event.charter_version) for event in events]


async def latest_post(rt) -> Post:
    return (await rows(rt, Post))[-1]


async def delivery_of(rt, user: str, post: Post | None = None) -> Delivery:
    who = await member(rt, user)
    where = [Delivery.member_id == who.id]
    if post is not None:
        where.append(Delivery.post_id == post.id)
    return await one(rt, Delivery, *where)


async def nudged(console, jobs, rt, user: str, *, locale: str = "en", team: str | None = None,
                 args: str = f'{NEWS_URL} --title "New office in Lyon" --topics offices '
                             '--points "200 jobs; opening in May"') -> tuple[Post, Delivery]:
    """`user` volunteers, the admin queues a post, the jobs run: the nudge is in their DM."""
    await enlist(console, user, locale=locale, team=team)
    await queue(console, args)
    await jobs.tick()
    post = await latest_post(rt)
    return post, await delivery_of(rt, user, post)


def nudge_message(console, user: str) -> Message:
    """The proactive nudge in the user's DM (the one sent by the outbox, updated in place)."""
    sent = [message for message in console.dm(user) if message.proactive]
    assert len(sent) == 1, [card_to_text(m.body) for m in sent]
    return sent[0]


def quotes(card: Card | str) -> list[str]:
    """The texts a card shows as someone's words: its quotes, the ideas offered and the
    text to copy."""
    assert isinstance(card, Card)
    return [text for block in card.blocks for text in (
        [block.text] if isinstance(block, Quote | Copy)
        else [idea.text for idea in block.ideas] if isinstance(block, Ideas) else [])]


def crafted_form(console, user: str, form_id: str, private: str = "", **values: str) -> None:
    """Put a hand-made form in front of `user`, as a forged or stale platform payload would."""
    console.forms[user] = Form(
        form_id=form_id, title="", submit_label="", private=private,
        inputs=tuple(TextInput(name, name, value) for name, value in values.items()),
    )


async def snapshot(rt) -> dict:
    """What admin commands may change: posts, deliveries, shares, admins, pause, digests, audit."""
    async with rt.sessions() as session:
        posts = (await session.execute(
            select(Post.id, Post.status, Post.title).order_by(Post.id))).all()
        deliveries = (await session.execute(
            select(Delivery.id, Delivery.status).order_by(Delivery.id))).all()
        admins = (await session.scalars(
            select(Member.external_id).where(Member.is_admin.is_(True)).order_by(Member.id))).all()
        paused = (await session.scalars(select(Workspace.paused))).all()
        audit = (await session.scalars(
            select(AuditLog.action).where(AuditLog.action != "denied").order_by(AuditLog.id))).all()
        return {
            "posts": list(posts), "deliveries": list(deliveries), "admins": list(admins),
            "paused": list(paused), "audit": list(audit),
            "shares": await session.scalar(select(func.count(Share.id))),
            "digests": await session.scalar(select(func.count(DigestRun.id))),
        }


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait for `condition` (a guard against hanging, not a measure of speed); it may be a
    coroutine function."""
    async with asyncio.timeout(timeout):
        while True:
            met = condition()
            if asyncio.iscoroutine(met):
                met = await met
            if met:
                return
            await asyncio.sleep(0.01)
