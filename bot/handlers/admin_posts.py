"""Admin commands about posts: queue (command or form) and the drafts to confirm.

A post goes live only on the admin's word: one whose title was made from its URL, or whose
publication time has passed, is kept as a draft (ignored by the plan) until they press
"Queue it" / "Send now", edit it, or discard it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_time
from sqlalchemy import select
from yarl import URL

from bot.audit import audit
from bot.cards import (
    DATE_VALUE,
    TIME_VALUE,
    Actions,
    Button,
    Card,
    DateInput,
    Fact,
    Facts,
    Footnote,
    Form,
    Heading,
    Image,
    Input,
    Option,
    Select,
    Text,
    TextInput,
    TimeInput,
)
from bot.context import Context
from bot.dispatch_utils import parse_id, rest_of
from bot.errors import InputError, UserError
from bot.events import CardAction, Command, FormSubmitted
from bot.router import router
from bot.services.dates import day_and_month
from bot.services.post_input import (
    AUTO,
    MAX_SUMMARY,
    MAX_TITLE,
    BadPostInput,
    PostInput,
    from_command,
    from_fields,
    prefill,
    wants_preview,
)
from bot.services.preview import Preview, fetch_preview, host_warning
from bot.texts import LOCALES
from bot.voice.angles import KINDS
from bot.voice.kinds import infer_kind
from bot.voice.language import detect
from bot.wakeups import PLAN
from storage.members import teams_by_name
from storage.models import Post, Team

CLOSED = ("cancelled", "expired")
FORM_FIELDS = ("url", "title", "summary", "points", "hashtags", "topics", "teams", "expires",
               "lang", "kind")
# The input of the queue and version forms each refusal of bot/services/post_input.py is
# about; a bad tag is a hashtag's or a topic's (see refusal).
_INPUT_OF = {"admin.bad_url": "url", "admin.title_too_long": "title",
             "admin.translate_needs_title": "title", "admin.summary_too_long": "summary",
             "admin.too_many_points": "points", "admin.bad_language": "lang",
             "admin.bad_kind": "kind", "admin.bad_date": "expires",
             "admin.expires_before": "expires", "edit.needs_title": "title"}
# A moment typed to the minute is not "past" while that minute lasts.
PAST_GRACE = timedelta(minutes=1)
MAX_YEARS_AWAY = 10  # a day picked further than that from now is a slip (and out of range)


def _choices(ctx: Context, name: str, codes: tuple[str, ...], key: str, value: str) -> Select:
    options = (Option(AUTO, ctx.say(f"admin.{name}_auto")),
               *(Option(code, ctx.say(key, code=code)) for code in codes))
    return Select(name, ctx.say(f"admin.field_{name}"), options, value or AUTO)


async def _team_choice(ctx: Context, value: str) -> Input:
    """The workspace's teams to pick from; typed by name while none is known."""
    names = [name for name in sorted(await teams_by_name(ctx.session, ctx.workspace.id))
             if "," not in name]  # a multiple choice comes back joined by commas
    if not names:
        return TextInput("teams", ctx.say("admin.field_teams"), value, required=False)
    return Select("teams", ctx.say("admin.field_team_choice"),
                  tuple(Option(name, "#" + name) for name in names), value or None,
                  multiple=True, required=False)


async def queue_form(ctx: Context, values: dict[str, str] | None = None,
                     private: str = "") -> Form:
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
            await _team_choice(ctx, values.get("teams", "")),
            DateInput("at_date", ctx.say("admin.field_at_date"), values.get("at_date", ""),
                      required=False),
            TimeInput("at_time", ctx.say("admin.field_at_time"), values.get("at_time", ""),
                      required=False),
            field("expires", required=False, placeholder="7d"),
        ),
    )


def spoken_moment(ctx: Context, moment: datetime) -> str:
    """A moment as the admin says it, in their zone: "Monday 7 December at 09:00",
    « lundi 7 décembre à 09:00 », with the year when it is not this one."""
    local = moment.astimezone(ctx.tz)
    day = day_and_month(local.date(), ctx.locale,
                        year=local.year != ctx.now.astimezone(ctx.tz).year)
    return ctx.say("admin.moment", weekday=format_date(local, "EEEE", locale=ctx.locale),
                   day=day, time=format_time(local, "HH:mm", locale=ctx.locale))


