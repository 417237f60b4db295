"""A volunteer's own words: stop, pause, resume and me."""

from __future__ import annotations

from statistics import median

from sqlalchemy import func, select

from bot.cards import Card, Fact, Facts, Footnote, Heading, Text
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import DirectMessage
from bot.router import router
from bot.services.timeparse import BadTime, parse_until
from bot.volunteers import cancel_pending, is_volunteer, record_consent
from storage.models import Click, Post, Share

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
    ctx.member.paused_until = None
    record_consent(ctx.session, ctx.member, "resumed", ctx.now)
    await ctx.reply(ctx.say("volunteer.resumed"))


@router.word("me", "moi")
async def me(ctx: Context, event: DirectMessage) -> None:
    rows = (await ctx.session.execute(
        select(Share.id, Share.network, Share.edit_ratio, Share.confirmed, Post.title,
               func.count(Click.id).filter(Click.is_bot.is_(False)).label("clicks"))
        .join(Post, Post.id == Share.post_id)
        .outerjoin(Click, Click.share_id == Share.id)
        .where(Share.member_id == ctx.member.id)
        .group_by(Share.id, Share.network, Share.edit_ratio, Share.confirmed, Post.title)
        .order_by(Share.id.desc())
    )).all()
    if not rows:
        await ctx.reply(ctx.say("me.nothing_yet"))
        return
    clicks = sum(row.clicks for row in rows)
    authenticity = median(row.edit_ratio for row in rows)
    blocks: list = [
        Heading(ctx.say("me.title")),
        Facts((
            Fact(ctx.say("me.shares"), str(len(rows))),
            Fact(ctx.say("me.confirmed"), str(sum(1 for row in rows if row.confirmed))),
            Fact(ctx.say("me.clicks"), str(clicks)),
            Fact(ctx.say("me.authenticity"), f"{round(authenticity * 100)} %"),
        )),
        Text(ctx.say("me.authenticity_explained", ratio=authenticity)),
    ]
    for row in rows[:RECENT_SHARES]:
        blocks.append(Footnote(ctx.say("me.share_line", title=row.title,
                                       network=ctx.say(f"common.network_{row.network}"),
                                       clicks=row.clicks, ratio=row.edit_ratio)))
    await ctx.reply(Card(summary=ctx.say("me.title"), blocks=tuple(blocks)))
