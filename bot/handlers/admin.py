"""Admin commands about the workspace: stats (and a post's Stats button), pause, resume,
admins, digest now."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import crisis
from bot.audit import audit
from bot.cards import Actions, Button, Card, Fact, Figures, Footnote, Heading, Table, Text
from bot.context import Context
from bot.digest import post_digest
from bot.dispatch_utils import MENTION, rest_of
from bot.errors import UserError
from bot.events import CardAction, Command
from bot.handlers.admin_posts import own_post
from bot.insights.view import works_card
from bot.insights.works import by_kind, by_topic
from bot.router import router
from bot.services.textfit import cut_on_word
from bot.stats import BySource, Funnel, funnels, in_order, post_sources
from bot.texts import number, percent
from bot.wakeups import OUTBOX, PLAN
from storage.members import find_member, get_or_create_member
from storage.models import Post, Team

STATS_POSTS = 10
TITLE_CELL = 40  # characters of a post's title in the stats table, cut on a word
WORKS = ("works", "what works", "efficace", "ce qui marche")  # `/voix stats works`


def _number(ctx: Context, count: int) -> str:
    return number(count, ctx.locale)


def _figures(ctx: Context, **counts: int) -> Figures:
    """Counts side by side, each over its label in the right plural ("1 click", "2 clicks")."""
    return Figures(tuple(Fact(ctx.say(f"admin.figure_{name}", count=count), _number(ctx, count))
                         for name, count in counts.items()))


def _rate(ctx: Context, f: Funnel) -> str:
    return percent(f.shared / f.delivered, ctx.locale)


def _compared(ctx: Context, sources: dict[str, BySource]) -> tuple[Text, ...]:
    """AI drafts beside the other suggestions, once there are AI drafts to compare."""
    return (Text(ctx.say("common.by_source", sources=in_order(sources))),) \
        if "ai" in sources else ()


def post_stats_card(ctx: Context, post: Post, f: Funnel, sources: dict[str, BySource]) -> Card:
    """One post's figures: how many received it, responded, shared it, and the clicks."""
    title = ctx.say("admin.post_name", id=post.id, title=post.title)
    reach = ctx.say("admin.share_rate", rate=_rate(ctx, f)) if f.delivered \
        else ctx.say("admin.not_sent_yet")
    return Card(summary=title, blocks=(
        Heading(title),
        _figures(ctx, sent=f.delivered, responded=f.interacted, shared=f.shared,
                 clicks=f.clicks),
        Text(reach), *_compared(ctx, sources)))


def _row(ctx: Context, post: Post, f: Funnel) -> tuple[str, ...]:
    shared = ctx.say("admin.shared_cell", count=_number(ctx, f.shared), rate=_rate(ctx, f)) \
        if f.delivered else _number(ctx, f.shared)
    name = ctx.say("admin.post_name", id=post.id, title=cut_on_word(post.title, TITLE_CELL))
    return name, _number(ctx, f.delivered), shared, _number(ctx, f.clicks)


def stats_card(ctx: Context, posts: list[Post], by_post: dict[int, Funnel],
               sources: dict[str, BySource]) -> Card:
    """The latest posts: their totals on top, then a row of figures per post."""
    title = ctx.say("admin.stats_title")
    funnels_shown = [by_post[post.id] for post in posts]
    columns = tuple(ctx.say(f"admin.column_{name}")
                    for name in ("post", "sent", "shared", "clicks"))
    return Card(summary=title, blocks=(
        Heading(title),
        _figures(ctx, sent=sum(f.delivered for f in funnels_shown),
                 shared=sum(f.shared for f in funnels_shown),
                 clicks=sum(f.clicks for f in funnels_shown)),
        Table(columns, tuple(_row(ctx, post, by_post[post.id]) for post in posts)),
        *_compared(ctx, sources),
        Footnote(ctx.say("admin.stats_hint")),
        Actions((Button(ctx.say("insights.button_works"), "admin.stats.works",
                        style="primary"),))))


