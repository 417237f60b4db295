"""Team challenges for admins: `/voix challenge "<name>" --until <date> [--topics a,b]
[--kind job] [--goal N]` starts one, `/voix challenge` shows those running with their team
totals, `/voix challenge end [number]` ends one."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.audit import audit
from bot.cards import Block, Card, Footnote, Heading
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import Command
from bot.recognition.cards import challenge_points, last_day
from bot.recognition.challenges import Progress, all_progress, progress, running
from bot.router import router
from bot.services.post_input import BadPostInput, CommandParser
from bot.services.timeparse import BadTime, parse_until
from bot.voice.angles import KINDS
from storage.models import Challenge

MAX_TITLE = 200
MAX_GOAL = 100_000
MAX_TOPICS = 10
_TOPIC = re.compile(r"^[\w-]{1,50}$")
_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ENDS = ("end", "fin")


def _parser() -> CommandParser:
    parser = CommandParser("/voix challenge", "recognition.usage")
    parser.add_argument("title")
    parser.add_argument("--until", default="")
    parser.add_argument("--topics", default="")
    parser.add_argument("--kind", default="")
    parser.add_argument("--goal", default="")
    return parser


@router.command("challenge", "défi", "defi")
async def challenge_command(ctx: Context, event: Command) -> None:
    typed = rest_of(event.text)
    first, _, rest = typed.partition(" ")
    if not typed:
        await _show(ctx)
    elif first.lower() in _ENDS:
        await _end(ctx, rest.strip())
    else:
        await _start(ctx, typed)


def _topics(value: str) -> list[str]:
    topics = [t.strip().lstrip("#").lower() for t in value.split(",") if t.strip()]
    for topic in topics:
        if not _TOPIC.match(topic):
            raise UserError("recognition.bad_topic", topic=topic[:60])
    if len(topics) > MAX_TOPICS:
        raise UserError("recognition.bad_topic", topic=f"> {MAX_TOPICS}")
    return list(dict.fromkeys(topics))


def _goal(value: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or not 1 <= int(value) <= MAX_GOAL:
        raise UserError("recognition.bad_goal")
    return int(value)


async def _start(ctx: Context, typed: str) -> None:
    try:
        given = _parser().read(typed)
    except BadPostInput:
        raise UserError("recognition.usage") from None
    title = " ".join(given["title"].split())
    if not title or not given["until"].strip():
        raise UserError("recognition.usage")
    if len(title) > MAX_TITLE:
        raise UserError("recognition.title_too_long", limit=MAX_TITLE)
    until_text = given["until"].strip()
    try:
        ends = parse_until(until_text, ctx.now, ctx.tz)
    except BadTime:
        raise UserError("recognition.bad_until", value=until_text[:60]) from None
    if _BARE_DATE.match(until_text):  # "until 31 December" includes the 31st
        ends += timedelta(days=1)
    kind = given["kind"].strip().lower()
    if kind and kind not in KINDS:
        raise UserError("recognition.bad_kind", value=kind[:20], known=", ".join(KINDS))
    challenge = Challenge(workspace_id=ctx.workspace.id, title=title,
                          topics=_topics(given["topics"]), kind=kind,
                          goal=_goal(given["goal"]), starts_at=ctx.now, ends_at=ends,
                          created_by=ctx.member.id, created_at=ctx.now)
    ctx.session.add(challenge)
    await ctx.session.flush()
    audit(ctx, "challenge.start", challenge=challenge.id, title=title, topics=challenge.topics,
          kind=kind, goal=challenge.goal, until=ends.isoformat())
    await ctx.reply(ctx.say("recognition.started", title=title,
                            until=last_day(challenge, ctx.tz, ctx.locale)))


def _card(ctx: Context, found: list[Progress]) -> Card:
    title = ctx.say("recognition.running_title")
    blocks: list[Block] = [Heading(title)]
    for one in found:
        blocks.extend(challenge_points(ctx.say, ctx.locale, ctx.tz, [one]))
        blocks.append(Footnote(ctx.say("recognition.running_id", id=one.challenge.id)))
    return Card(summary=title, blocks=tuple(blocks))


async def _show(ctx: Context) -> None:
    found = await all_progress(ctx.session, ctx.workspace.id, ctx.now)
    if not found:
        await ctx.reply(ctx.say("recognition.none_running"))
        return
    await ctx.reply(_card(ctx, found))


async def _end(ctx: Context, which: str) -> None:
    current = await running(ctx.session, ctx.workspace.id, ctx.now)
    if not current:
        raise UserError("recognition.none_running")
    if not which:
        if len(current) > 1:
            raise UserError("recognition.which")
        chosen = current[0]
    else:
        by_id = {str(challenge.id): challenge for challenge in current}
        if which not in by_id:
            raise UserError("recognition.unknown", id=which[:20])
        chosen = by_id[which]
    total = (await progress(ctx.session, chosen)).total
    chosen.ends_at = ctx.now
    audit(ctx, "challenge.end", challenge=chosen.id, title=chosen.title, total=total)
    await ctx.reply(ctx.say("recognition.ended", title=chosen.title, total=total))
