"""Editing a post already queued: `/voix edit <id> --title …` or its form; its cards follow."""

from __future__ import annotations

from datetime import datetime

from babel.lists import format_list

from bot.audit import audit
from bot.cards import Form, TextInput
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import CardAction, Command, FormSubmitted
from bot.handlers.admin_posts import form_values, own_post, refusal, refuse_closed
from bot.nudges import text_changed
from bot.router import router
from bot.services.post_input import (
    EDITABLE,
    EDITED,
    MAX_SUMMARY,
    MAX_TITLE,
    BadPostInput,
    edit_from_command,
    edit_from_fields,
)
from bot.wakeups import CARDS, PLAN
from storage.models import Post

SHOWN = ("title", "summary", "key_points", "hashtags")  # what a nudge card shows of a post
OWN_WORDS = ("title", "summary", "key_points")  # what each version has in its own language


async def _editable(ctx: Context, raw_id: str) -> Post:
    post = await own_post(ctx, raw_id)
    refuse_closed(ctx, post)
    return post


async def edit_form(ctx: Context, post: Post) -> Form:
    """The post's editable fields as they stand."""
    values = await form_values(ctx, post)

    def field(name: str, **options: object) -> TextInput:
        return TextInput(name, ctx.say(f"admin.field_{name}"), values[name],
                         **options)  # type: ignore[arg-type]

    return Form(
        form_id="admin.edit",
        title=ctx.say("edit.form_title", id=post.id),
        submit_label=ctx.say("edit.form_submit"),
        intro=ctx.say("edit.form_intro", id=post.id, title=post.title),
        private=str(post.id),
        inputs=(
            field("title", max_length=MAX_TITLE),
            field("summary", required=False, multiline=True, max_length=MAX_SUMMARY),
            field("points", required=False, multiline=True,
                  placeholder=ctx.say("admin.field_points_hint")),
            field("hashtags", required=False),
            field("topics", required=False),
            field("expires", required=False, placeholder=ctx.say("edit.expires_hint")),
        ),
    )


def _start(ctx: Context, post: Post) -> datetime:
    """From when a delay typed for its end counts: its publication, or now once it is out."""
    return max(post.publish_at, ctx.now)


async def _apply(ctx: Context, post: Post, changes: dict[str, object]) -> None:
    """Change what differs, tell the admin, and have the post's nudges follow."""
    changed = [name for name in EDITED
               if name in changes and changes[name] != getattr(post, name)]
    if not changed:
        raise UserError("edit.nothing", id=post.id)
    for name in changed:
        setattr(post, name, changes[name])
    cards = 0
    if any(name in SHOWN for name in changed):
        cards = await text_changed(ctx.session, post, ctx.now)
    audit(ctx, "edit", post_id=post.id, fields=changed, cards=cards)
    ctx.wake(PLAN, CARDS)  # topics and the end date change who may still get it
    fields = format_list([ctx.say("edit.field_name", name=name) for name in changed],
                         locale=ctx.locale)
    said = ctx.say("edit.edited", id=post.id, title=post.title, fields=fields, cards=cards)
    behind = sorted(post.versions or {}) if any(n in OWN_WORDS for n in changed) else []
    if behind:
        languages = format_list([ctx.say("admin.language_name", code=code) for code in behind],
                                locale=ctx.locale)
        said += " " + ctx.say("edit.versions_behind", id=post.id, languages=languages,
                              codes=behind)
    await ctx.reply(said)


@router.command("edit", "modifier")
async def edit(ctx: Context, event: Command) -> None:
    raw_id, _, options = rest_of(event.text).partition(" ")
    if not raw_id:
        raise UserError("edit.usage", detail="")
    post = await _editable(ctx, raw_id)
    if not options.strip():
        await ctx.open_form(await edit_form(ctx, post))
        return
    try:
        changes = edit_from_command(options, _start(ctx, post), ctx.tz)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None
    await _apply(ctx, post, changes)


@router.action("admin.post.edit", admin=True)
async def edit_listed(ctx: Context, event: CardAction) -> None:
    await ctx.open_form(await edit_form(ctx, await _editable(ctx, event.value)))


async def _edit_form_again(ctx: Context, event: FormSubmitted) -> Form:
    return await edit_form(ctx, await _editable(ctx, event.private))


@router.form("admin.edit", admin=True, reopen=_edit_form_again)
async def edit_submitted(ctx: Context, event: FormSubmitted) -> None:
    """Only what the admin changed in the form counts: the rest, shown as it stood, stays."""
    post = await _editable(ctx, event.private)
    shown = await form_values(ctx, post)
    typed = {name: event.values.get(name, "").strip() for name in EDITABLE}
    typed["points"] = typed["points"].replace("\r", "")
    values = {name: value.replace("\n", ";") if name == "points" else value
              for name, value in typed.items() if value != shown[name].strip()}
    try:
        changes = edit_from_fields(values, _start(ctx, post), ctx.tz)
    except BadPostInput as bad:
        raise refusal(bad, values) from None
    await _apply(ctx, post, changes)
