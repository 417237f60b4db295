"""Admin commands about posts: queue (command or form), list and cancel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.audit import audit
from bot.cards import Card, Fact, Facts, Form, Heading, Text, TextInput
from bot.context import Context
from bot.dispatch_utils import parse_id, rest_of
from bot.errors import UserError
from bot.events import Command, FormSubmitted
from bot.router import router
from bot.services.post_input import (
    MAX_SUMMARY,
    MAX_TITLE,
    BadPostInput,
    PostInput,
    from_command,
    from_fields,
)
from bot.volunteers import cancel_pending
from bot.wakeups import PLAN
from storage.members import teams_by_name
from storage.models import Post

LIST_LIMIT = 20
FORM_FIELDS = ("url", "title", "summary", "points", "hashtags", "topics", "teams", "at", "expires")


def queue_form(ctx: Context) -> Form:
    def field(name: str, **options: object) -> TextInput:
        return TextInput(name, ctx.say(f"admin.field_{name}"), **options)  # type: ignore[arg-type]

    return Form(
        form_id="admin.queue",
        title=ctx.say("admin.queue_form_title"),
        submit_label=ctx.say("admin.queue_form_submit"),
        inputs=(
            field("url", max_length=2048, placeholder="https://"),
            field("title", required=False, max_length=MAX_TITLE),
            field("summary", required=False, multiline=True, max_length=MAX_SUMMARY),
            field("points", required=False, multiline=True,
                  placeholder=ctx.say("admin.field_points_hint")),
            field("hashtags", required=False),
            field("topics", required=False),
            field("teams", required=False),
            field("at", required=False, placeholder="2026-12-01T09:00"),
            field("expires", required=False, placeholder="7d"),
        ),
    )


def local_time(moment: datetime, ctx: Context) -> str:
    return moment.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")


async def _queue(ctx: Context, data: PostInput) -> None:
    teams = await teams_by_name(ctx.session, ctx.workspace.id)
    unknown = [name for name in data.teams if name not in teams]
    if unknown:
        raise UserError("admin.unknown_teams", names=", ".join(unknown),
                        known=", ".join(sorted(teams)) or "-")
    publish_at = data.publish_at or ctx.now
    post = Post(
        workspace_id=ctx.workspace.id, url=data.url, title=data.title, summary=data.summary,
        key_points=data.key_points, hashtags=data.hashtags, topics=data.topics,
        audience=[teams[name].id for name in data.teams],
        status="scheduled" if publish_at > ctx.now else "active",
        publish_at=publish_at, expires_at=data.expires_at, source="admin",
        author_id=ctx.member.id, created_at=ctx.now,
    )
    ctx.session.add(post)
    await ctx.session.flush()
    audit(ctx, "queue", post_id=post.id, url=post.url)
    ctx.wake(PLAN)
    when = local_time(publish_at, ctx)
    await ctx.reply(Card(summary=ctx.say("admin.queued", id=post.id, title=post.title), blocks=(
        Text(ctx.say("admin.queued", id=post.id, title=post.title)),
        Facts((
            Fact(ctx.say("admin.label_at"), when),
            Fact(ctx.say("admin.label_teams"), ", ".join(data.teams) or ctx.say("admin.everyone")),
            Fact(ctx.say("admin.label_topics"), ", ".join(data.topics) or "-"),
        )),
    )))


@router.command("queue", "publier")
async def queue(ctx: Context, event: Command) -> None:
    args = rest_of(event.text)
    if not args:
        await ctx.open_form(queue_form(ctx))
        return
    try:
        data = from_command(args, ctx.now, ctx.tz)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None
    await _queue(ctx, data)


@router.form("admin.queue", admin=True)
async def queue_submitted(ctx: Context, event: FormSubmitted) -> None:
    values = {name: event.values.get(name, "") for name in FORM_FIELDS}
    values["points"] = values["points"].replace("\n", ";")
    try:
        data = from_fields(values, ctx.now, ctx.tz)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None
    await _queue(ctx, data)


@router.command("list", "liste")
async def list_posts(ctx: Context, event: Command) -> None:
    posts = (await ctx.session.scalars(
        select(Post).where(Post.workspace_id == ctx.workspace.id,
                           Post.status.in_(("scheduled", "active")))
        .order_by(Post.publish_at).limit(LIST_LIMIT)
    )).all()
    audit(ctx, "list")
    if not posts:
        await ctx.reply(ctx.say("admin.list_empty"))
        return
    facts = tuple(
        Fact(f"#{post.id}", ctx.say("admin.list_line", title=post.title,
                                    status=ctx.say("admin.status_name", status=post.status),
                                    at=local_time(post.publish_at, ctx)))
        for post in posts
    )
    await ctx.reply(Card(summary=ctx.say("admin.list_title"),
                         blocks=(Heading(ctx.say("admin.list_title")), Facts(facts))))


async def own_post(ctx: Context, raw_id: str) -> Post:
    """A post of this workspace by its id as typed ('12' or '#12'), else a clear refusal."""
    post_id = parse_id(raw_id)
    post = await ctx.session.get(Post, post_id) if post_id else None
    if post is None or post.workspace_id != ctx.workspace.id:
        raise UserError("admin.unknown_post", id=raw_id.strip().lstrip("#")[:20] or "?")
    return post


@router.command("cancel", "annuler")
async def cancel(ctx: Context, event: Command) -> None:
    post = await own_post(ctx, rest_of(event.text))
    if post.status in ("cancelled", "expired"):
        raise UserError("admin.already_closed", id=post.id,
                        status=ctx.say("admin.status_name", status=post.status))
    post.status = "cancelled"
    cancelled = await cancel_pending(ctx.session, post_id=post.id)
    audit(ctx, "cancel", post_id=post.id, deliveries_cancelled=cancelled)
    await ctx.reply(ctx.say("admin.cancelled", id=post.id, title=post.title, count=cancelled))
