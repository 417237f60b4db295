"""Acting on a nudge: pick a suggestion, edit it, share it, skip it or say not for me."""

from __future__ import annotations

from bot.cards import Actions, Button, Card, Footnote, Form, Heading, Option, Quote, Select, Text
from bot.cards import TextInput as Input
from bot.context import Context
from bot.dispatch_utils import parse_id
from bot.errors import UserError
from bot.events import CardAction, FormSubmitted
from bot.nudges import done_card
from bot.preferences import NETWORKS, preferences
from bot.refs import message_from_json
from bot.router import router
from bot.services.sharing import (
    LINKEDIN_LIMIT,
    edit_ratio,
    linkedin_share_url,
    new_link_token,
    x_intent_url,
)
from bot.terms import find_blocked
from storage.models import Delivery, Post, Share

OPEN = ("sent", "shared")


async def _delivery(ctx: Context, raw_id: str) -> tuple[Delivery, Post]:
    """The member's own delivery, and its post if still live; else a polite refusal."""
    delivery_id = parse_id(raw_id)
    delivery = await ctx.session.get(Delivery, delivery_id) if delivery_id else None
    if delivery is None or delivery.member_id != ctx.member.id:
        raise UserError("errors.unknown_action")
    post = await ctx.session.get(Post, delivery.post_id)
    if post is None or post.status in ("cancelled", "expired") or delivery.status == "cancelled":
        raise UserError("nudge.stale")
    return delivery, post


def _suggestion(delivery: Delivery, choice: str) -> str:
    """Suggestion number `choice` of the delivery, '' for 'own'; else a polite refusal."""
    if choice == "own":
        return ""
    if not (choice.isascii() and choice.isdecimal()) or int(choice) >= len(delivery.suggestions):
        raise UserError("errors.unknown_action")
    return str(delivery.suggestions[int(choice)])


async def _replace_nudge(ctx: Context, delivery: Delivery, post: Post, outcome: str) -> None:
    ref = message_from_json(delivery.message_ref)
    if ref is not None:
        await ctx.responder.update(ref, done_card(ctx.rt.texts, ctx.locale, post, outcome))


@router.action("nudge.pick")
async def pick(ctx: Context, event: CardAction) -> None:
    raw_id, _, choice = event.value.partition(":")
    delivery, post = await _delivery(ctx, raw_id)
    suggestion = _suggestion(delivery, choice)
    delivery.acted_at = delivery.acted_at or ctx.now
    networks = preferences(ctx.member.prefs, ctx.workspace.weekly_cap).networks
    ordered = [n for n in networks if n in NETWORKS] + [n for n in NETWORKS if n not in networks]
    await ctx.open_form(Form(
        form_id="share.edit",
        title=ctx.say("share.form_title"),
        submit_label=ctx.say("share.form_submit"),
        intro=ctx.say("share.form_intro", title=post.title),
        private=f"{delivery.id}:{choice}",
        inputs=(
            Input("text", ctx.say("share.form_text"), suggestion, multiline=True,
                  max_length=LINKEDIN_LIMIT),
            Select("network", ctx.say("share.form_network"),
                   tuple(Option(n, ctx.say(f"common.network_{n}")) for n in ordered), ordered[0]),
        ),
    ))


@router.form("share.edit")
async def share_submitted(ctx: Context, event: FormSubmitted) -> None:
    raw_id, _, choice = event.private.partition(":")
    delivery, post = await _delivery(ctx, raw_id)
    text = event.values.get("text", "").strip()
    network = event.values.get("network", "")
    if not text:
        raise UserError("share.empty")
    if len(text) > LINKEDIN_LIMIT:
        raise UserError("errors.too_long", limit=LINKEDIN_LIMIT)
    if network not in NETWORKS:
        raise UserError("share.bad_network")
    blocked = find_blocked(text, ctx.workspace.blocked_terms)
    if blocked:
        raise UserError("share.blocked_term", term=blocked)
    suggested = _suggestion(delivery, choice)
    share = Share(
        delivery_id=delivery.id, post_id=post.id, member_id=ctx.member.id, network=network,
        suggested_text=suggested, final_text=text, edit_ratio=edit_ratio(suggested, text),
        link_token=new_link_token(), created_at=ctx.now,
    )
    ctx.session.add(share)
    delivery.status = "shared"
    delivery.acted_at = delivery.acted_at or ctx.now
    await ctx.session.flush()
    link = f"{ctx.rt.settings.public_url.rstrip('/')}/r/{share.link_token}"
    network_name = ctx.say(f"common.network_{network}")
    await _replace_nudge(ctx, delivery, post, ctx.say("nudge.outcome_shared", network=network_name))
    await ctx.reply(Card(summary=ctx.say("share.ready_title"), blocks=(
        Heading(ctx.say("share.ready_title")),
        Text(ctx.say("share.copy_hint", network=network_name)),
        Quote(f"{text}\n\n{link}"),
        Actions((
            Button(ctx.say("share.open_linkedin"), "share.linkedin", url=linkedin_share_url(link),
                   style="primary" if network == "linkedin" else None),
            Button(ctx.say("share.open_x"), "share.x", url=x_intent_url(text, link),
                   style="primary" if network == "x" else None),
            Button(ctx.say("share.posted"), "share.posted", str(share.id)),
        )),
        Footnote(ctx.say("share.ratio_note", ratio=share.edit_ratio)),
    )))


@router.action("share.posted")
async def posted(ctx: Context, event: CardAction) -> None:
    share_id = parse_id(event.value)
    share = await ctx.session.get(Share, share_id) if share_id else None
    if share is None or share.member_id != ctx.member.id:
        raise UserError("errors.unknown_action")
    if not share.confirmed:
        share.confirmed = True
        share.confirmed_at = ctx.now
    thanks = ctx.say("share.thanks", network=ctx.say(f"common.network_{share.network}"))
    await ctx.show_outcome(event.message,
                           Card(summary=thanks, blocks=(Text(thanks), Quote(share.final_text))))


async def _answer(ctx: Context, raw_id: str, status: str) -> tuple[Delivery, Post]:
    """Record a skip or a no on a nudge not shared yet."""
    delivery, post = await _delivery(ctx, raw_id)
    if delivery.status == "sent":
        delivery.status = status
    delivery.acted_at = delivery.acted_at or ctx.now
    return delivery, post


@router.action("nudge.skip")
async def skip(ctx: Context, event: CardAction) -> None:
    delivery, post = await _answer(ctx, event.value, "skipped")
    await _replace_nudge(ctx, delivery, post, ctx.say("nudge.outcome_skipped"))


@router.action("nudge.decline")
async def decline(ctx: Context, event: CardAction) -> None:
    delivery, post = await _answer(ctx, event.value, "declined")
    prefs = preferences(ctx.member.prefs, ctx.workspace.weekly_cap)
    less = list(dict.fromkeys([*prefs.less_wanted, *(t.lower() for t in post.topics)]))
    ctx.member.prefs = {**ctx.member.prefs, "less_wanted": less}
    await _replace_nudge(ctx, delivery, post,
                         ctx.say("nudge.outcome_declined", topics=", ".join(post.topics)))
