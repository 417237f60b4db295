"""A volunteer's own words: stop, pause, resume and me."""

from __future__ import annotations

from bot.cards import Block, Card, Fact, Facts, Footnote, Heading, Text
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import CardAction, DirectMessage
from bot.router import router
from bot.services.timeparse import BadTime, parse_until
from bot.stats import Impact, impact
from bot.texts import percent
from bot.volunteers import cancel_pending, is_volunteer, record_consent, resume_pending
from bot.wakeups import OUTBOX, PLAN

RECENT_SHARES = 5


@router.word("stop", "arrêter", "arreter", "unsubscribe")
async def stop(ctx: Context, event: DirectMessage) -> None:
    member = ctx.member
    if member.status != "active":
        await ctx.reply(ctx.say("volunteer.not_in"))
        return
    member.status = "stopped"
    member.paused_until = None
    cancelled = await cancel_pending(ctx.session, member_id=member.id)
    record_consent(ctx.session, member, "stopped", ctx.now)
    await ctx.reply(ctx.say("volunteer.stopped", cancelled=cancelled))


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


@router.word("me", "moi")
async def me(ctx: Context, event: DirectMessage) -> None:
    figures = await impact(ctx.session, ctx.member.id)
    if not figures.shares:
        await ctx.reply(ctx.say("me.nothing_yet"))
        return
    blocks: list[Block] = [
        Heading(ctx.say("me.title")),
        impact_facts(ctx, figures),
        Text(ctx.say("me.authenticity_explained", ratio=figures.authenticity)),
    ]
    for share in figures.shares[:RECENT_SHARES]:
        blocks.append(Footnote(ctx.say("me.share_line", title=share.title,
                                       network=ctx.say(f"common.network_{share.network}"),
                                       clicks=share.clicks, ratio=share.edit_ratio)))
    await ctx.reply(Card(summary=ctx.say("me.title"), blocks=tuple(blocks)))


@router.action("volunteer.stop")
async def stop_button(ctx: Context, event: CardAction) -> None:
    await stop(ctx, DirectMessage(event.actor, "stop", event.conversation))
