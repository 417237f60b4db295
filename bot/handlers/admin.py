"""Admin commands about the workspace: stats, pause, resume, admins, digest now."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.audit import audit
from bot.cards import Card, Fact, Facts, Heading, Text
from bot.context import Context
from bot.digest import post_digest
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import Command
from bot.handlers.admin_posts import own_post
from bot.router import router
from bot.stats import funnels, in_order, post_sources
from bot.wakeups import OUTBOX, PLAN
from storage.members import find_member, get_or_create_member
from storage.models import Post, Team

STATS_POSTS = 10
_MENTION = re.compile(r"^<?@?([\w.\-]+)(?:\|[^>]*)?>?$")


@router.command("stats")
async def stats(ctx: Context, event: Command) -> None:
    raw_id = rest_of(event.text)
    if raw_id:
        posts = [await own_post(ctx, raw_id)]
    else:
        posts = list((await ctx.session.scalars(
            select(Post).where(Post.workspace_id == ctx.workspace.id)
            .order_by(Post.id.desc()).limit(STATS_POSTS))).all())
    audit(ctx, "stats", post_id=posts[0].id if raw_id else None)
    if not posts:
        await ctx.reply(ctx.say("admin.list_empty"))
        return
    by_post = await funnels(ctx.session, [post.id for post in posts])
    facts = tuple(
        Fact(f"#{post.id} {post.title}", ctx.say("admin.funnel", f=by_post[post.id]))
        for post in posts
    )
    sources = await post_sources(ctx.session, [post.id for post in posts])
    compared = (Text(ctx.say("common.by_source", sources=in_order(sources))),) \
        if "ai" in sources else ()
    await ctx.reply(Card(summary=ctx.say("admin.stats_title"),
                         blocks=(Heading(ctx.say("admin.stats_title")), Facts(facts),
                                 *compared)))


@router.command("pause")
async def pause_workspace(ctx: Context, event: Command) -> None:
    ctx.workspace.paused = True
    audit(ctx, "pause")
    await ctx.reply(ctx.say("admin.paused"))


@router.command("resume", "reprendre")
async def resume_workspace(ctx: Context, event: Command) -> None:
    ctx.workspace.paused = False
    audit(ctx, "resume")
    ctx.wake(PLAN, OUTBOX)  # the nudges held by the pause are due
    await ctx.reply(ctx.say("admin.resumed"))


@router.command("admins")
async def admins(ctx: Context, event: Command) -> None:
    verb, _, who = rest_of(event.text).partition(" ")
    found = _MENTION.match(who.strip())
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
