"""A volunteer's own words: stop, pause, resume and me."""

from __future__ import annotations

from bot.cards import Block, Card, Fact, Facts, Footnote, Heading, Text
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import CardAction, DirectMessage
from bot.impact.cards import months_table
from bot.impact.figures import this_and_last
from bot.preferences import preferences
from bot.recognition.badges import Recognition, recognition
from bot.recognition.cards import recognition_blocks
from bot.recognition.challenges import all_progress
from bot.router import router
from bot.services.timeparse import BadTime, parse_until
from bot.stats import Impact, impact
from bot.texts import percent
from bot.volunteers import cancel_pending, is_volunteer, record_consent, resume_pending
from bot.wakeups import OUTBOX, PLAN

RECENT_SHARES = 5


async def stop_volunteer(ctx: Context) -> str:
    """The real stop: nothing more is sent. Returns what to tell them."""
    member = ctx.member
    if member.status != "active":
        return ctx.say("volunteer.not_in")
    member.status = "stopped"
    member.paused_until = None
    cancelled = await cancel_pending(ctx.session, member_id=member.id)
    record_consent(ctx.session, member, "stopped", ctx.now)
    return ctx.say("volunteer.stopped", cancelled=cancelled)


@router.word("stop", "arrêter", "arreter", "unsubscribe")
async def stop(ctx: Context, event: DirectMessage) -> None:
    await ctx.reply(await stop_volunteer(ctx))


@router.word("pause")
async def pause(ctx: Context, event: DirectMessage) -> None:
    if not is_volunteer(ctx.member, ctx.rt.charter.version):
        raise UserError("volunteer.not_in")
    when = rest_of(event.text)
    if not when:
        raise UserError("volunteer.pause_usage")
    try:
        until = parse_until(when, ctx.now, ctx.tz)
    except BadTime:
        raise UserError("volunteer.pause_usage") from None
    ctx.member.paused_until = until
    record_consent(ctx.session, ctx.member, "paused", ctx.now)
    local = until.astimezone(ctx.tz)
    await ctx.reply(ctx.say("volunteer.paused", until=local.strftime("%Y-%m-%d %H:%M")))


@router.word("resume", "reprendre")
async def resume(ctx: Context, event: DirectMessage) -> None:
    if ctx.member.paused_until is None or ctx.member.paused_until <= ctx.now:
        await ctx.reply(ctx.say("volunteer.not_paused"))
        return
    await resume_pending(ctx.session, ctx.member.id, ctx.member.paused_until, ctx.now)
    ctx.member.paused_until = None
    record_consent(ctx.session, ctx.member, "resumed", ctx.now)
    ctx.wake(PLAN, OUTBOX)
    await ctx.reply(ctx.say("volunteer.resumed"))


def impact_facts(ctx: Context, figures: Impact) -> Facts:
    authenticity = figures.authenticity or 0.0
    return Facts((
        Fact(ctx.say("me.shares"), str(len(figures.shares))),
        Fact(ctx.say("me.confirmed"), str(figures.confirmed)),
        Fact(ctx.say("me.clicks"), str(figures.clicks)),
        Fact(ctx.say("me.authenticity"), percent(authenticity, ctx.locale)),
    ))


async def recognised(ctx: Context, figures: Impact) -> list[Block]:
    """This month beside the last, their badges and streak, and the team challenges running:
    what `me` and the App Home show beside the totals."""
    progresses = await all_progress(ctx.session, ctx.workspace.id, ctx.now)
    if not figures.shares:
        return recognition_blocks(ctx.say, ctx.locale, ctx.tz, Recognition({}, 0), progresses)
    months = await this_and_last(ctx.session, ctx.member.id, ctx.now, ctx.tz)
    mine = await recognition(ctx.session, ctx.member.id, ctx.now, ctx.tz)
    in_digest = preferences(ctx.member.prefs, ctx.workspace.weekly_cap).in_digest
    return [months_table(ctx.say, ctx.locale, months,
                         (ctx.say("impact.this_month"), ctx.say("impact.last_month"))),
            *recognition_blocks(ctx.say, ctx.locale, ctx.tz, mine, progresses),
            *([Footnote(ctx.say("recognition.shown_to", in_digest=in_digest))]
              if mine.earned else [])]


@router.word("me", "moi")
async def me(ctx: Context, event: DirectMessage) -> None:
    figures = await impact(ctx.session, ctx.member.id)
    more = await recognised(ctx, figures)
    if not figures.shares and not more:
        await ctx.reply(ctx.say("me.nothing_yet"))
        return
    if not figures.shares:
        await ctx.reply(Card(summary=ctx.say("me.title"), blocks=(
            Heading(ctx.say("me.title")), Text(ctx.say("me.nothing_yet")), *more)))
        return
    blocks: list[Block] = [
        Heading(ctx.say("me.title")),
        impact_facts(ctx, figures),
        Text(ctx.say("me.authenticity_explained", ratio=figures.authenticity)),
        *more,
    ]
    for share in figures.shares[:RECENT_SHARES]:
        blocks.append(Footnote(ctx.say("me.share_line", title=share.title,
                                       network=ctx.say(f"common.network_{share.network}"),
                                       clicks=share.clicks, ratio=share.edit_ratio)))
    await ctx.reply(Card(summary=ctx.say("me.title"), blocks=tuple(blocks)))


@router.action("volunteer.stop")
async def stop_button(ctx: Context, event: CardAction) -> None:
    await stop(ctx, DirectMessage(event.actor, "stop", event.conversation))