def _typed_moment(moment: datetime, ctx: Context) -> str:
    """A moment as one types it in the form's text fields ("2026-12-09 18:00")."""
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


def when(ctx: Context, post: Post) -> str | None:
    """When the post goes out, in words; None for a draft that waits for the admin's word."""
    if post.status == "draft" and not _moment_given(post):
        return None
    return spoken_moment(ctx, post.publish_at)


def _facts(ctx: Context, post: Post, teams: list[str], *, detected: bool = False,
           inferred: bool = False) -> Facts:
    language = ctx.say("admin.language_name", code=post.language)
    kind = ctx.say("admin.kind_name", code=post.kind)
    return Facts((
        Fact(ctx.say("admin.label_at"), when(ctx, post) or ctx.say("admin.at_confirmation")),
        Fact(ctx.say("admin.label_teams"), ", ".join(teams) or ctx.say("admin.everyone")),
        Fact(ctx.say("admin.label_topics"), ", ".join(post.topics) or "-"),
        Fact(ctx.say("admin.label_language"), ctx.say("admin.detected", value=language)
             if detected else language),
        Fact(ctx.say("admin.label_kind"), ctx.say("admin.inferred", value=kind)
             if inferred else kind),
    ))


def _page_blocks(ctx: Context, post: Post, page: Preview | None,
                 prefilled: tuple[str, ...] = ()) -> list:
    """A host that mixes scripts, in punycode; what was taken from the page and its image."""
    blocks: list = []
    punycode = host_warning(post.url)
    if punycode:
        blocks.append(Text(ctx.say("admin.preview_homograph", host=URL(post.url).host,
                                   punycode=punycode)))
    if page is not None and prefilled:
        blocks.append(Footnote(ctx.say("admin.preview_used", site=page.site,
                                       fields=list(prefilled))))
    if page is not None and page.image:
        blocks.append(Image(page.image, post.title))
    return blocks


def queued_card(ctx: Context, post: Post, teams: list[str], *, detected: bool = False,
                inferred: bool = False, page: Preview | None = None,
                prefilled: tuple[str, ...] = ()) -> Card:
    """The confirmation of a post in the queue: what was understood and how to correct it."""
    said = ctx.say("admin.queued", id=post.id, title=post.title)
    blocks: list = [Text(said), *_page_blocks(ctx, post, page, prefilled),
                    _facts(ctx, post, teams, detected=detected, inferred=inferred)]
    if not ctx.workspace.disclosure_hashtag:
        blocks.append(Text(ctx.say("admin.ask_hashtag")))
    if detected or inferred:
        others = [code for code in LOCALES if code != post.language]
        blocks.append(Footnote(ctx.say("admin.correct_hint", id=post.id, detected=detected,
                                       inferred=inferred, others=others,
                                       kinds=", ".join(KINDS))))
    return Card(summary=said, blocks=tuple(blocks))


def draft_card(ctx: Context, post: Post, teams: list[str], *, from_url: bool, past: bool,
               detected: bool, inferred: bool, page: Preview | None = None,
               prefilled: tuple[str, ...] = (), looked: bool = False) -> Card:
    """A post that waits for the admin's word, saying why, with what it would do; `looked`:
    the page was read for a title in vain."""
    title = ctx.say("admin.draft_title", id=post.id)
    blocks: list = [Heading(title)]
    if from_url:
        blocks.append(Text(ctx.say("admin.draft_from_url", title=post.title)))
        if looked:
            blocks.append(Footnote(ctx.say("admin.preview_none")))
    elif "title" in prefilled:
        blocks.append(Text(ctx.say("admin.draft_from_page", title=post.title,
                                   site=page.site if page else "")))
    blocks.extend(_page_blocks(ctx, post, page, prefilled))
    if past:
        blocks.append(Text(ctx.say("admin.draft_past", at=spoken_moment(ctx, post.publish_at))))
    blocks.append(_facts(ctx, post, teams, detected=detected, inferred=inferred))
    go = ctx.say("admin.draft_send_now" if past else "admin.draft_queue")
    blocks.append(Actions((
        Button(go, "admin.draft.confirm", str(post.id), "primary"),
        Button(ctx.say("admin.draft_edit"), "admin.draft.edit", str(post.id), form=True),
        Button(ctx.say("admin.draft_discard"), "admin.draft.discard", str(post.id), "danger"),
    )))
    return Card(summary=title, blocks=tuple(blocks))


