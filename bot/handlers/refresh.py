"""A card rebuilt as the person reading it should see it now (Teams' Universal Actions
refresh): a nudge still open, on hold during a crisis, or what became of it (shared,
skipped, withdrawn)."""

from __future__ import annotations

from sqlalchemy import select

from bot.cards import Card
from bot.context import Context
from bot.crisis import held_card, in_crisis
from bot.dispatch_utils import parse_id
from bot.events import CardAction
from bot.nudges import NUDGE_REFRESH, composed_card, done_card, withdrawn, withdrawn_card
from bot.router import router
from bot.voice.compose import Batch
from storage.models import Delivery, Post, Share

OPEN = ("sending", "sent")  # a nudge shown that nobody acted upon yet


async def _nudge_now(ctx: Context, raw_id: str) -> Card | None:
    delivery_id = parse_id(raw_id)
    delivery = await ctx.session.get(Delivery, delivery_id) if delivery_id else None
    if delivery is None or delivery.member_id != ctx.member.id:
        return None  # not theirs to see: the card stays as it is
    post = await ctx.session.get(Post, delivery.post_id)
    if post is None:
        return None
    say = ctx.say
    if withdrawn(post, delivery):
        return withdrawn_card(ctx.rt.texts, ctx.locale, post)
    if delivery.status == "shared":
        network = await ctx.session.scalar(select(Share.network).where(
            Share.delivery_id == delivery.id).order_by(Share.id.desc()).limit(1))
        return done_card(ctx.rt.texts, ctx.locale, post, say(
            "nudge.outcome_shared", network=say(f"common.network_{network or 'linkedin'}")))
    if delivery.status == "skipped":
        return done_card(ctx.rt.texts, ctx.locale, post, say("nudge.outcome_skipped"))
    if delivery.status == "declined":
        return done_card(ctx.rt.texts, ctx.locale, post, say(
            "nudge.outcome_declined", topics=", ".join(post.topics)))
    if delivery.status not in OPEN:
        return None
    if in_crisis(ctx.workspace):
        return held_card(ctx.rt.texts, post, delivery)
    return await composed_card(ctx.session, ctx.rt.texts, delivery, post, ctx.member,
                               ctx.workspace, await Batch.of(ctx.session, [ctx.member.id]))


@router.action("card.refresh")
async def refresh(ctx: Context, event: CardAction) -> None:
    """Never a message: a refresh happens as the card is looked at, nobody pressed a thing."""
    kind, _, raw_id = event.value.partition(":")
    card = await _nudge_now(ctx, raw_id) if kind == NUDGE_REFRESH else None
    if card is not None and event.message is not None:
        await ctx.responder.update(event.message, card)
