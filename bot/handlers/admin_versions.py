"""A post's versions in other languages: `/voix translate` (command or form)."""

from __future__ import annotations

from bot.audit import audit
from bot.cards import Form, TextInput
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import Command, FormSubmitted
from bot.handlers.admin_posts import own_post, refusal, refuse_closed
from bot.nudges import text_changed
from bot.router import router
from bot.services.post_input import (
    MAX_SUMMARY,
    MAX_TITLE,
    BadPostInput,
    version_from_command,
    version_from_fields,
)
from bot.texts import LOCALES
from bot.wakeups import CARDS, PLAN
from storage.models import Post


def _version_language(ctx: Context, post: Post, typed: str) -> str:
    """The language of a new version of `post`: one of ours, other than the post's own."""
    refuse_closed(ctx, post)
    language = typed.strip().lower()
    if language not in LOCALES:
        raise UserError("admin.bad_language", value=language[:20], known=", ".join(LOCALES))
    if language == post.language:
        raise UserError("admin.same_language", id=post.id,
                        language=ctx.say("admin.language_name", code=language))
    return language


def translate_form(ctx: Context, post: Post, language: str) -> Form:
    """The version form, prefilled with the version already there, if any."""
    current = (post.versions or {}).get(language) or {}

    def field(name: str, value: str, **options: object) -> TextInput:
        return TextInput(name, ctx.say(f"admin.field_{name}"), value,
                         **options)  # type: ignore[arg-type]

    return Form(
        form_id="admin.translate",
        title=ctx.say("admin.translate_form_title", id=post.id,
                      language=ctx.say("admin.language_name", code=language)),
        submit_label=ctx.say("admin.translate_form_submit"),
        intro=ctx.say("admin.translate_form_intro", title=post.title),
        private=f"{post.id}:{language}",
        inputs=(
            field("title", str(current.get("title", "")), max_length=MAX_TITLE),
            field("summary", str(current.get("summary", "")), required=False, multiline=True,
                  max_length=MAX_SUMMARY),
            field("points", "\n".join(current.get("key_points", [])), required=False,
                  multiline=True, placeholder=ctx.say("admin.field_points_hint")),
        ),
    )


async def _add_version(ctx: Context, post: Post, language: str, version: dict[str, object]
                       ) -> None:
    replaced = language in (post.versions or {})
    post.versions = {**(post.versions or {}), language: version}  # a new dict: JSON is saved
    audit(ctx, "translate", post_id=post.id, language=language, replaced=replaced)
    if replaced:  # its cards and planned nudges take the new words
        await text_changed(ctx.session, post, ctx.now, language)
    ctx.wake(PLAN, CARDS)  # volunteers who post in that language may get it now
    await ctx.reply(ctx.say("admin.translated", id=post.id, title=version["title"],
                            language=ctx.say("admin.language_name", code=language),
                            replaced=replaced))


@router.command("translate", "traduire")
async def translate(ctx: Context, event: Command) -> None:
    raw_id, _, rest = rest_of(event.text).partition(" ")
    typed, _, options = rest.strip().partition(" ")
    if not raw_id or not typed:
        raise UserError("admin.translate_usage", detail="")
    post = await own_post(ctx, raw_id)
    language = _version_language(ctx, post, typed)
    if not options.strip():
        await ctx.open_form(translate_form(ctx, post, language))
        return
    try:
        version = version_from_command(options)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None
    await _add_version(ctx, post, language, version)


async def _translate_form_again(ctx: Context, event: FormSubmitted) -> Form:
    raw_id, _, typed = event.private.partition(":")
    return translate_form(ctx, await own_post(ctx, raw_id), typed.strip().lower())


@router.form("admin.translate", admin=True, reopen=_translate_form_again)
async def translate_submitted(ctx: Context, event: FormSubmitted) -> None:
    raw_id, _, typed = event.private.partition(":")
    post = await own_post(ctx, raw_id)
    language = _version_language(ctx, post, typed)
    values = {name: event.values.get(name, "") for name in ("title", "summary", "points")}
    values["points"] = values["points"].replace("\n", ";")
    try:
        version = version_from_fields(values)
    except BadPostInput as bad:
        raise refusal(bad, values) from None
    await _add_version(ctx, post, language, version)
