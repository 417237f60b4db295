"""The admin's list of posts (each with its Stats and Cancel buttons) and cancelling one."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.audit import audit
from bot.cards import Actions, Block, Button, Card, Footnote, Heading, Point, Text
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.events import CardAction, Command
from bot.handlers.admin_posts import own_post, refuse_closed, when
from bot.nudges import cards_follow
from bot.router import router
from bot.services.textfit import cut_on_word
from bot.voice.versions import languages
from bot.volunteers import cancel_pending
from bot.wakeups import CARDS
from storage.models import Post

LISTED = ("draft", "scheduled", "active")
LIST_LIMIT = 20  # a post is two blocks of the list: 20 and the rest stay within Slack's 50
LISTED_TITLE = 80  # characters of a title in the list, cut on a word


def _listed(ctx: Context, post: Post) -> tuple[Point, Actions]:
    """A post of the list: its number and title, what it is and when, and its buttons."""
    moment = when(ctx, post)
    line = ctx.say(
        "admin.list_line", kind=ctx.say("admin.kind_name", code=post.kind),
        languages=", ".join(ctx.say("admin.language_name", code=lang)
                            for lang in languages(post)),
        status=ctx.say("admin.status_name", status=post.status),
        when=ctx.say("admin.list_from", at=moment) if moment
        else ctx.say("admin.at_confirmation"))
    name = ctx.say("admin.post_name", id=post.id, title=cut_on_word(post.title, LISTED_TITLE))
    return Point(name, line), Actions((
        Button(ctx.say("admin.button_stats"), "admin.post.stats", str(post.id)),
        Button(ctx.say("edit.button"), "admin.post.edit", str(post.id), form=True),
        Button(ctx.say("admin.button_cancel"), "admin.post.cancel", str(post.id), "danger"),
    ))


async def list_card(ctx: Context) -> Card:
    """The posts waiting, scheduled and active, soonest first, each with Stats and Cancel,
    and a button to queue another."""
    listed = (Post.workspace_id == ctx.workspace.id) & Post.status.in_(LISTED)
    posts = (await ctx.session.scalars(
        select(Post).where(listed).order_by(Post.publish_at, Post.id).limit(LIST_LIMIT))).all()
    if not posts:
        said = ctx.say("admin.list_empty")
        return Card(summary=said, blocks=(Text(said),))
    title = ctx.say("admin.list_title")
    blocks: list[Block] = [Heading(title)]
    for post in posts:
        blocks += _listed(ctx, post)
    hidden = (await ctx.session.scalar(select(func.count(Post.id)).where(listed)) or 0) \
        - len(posts)
    if hidden > 0:
        blocks.append(Footnote(ctx.say("admin.list_more", count=hidden)))
    blocks.append(Actions((Button(ctx.say("admin.button_queue"), "admin.queue.form",
                                  style="primary", form=True),)))
    return Card(summary=title, blocks=tuple(blocks))


@router.command("list", "liste")
async def list_posts(ctx: Context, event: Command) -> None:
    audit(ctx, "list")
    await ctx.reply(await list_card(ctx))


async def _cancel(ctx: Context, post: Post) -> str:
    """Withdraw a post and its nudges not yet sent, and show its cards received as withdrawn;
    what to tell the admin."""
    refuse_closed(ctx, post)
    post.status = "cancelled"
    cancelled = await cancel_pending(ctx.session, post_id=post.id)
    cards = await cards_follow(ctx.session, post, ctx.now)
    audit(ctx, "cancel", post_id=post.id, deliveries_cancelled=cancelled, cards=cards)
    ctx.wake(CARDS)
    said = ctx.say("admin.cancelled", id=post.id, title=post.title, count=cancelled)
    return f"{said} {ctx.say('edit.withdrawn_cards', cards=cards)}" if cards else said


@router.command("cancel", "annuler")
async def cancel(ctx: Context, event: Command) -> None:
    await ctx.reply(await _cancel(ctx, await own_post(ctx, rest_of(event.text))))


@router.action("admin.post.cancel", admin=True)
async def cancel_listed(ctx: Context, event: CardAction) -> None:
    """Cancel from the list: the list shown again without the post, and the outcome said."""
    said = await _cancel(ctx, await own_post(ctx, event.value))
    if event.message is not None:
        await ctx.show_outcome(event.message, await list_card(ctx))
    await ctx.reply(said)