def _fill(post: Post, data: PostInput, audience: list[int], language: str, kind: str,
          publish_at: datetime) -> None:
    post.url, post.title, post.summary = data.url, data.title, data.summary
    post.key_points, post.hashtags, post.topics = data.key_points, data.hashtags, data.topics
    post.audience, post.language, post.kind = audience, language, kind
    post.publish_at, post.expires_at = publish_at, data.expires_at


async def _queue(ctx: Context, data: PostInput, draft: Post | None = None) -> Post:
    teams = await teams_by_name(ctx.session, ctx.workspace.id)
    unknown = [name for name in data.teams if name not in teams]
    if unknown:  # beside the form's teams; a command's answer says it all the same
        raise InputError("teams", "admin.unknown_teams", names=", ".join(unknown),
                        known=", ".join(sorted(teams)) or "-")
    looked = wants_preview(data)
    page = await fetch_preview(data.url, ctx.rt.settings) if looked else None
    if page is not None:
        data = prefill(data, page)
    language = data.language or detect(f"{data.title}\n{data.summary}",
                                       ctx.workspace.locale) or ctx.workspace.locale
    kind = data.kind or infer_kind(data.title, data.summary, data.key_points, language,
                                   data.url)
    past = data.publish_at is not None and data.publish_at < ctx.now - PAST_GRACE
    waits = past or data.title_from_url or "title" in data.prefilled
    post = draft or Post(workspace_id=ctx.workspace.id, source="admin",
                         author_id=ctx.member.id, created_at=ctx.now)
    publish_at = data.publish_at or (post.created_at if waits else ctx.now)
    _fill(post, data, [teams[name].id for name in data.teams], language, kind, publish_at)
    post.status = ("draft" if waits else "scheduled" if publish_at > ctx.now else "active")
    if draft is None:
        ctx.session.add(post)
    await ctx.session.flush()
    detected = data.language is None or "language" in data.prefilled
    inferred = data.kind is None
    if waits:
        audit(ctx, "queue.draft", post_id=post.id, url=post.url, past=past,
              title_from_url=data.title_from_url, **_from_page(data))
        await ctx.reply(draft_card(ctx, post, data.teams, from_url=data.title_from_url,
                                   past=past, detected=detected, inferred=inferred, page=page,
                                   prefilled=data.prefilled, looked=looked))
        return post
    audit(ctx, "queue", post_id=post.id, url=post.url, **_from_page(data))
    ctx.wake(PLAN)
    await ctx.reply(queued_card(ctx, post, data.teams, detected=detected, inferred=inferred,
                                page=page, prefilled=data.prefilled))
    return post


def _from_page(data: PostInput) -> dict[str, object]:
    """What the page filled in, for the audit log (nothing when it filled nothing)."""
    return {"from_page": list(data.prefilled)} if data.prefilled else {}


@router.action("admin.queue.form", admin=True)
async def queue_from_list(ctx: Context, event: CardAction) -> None:
    await ctx.open_form(await queue_form(ctx))


@router.command("queue", "publier")
async def queue(ctx: Context, event: Command) -> None:
    args = rest_of(event.text)
    if not args:
        await ctx.open_form(await queue_form(ctx))
        return
    try:
        data = from_command(args, ctx.now, ctx.tz)
    except BadPostInput as bad:
        raise UserError(bad.key, **bad.values) from None
    await _queue(ctx, data)


def refusal(bad: BadPostInput, values: dict[str, str]) -> UserError:
    """A form's refusal, beside the input it is about."""
    name = _INPUT_OF.get(bad.key)
    if bad.key == "admin.bad_tag":
        tag = str(bad.values.get("tag", "")).lower()
        name = "topics" if tag and tag in values.get("topics", "").lower() else "hashtags"
    return InputError(name, bad.key, **bad.values) if name else UserError(bad.key, **bad.values)


