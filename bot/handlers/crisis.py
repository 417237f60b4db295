"""Crisis mode for admins (`/voix crisis`, `/voix crisis end`) and volunteers' reports of a
worrying public post (`report <url> [note]`), which reach the admins at once."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from bot import crisis
from bot.audit import audit
from bot.cards import Actions, Block, Button, Card, Heading, LinkPreview, Quote, Text
from bot.context import Context, member_locale
from bot.dispatch_utils import link_then_words, rest_of
from bot.errors import UserError
from bot.events import Command, DirectMessage
from bot.refs import conversation_from_json
from bot.router import router
from bot.services.dates import day_and_month
from bot.services.post_input import BadPostInput, CommandParser
from bot.services.urls import MAX_URL_LENGTH, web_url
from bot.volunteers import is_volunteer
from bot.wakeups import CARDS, OUTBOX, PLAN
from storage.members import admins_of
from storage.models import AuditLog, Member

log = logging.getLogger(__name__)
MAX_BRIEF = 1000  # characters: a brief is a few factual sentences, not the statement itself
MAX_NOTE = 500
REPORTS_PER_DAY = 10  # per volunteer: each one reaches every admin's DM at once
_ENDS = ("end", "fin")


def _parser() -> CommandParser:
    parser = CommandParser("/voix crisis", "crisis.usage")
    parser.add_argument("brief")
    parser.add_argument("--link", default="")
    return parser


@router.command("crisis", "crise")
async def crisis_command(ctx: Context, event: Command) -> None:
    typed = rest_of(event.text)
    if typed.lower() in _ENDS:
        await _end(ctx)
        return
    try:
        given = _parser().read(typed)
    except BadPostInput:
        raise UserError("crisis.usage") from None
    brief = " ".join(given["brief"].split())
    if not brief:
        raise UserError("crisis.usage")
    if len(brief) > MAX_BRIEF:
        raise UserError("crisis.brief_too_long", limit=MAX_BRIEF)
    link = ""
    if given["link"]:
        link = web_url(given["link"], MAX_URL_LENGTH) or ""
        if not link:
            raise UserError("crisis.bad_link", url=given["link"][:100])
    workspace = ctx.workspace
    if workspace.crisis_since is not None:
        since = workspace.crisis_since.astimezone(ctx.tz).date()
        raise UserError("crisis.already", since=day_and_month(since, ctx.locale))
    was_paused = workspace.paused
    crisis.begin(workspace, brief, link, ctx.now)
    audit(ctx, "crisis.start", brief=brief, link=link, was_paused=was_paused)
    cards, people = await crisis.reach(ctx.session, workspace.id)
    ctx.wake(CARDS)
    await ctx.reply(ctx.say("crisis.started", cards=cards, volunteers=people))


async def _end(ctx: Context) -> None:
    if not crisis.in_crisis(ctx.workspace):
        raise UserError("crisis.no_crisis")
    resumes = crisis.finish(ctx.workspace)
    audit(ctx, "crisis.end", resumes=resumes)
    ctx.wake(CARDS, *((PLAN, OUTBOX) if resumes else ()))
    await ctx.reply(ctx.say("crisis.ended", resumes=resumes))


def report_card(ctx: Context, locale: str, reporter: Member, url: str, note: str) -> Card:
    """What an admin receives: who reported which post, and why."""
    def say(key: str, **values: object) -> str:
        return ctx.rt.texts.say(locale, key, **values)

    who = reporter.display_name or reporter.external_id
    blocks: list[Block] = [Heading(say("crisis.report_title")),
                           Text(say("crisis.report_from", who=who)),
                           LinkPreview(url, url)]
    if note:
        blocks.append(Quote(note))
    blocks.append(Actions((Button(say("crisis.report_open"), "crisis.report_open", url=url),)))
    return Card(summary=say("crisis.report_title"), blocks=tuple(blocks))


async def _reported_today(ctx: Context) -> int:
    return await ctx.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.actor_id == ctx.member.id, AuditLog.action == "report",
        AuditLog.at > ctx.now - timedelta(days=1))) or 0


@router.word("report", "signaler")
async def report(ctx: Context, event: DirectMessage) -> None:
    if not is_volunteer(ctx.member, ctx.rt.charter.version):
        raise UserError("volunteer.not_in")
    url, note = link_then_words(event.text, "crisis.report_usage", "crisis.report_bad_url")
    if len(note) > MAX_NOTE:
        raise UserError("crisis.report_note_too_long", limit=MAX_NOTE)
    if await _reported_today(ctx) >= REPORTS_PER_DAY:
        raise UserError("crisis.report_too_many", count=REPORTS_PER_DAY)
    audit(ctx, "report", url=url, note=note)
    await ctx.session.commit()  # recorded before anyone is told
    reached = 0
    for admin in await admins_of(ctx.session, ctx.workspace.id):
        target = conversation_from_json(admin.conversation)
        if target is not None:  # a refusal is logged; the audit log keeps the report
            reached += await ctx.tell(target, report_card(
                ctx, member_locale(admin, ctx.workspace), ctx.member, url, note),
                key=f"report-{ctx.member.id}-{admin.id}")
    log.info("report by member %s reached %s admin(s)", ctx.member.id, reached)
    await ctx.reply(ctx.say("crisis.report_thanks"))
