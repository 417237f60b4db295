"""Admin commands about posts: queue (command or form), drafts to confirm, versions in other
languages, list and cancel.

A post goes live only on the admin's word: one whose title was made from its URL, or whose
publication time has passed, is kept as a draft (ignored by the plan) until they press
"Queue it" / "Send now", edit it, or discard it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.audit import audit
from bot.cards import (
    Actions,
    Button,
    Card,
    Fact,
    Facts,
    Footnote,
    Form,
    Heading,
    Option,
    Select,
    Text,
    TextInput,
)
from bot.context import Context
from bot.dispatch_utils import parse_id, rest_of
from bot.errors import UserError
from bot.events import CardAction, Command, FormSubmitted
from bot.router import router
from bot.services.post_input import (
    AUTO,
    MAX_SUMMARY,
    MAX_TITLE,
    BadPostInput,
    PostInput,
    from_command,
    from_fields,
    version_from_command,
    version_from_fields,
)
from bot.texts import LOCALES
from bot.voice.angles import KINDS
from bot.voice.kinds import infer_kind
from bot.voice.language import detect
from bot.voice.versions import languages
from bot.volunteers import cancel_pending
from bot.wakeups import PLAN
from storage.members import teams_by_name
from storage.models import Post, Team

LIST_LIMIT = 20
LISTED = ("draft", "scheduled", "active")
FORM_FIELDS = ("url", "title", "summary", "points", "hashtags", "topics", "teams", "at", "expires",
               "lang", "kind")
# A moment typed to the minute is not "past" while that minute lasts.
PAST_GRACE = timedelta(minutes=1)


def _choices(ctx: Context, name: str, codes: tuple[str, ...], key: str, value: str) -> Select:
    options = (Option(AUTO, ctx.say(f"admin.{name}_auto")),
               *(Option(code, ctx.say(key, code=code)) for code in codes))
    return Select(name, ctx.say(f"admin.field_{name}"), options, value or AUTO)


def queue_form(ctx: Context, values: dict[str, str] | None = None, private: str = "") -> Form:
    """The queue form, empty or prefilled (a draft being edited: `private` is its id)."""
    values = values or {}

    def field(name: str, **options: object) -> TextInput:
        return TextInput(name, ctx.say(f"admin.field_{name}"), values.get(name, ""),
                         **options)  # type: ignore[arg-type]

    return Form(
        form_id="admin.queue",
        title=ctx.say("admin.queue_form_title"),
        submit_label=ctx.say("admin.queue_form_submit"),
        private=private,
        inputs=(
            field("url", max_length=2048, placeholder="https://"),
            field("title", required=False, max_length=MAX_TITLE,
                  placeholder=ctx.say("admin.field_title_hint")),
            field("summary", required=False, multiline=True, max_length=MAX_SUMMARY),
            field("points", required=False, multiline=True,
                  placeholder=ctx.say("admin.field_points_hint")),
            _choices(ctx, "lang", LOCALES, "admin.language_name", values.get("lang", "")),
            _choices(ctx, "kind", KINDS, "admin.kind_name", values.get("kind", "")),
            field("hashtags", required=False),
            field("topics", required=False),
            field("teams", required=False),
            field("at", required=False, placeholder="2026-12-01T09:00"),
            field("expires", required=False, placeholder="7d"),
        ),
    )


def local_time(moment: datetime, ctx: Context) -> str:
    return moment.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")


async def _team_names(ctx: Context, post: Post) -> list[str]:
    if not post.audience:
        return []
    names = (await ctx.session.scalars(select(Team.name).where(
        Team.id.in_(post.audience)).order_by(Team.name))).all()
    return [name.lstrip("#") for name in names]


def _moment_given(post: Post) -> bool:
    """Whether the admin chose the publication time (a draft without one keeps its creation's)."""
    return post.publish_at != post.created_at


def _facts(ctx: Context, post: Post, teams: list[str], *, detected: bool = False,
           inferred: bool = False) -> Facts:
    language = ctx.say("admin.language_name", code=post.language)
    kind = ctx.say("admin.kind_name", code=post.kind)
    at = (local_time(post.publish_at, ctx) if post.status != "draft" or _moment_given(post)
          else ctx.say("admin.at_confirmation"))
    return Facts((
        Fact(ctx.say("admin.label_at"), at),
        Fact(ctx.say("admin.label_teams"), ", ".join(teams) or ctx.say("admin.everyone")),
        Fact(ctx.say("admin.label_topics"), ", ".join(post.topics) or "-"),
        Fact(ctx.say("admin.label_language"), ctx.say("admin.detected", value=language)
             if detected else language),
        Fact(ctx.say("admin.label_kind"), ctx.say("admin.inferred", value=kind)
             if inferred else kind),
    ))


def queued_card(ctx: Context, post: Post, teams: list[str], *, detected: bool = False,
                inferred: bool = False) -> Card:
    """The confirmation of a post in the queue: what was understood and how to correct it."""
    said = ctx.say("admin.queued", id=post.id, title=post.title)
    blocks: list = [Text(said), _facts(ctx, post, teams, detected=detected, inferred=inferred)]
    if not ctx.workspace.disclosure_hashtag:
        blocks.append(Text(ctx.say("admin.ask_hashtag")))
    if detected or inferred:
        others = [code for code in LOCALES if code != post.language]
        blocks.append(Footnote(ctx.say("admin.correct_hint", id=post.id, detected=detected,
                                       inferred=inferred, others=others,
                                       kinds=", ".join(KINDS))))
    return Card(summary=said, blocks=tuple(blocks))


def draft_card(ctx: Context, post: Post, teams: list[str], *, from_url: bool, past: bool,
               detected: bool, inferred: bool) -> Card:
    """A post that waits for the admin's word, saying why, with what it would do."""
    title = ctx.say("admin.draft_title", id=post.id)
    blocks: list = [Heading(title)]
    if from_url:
        blocks.append(Text(ctx.say("admin.draft_from_url", title=post.title)))
    if past:
        blocks.append(Text(ctx.say("admin.draft_past", at=local_time(post.publish_at, ctx))))
    blocks.append(_facts(ctx, post, teams, detected=detected, inferred=inferred))
    go = ctx.say("admin.draft_send_now" if past else "admin.draft_queue")
    blocks.append(Actions((
        Button(go, "admin.draft.confirm", str(post.id), "primary"),
        Button(ctx.say("admin.draft_edit"), "admin.draft.edit", str(post.id)),
        Button(ctx.say("admin.draft_discard"), "admin.draft.discard", str(post.id), "danger"),
    )))
    return Card(summary=title, blocks=tuple(blocks))


def _fill(post: Post, data: PostInput, audience: list[int], language: str, kind: str,
          publish_at: datetime) -> None:
    post.url, post.title, post.summary = data.url, data.title, data.summary
    post.key_points, post.hashtags, post.topics = data.key_points, data.hashtags, data.topics
    post.audience, post.language, post.kind = audience, language, kind
    post.publish_at, post.expires_at = publish_at, data.expires_at


async def _queue(ctx: Context, data: PostInput, draft: Post | None = None) -> None:
    teams = await teams_by_name(ctx.session, ctx.workspace.id)
    unknown = [name for name in data.teams if name not in teams]
    if unknown:
        raise UserError("admin.unknown_teams", names=", ".join(unknown),
                        known=", ".join(sorted(teams)) or "-")
    language = data.language or detect(f"{data.title}\n{data.summary}",
                                       ctx.workspace.locale) or ctx.workspace.locale
    kind = data.kind or infer_kind(data.title, data.summary, data.key_points, language,
                                   data.url)
    past = data.publish_at is not None and data.publish_at < ctx.now - PAST_GRACE
    waits = past or data.title_from_url
    post = draft or Post(workspace_id=ctx.workspace.id, source="admin",
                         author_id=ctx.member.id, created_at=ctx.now)
    publish_at = data.publish_at or (post.created_at if waits else ctx.now)
    _fill(post, data, [teams[name].id for name in data.teams], language, kind, publish_at)
    post.status = ("draft" if waits else "scheduled" if publish_at > ctx.now else "active")
    if draft is None:
        ctx.session.add(post)
    await ctx.session.flush()
    understood = {"detected": data.language is None, "inferred": data.kind is None}
    if waits:
        audit(ctx, "queue.draft", post_id=post.id, url=post.url, past=past,
              title_from_url=data.title_from_url)
        await ctx.reply(draft_card(ctx, post, data.teams, from_url=data.title_from_url,
                                   past=past, **understood))
        return
    audit(ctx, "queue", post_id=post.id, url=post.url)
    ctx.wake(PLAN)
    await ctx.reply(queued_card(ctx, post, data.teams, **understood))


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
    draft = await _draft(ctx, event.private) if event.private else None
    values = {name: event.values.get(name, "") for name in FORM_FIELDS}
    values["points"] = values["points"].replace("\n", ";")
    try:
        data = from_fields(values, ctx.now, ctx.tz)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None
    await _queue(ctx, data, draft)


async def own_post(ctx: Context, raw_id: str) -> Post:
    """A post of this workspace by its id as typed ('12' or '#12'), else a clear refusal."""
    post_id = parse_id(raw_id)
    post = await ctx.session.get(Post, post_id) if post_id else None
    if post is None or post.workspace_id != ctx.workspace.id:
        raise UserError("admin.unknown_post", id=raw_id.strip().lstrip("#")[:20] or "?")
    return post


async def _draft(ctx: Context, raw_id: str) -> Post:
    """A draft of this workspace; one already queued or discarded is refused (a second press)."""
    post = await own_post(ctx, raw_id)
    if post.status != "draft":
        raise UserError("admin.not_a_draft", id=post.id,
                        status=ctx.say("admin.status_name", status=post.status))
    return post


@router.action("admin.draft.confirm", admin=True)
async def confirm_draft(ctx: Context, event: CardAction) -> None:
    post = await _draft(ctx, event.value)
    publish_at = max(post.publish_at, ctx.now)
    if post.expires_at is not None and post.expires_at <= publish_at:
        raise UserError("admin.draft_expired", id=post.id)
    post.publish_at = publish_at
    post.status = "scheduled" if publish_at > ctx.now else "active"
    audit(ctx, "queue", post_id=post.id, url=post.url, confirmed=True)
    ctx.wake(PLAN)
    await ctx.show_outcome(event.message, queued_card(ctx, post, await _team_names(ctx, post)))


async def _form_values(ctx: Context, post: Post) -> dict[str, str]:
    """A draft as the queue form shows it; a moment is shown only if the admin gave one."""
    return {
        "url": post.url, "title": post.title, "summary": post.summary,
        "points": "\n".join(post.key_points), "hashtags": ", ".join(post.hashtags),
        "topics": ", ".join(post.topics), "teams": ", ".join(await _team_names(ctx, post)),
        "at": local_time(post.publish_at, ctx) if _moment_given(post) else "",
        "expires": local_time(post.expires_at, ctx) if post.expires_at else "",
        "lang": post.language, "kind": post.kind,
    }


@router.action("admin.draft.edit", admin=True)
async def edit_draft(ctx: Context, event: CardAction) -> None:
    post = await _draft(ctx, event.value)
    await ctx.open_form(queue_form(ctx, await _form_values(ctx, post), private=str(post.id)))


@router.action("admin.draft.discard", admin=True)
async def discard_draft(ctx: Context, event: CardAction) -> None:
    post = await _draft(ctx, event.value)
    post.status = "cancelled"
    audit(ctx, "cancel", post_id=post.id, draft=True)
    said = ctx.say("admin.draft_discarded", id=post.id, title=post.title)
    await ctx.show_outcome(event.message, Card(summary=said, blocks=(Text(said),)))


@router.command("list", "liste")
async def list_posts(ctx: Context, event: Command) -> None:
    posts = (await ctx.session.scalars(
        select(Post).where(Post.workspace_id == ctx.workspace.id, Post.status.in_(LISTED))
        .order_by(Post.publish_at).limit(LIST_LIMIT)
    )).all()
    audit(ctx, "list")
    if not posts:
        await ctx.reply(ctx.say("admin.list_empty"))
        return
    facts = tuple(
        Fact(f"#{post.id}", ctx.say(
            "admin.list_line", title=post.title,
            status=ctx.say("admin.status_name", status=post.status),
            at=local_time(post.publish_at, ctx), kind=ctx.say("admin.kind_name", code=post.kind),
            languages=", ".join(ctx.say("admin.language_name", code=lang)
                                for lang in languages(post))))
        for post in posts
    )
    await ctx.reply(Card(summary=ctx.say("admin.list_title"),
                         blocks=(Heading(ctx.say("admin.list_title")), Facts(facts))))


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


def _version_language(ctx: Context, post: Post, typed: str) -> str:
    """The language of a new version of `post`: one of ours, other than the post's own."""
    if post.status in ("cancelled", "expired"):
        raise UserError("admin.already_closed", id=post.id,
                        status=ctx.say("admin.status_name", status=post.status))
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
    ctx.wake(PLAN)  # volunteers who post in that language may get it now
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


@router.form("admin.translate", admin=True)
async def translate_submitted(ctx: Context, event: FormSubmitted) -> None:
    raw_id, _, typed = event.private.partition(":")
    post = await own_post(ctx, raw_id)
    language = _version_language(ctx, post, typed)
    values = {name: event.values.get(name, "") for name in ("title", "summary", "points")}
    values["points"] = values["points"].replace("\n", ";")
    try:
        version = version_from_fields(values)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None
    await _add_version(ctx, post, language, version)