def _picked_day(ctx: Context, typed: str) -> date:
    """The day picked ("YYYY-MM-DD"); none is today, in the admin's zone."""
    if not typed:
        return ctx.now.astimezone(ctx.tz).date()
    try:
        day = date.fromisoformat(typed) if DATE_VALUE.fullmatch(typed) else None
    except ValueError:  # 2026-02-30
        day = None
    if day is None or abs(day.year - ctx.now.year) > MAX_YEARS_AWAY:
        raise InputError("at_date", "admin.bad_day_picked", value=typed[:20])
    return day


def _picked_moment(ctx: Context, values: dict[str, str]) -> str:
    """The day and time picked in the form, as from_fields reads a moment ("": now); a time
    alone is today's, a day needs its time."""
    day, clock = values.get("at_date", "").strip(), values.get("at_time", "").strip()
    if not day and not clock:
        return ""
    picked = _picked_day(ctx, day)
    if not clock:
        raise InputError("at_time", "admin.time_needed")
    if not TIME_VALUE.fullmatch(clock):
        raise InputError("at_time", "admin.bad_time_picked", value=clock[:20])
    return f"{picked.isoformat()}T{clock}"


async def _queue_form_again(ctx: Context, event: FormSubmitted) -> Form:
    return await queue_form(ctx, private=event.private)


async def queue_filled(ctx: Context, submitted: dict[str, str],
                       draft: Post | None = None) -> Post:
    """Queue what the queue form sent (over `draft` if one is being edited)."""
    values = {name: submitted.get(name, "") for name in FORM_FIELDS}
    values["points"] = values["points"].replace("\n", ";")
    values["at"] = _picked_moment(ctx, submitted)
    try:
        data = from_fields(values, ctx.now, ctx.tz)
    except BadPostInput as bad:
        raise refusal(bad, values) from None
    return await _queue(ctx, data, draft)


@router.form("admin.queue", admin=True, reopen=_queue_form_again)
async def queue_submitted(ctx: Context, event: FormSubmitted) -> None:
    draft = await _draft(ctx, event.private) if event.private else None
    await queue_filled(ctx, event.values, draft)


async def own_post(ctx: Context, raw_id: str) -> Post:
    """A post of this workspace by its id as typed ('12' or '#12'), else a clear refusal."""
    post_id = parse_id(raw_id)
    post = await ctx.session.get(Post, post_id) if post_id else None
    if post is None or post.workspace_id != ctx.workspace.id:
        raise UserError("admin.unknown_post", id=raw_id.strip().lstrip("#")[:20] or "?")
    return post


def refuse_closed(ctx: Context, post: Post) -> None:
    """A withdrawn or expired post is refused: nothing can change it any more."""
    if post.status in CLOSED:
        raise UserError("admin.already_closed", id=post.id,
                        status=ctx.say("admin.status_name", status=post.status))


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


async def form_values(ctx: Context, post: Post) -> dict[str, str]:
    """A draft as the queue form shows it; a moment is shown only if the admin gave one."""
    local = post.publish_at.astimezone(ctx.tz) if _moment_given(post) else None
    return {
        "url": post.url, "title": post.title, "summary": post.summary,
        "points": "\n".join(post.key_points), "hashtags": ", ".join(post.hashtags),
        "topics": ", ".join(post.topics),
        "teams": ",".join(name.lower() for name in await _team_names(ctx, post)),
        "at_date": local.date().isoformat() if local else "",
        "at_time": f"{local:%H:%M}" if local else "",
        "expires": _typed_moment(post.expires_at, ctx) if post.expires_at else "",
        "lang": post.language, "kind": post.kind,
    }


@router.action("admin.draft.edit", admin=True)
async def edit_draft(ctx: Context, event: CardAction) -> None:
    post = await _draft(ctx, event.value)
    await ctx.open_form(await queue_form(ctx, await form_values(ctx, post),
                                         private=str(post.id)))


@router.action("admin.draft.discard", admin=True)
async def discard_draft(ctx: Context, event: CardAction) -> None:
    post = await _draft(ctx, event.value)
    post.status = "cancelled"
    audit(ctx, "cancel", post_id=post.id, draft=True)
    said = ctx.say("admin.draft_discarded", id=post.id, title=post.title)
    await ctx.show_outcome(event.message, Card(summary=said, blocks=(Text(said),)))