async def _post_stats(ctx: Context, raw_id: str) -> None:
    """Answer with one post's figures."""
    post = await own_post(ctx, raw_id)
    audit(ctx, "stats", post_id=post.id)
    by_post = await funnels(ctx.session, [post.id])
    await ctx.reply(post_stats_card(ctx, post, by_post[post.id],
                                    await post_sources(ctx.session, [post.id])))


async def _works(ctx: Context) -> None:
    audit(ctx, "stats.works")
    await ctx.reply(works_card(ctx, await by_topic(ctx.session, ctx.workspace.id),
                               await by_kind(ctx.session, ctx.workspace.id)))


@router.command("stats")
async def stats(ctx: Context, event: Command) -> None:
    if " ".join(rest_of(event.text).lower().split()) in WORKS:
        await _works(ctx)
        return
    if rest_of(event.text):
        await _post_stats(ctx, rest_of(event.text))
        return
    posts = list((await ctx.session.scalars(
        select(Post).where(Post.workspace_id == ctx.workspace.id)
        .order_by(Post.id.desc()).limit(STATS_POSTS))).all())
    audit(ctx, "stats", post_id=None)
    if not posts:
        await ctx.reply(ctx.say("admin.stats_empty"))
        return
    ids = [post.id for post in posts]
    await ctx.reply(stats_card(ctx, posts, await funnels(ctx.session, ids),
                               await post_sources(ctx.session, ids)))


@router.action("admin.post.stats", admin=True)
async def stats_of_listed(ctx: Context, event: CardAction) -> None:
    """A post's Stats button in the list."""
    await _post_stats(ctx, event.value)


@router.action("admin.stats.works", admin=True)
async def works_of_stats(ctx: Context, event: CardAction) -> None:
    """The stats card's "What works" button."""
    await _works(ctx)


@router.command("pause")
async def pause_workspace(ctx: Context, event: Command) -> None:
    crisis.keep_pause_after(ctx.workspace)
    ctx.workspace.paused = True
    audit(ctx, "pause")
    await ctx.reply(ctx.say("admin.paused"))


@router.command("resume", "reprendre")
async def resume_workspace(ctx: Context, event: Command) -> None:
    crisis.refuse_resume(ctx.workspace)
    ctx.workspace.paused = False
    audit(ctx, "resume")
    ctx.wake(PLAN, OUTBOX)  # the nudges held by the pause are due
    await ctx.reply(ctx.say("admin.resumed"))


@router.command("admins")
async def admins(ctx: Context, event: Command) -> None:
    verb, _, who = rest_of(event.text).partition(" ")
    found = MENTION.match(who.strip())
    if verb not in ("add", "remove", "ajouter", "retirer") or not found:
        raise UserError("admin.admins_usage")
    user_id = found.group(1)
    adding = verb in ("add", "ajouter")
    if adding:
        member = await get_or_create_member(ctx.session, ctx.workspace, user_id, ctx.now, {})
    else:
        existing = await find_member(ctx.session, ctx.workspace.id, user_id)
        if existing is None or not existing.is_admin:
            raise UserError("admin.not_an_admin", user=user_id)
        if existing.id == ctx.member.id:
            raise UserError("admin.not_yourself")
        member = existing
    member.is_admin = adding
    audit(ctx, "admins.add" if adding else "admins.remove", user=user_id)
    key = "admin.admin_added" if adding else "admin.admin_removed"
    await ctx.reply(ctx.say(key, user=user_id,
                            from_env=user_id in ctx.rt.settings.admins and not adding))


@router.command("digest")
async def digest_now(ctx: Context, event: Command) -> None:
    if rest_of(event.text).lower() not in ("now", "maintenant"):
        raise UserError("admin.digest_usage")
    teams = (await ctx.session.scalars(
        select(Team).where(Team.workspace_id == ctx.workspace.id))).all()
    if not teams:
        raise UserError("admin.no_teams")
    audit(ctx, "digest.now", teams=len(teams))
    await ctx.session.commit()
    end = ctx.now
    results = [await post_digest(ctx.rt, ctx.session, team, end - timedelta(days=7), end,
                                 "manual") for team in teams]
    await ctx.reply(ctx.say("admin.digest_done", posted=results.count("posted"),
                            total=len(teams)))
