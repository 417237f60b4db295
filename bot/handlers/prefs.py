"""The preferences form: how often, when, about what, on which networks, in which languages,
what to say about themselves (role, one sentence about their work) and, where the
workspace has them, whether they want AI drafts."""

from __future__ import annotations

from dataclasses import replace

from bot.cards import Form, Option, Select, TextInput
from bot.context import Context
from bot.errors import UserError
from bot.events import CardAction, DirectMessage, FormSubmitted
from bot.preferences import (
    MAX_ABOUT,
    MAX_ROLE,
    MAX_WEEKLY_CAP,
    NETWORKS,
    Preferences,
    posting_languages,
    preferences,
)
from bot.router import router
from bot.services.timeparse import BadTime, parse_clock
from bot.terms import find_blocked
from bot.texts import LOCALES
from bot.voice.compose import forget_drafts
from bot.volunteers import is_volunteer
from storage.models import Member

MAX_TOPICS = 20


def _yes_no(ctx: Context, name: str, label: str, value: bool) -> Select:
    return Select(name, label, (Option("yes", ctx.say("common.yes")),
                                Option("no", ctx.say("common.no"))), "yes" if value else "no")


def _languages(ctx: Context, name: str, value: str, multiple: bool = False) -> Select:
    options = tuple(Option(code, ctx.say(f"common.language_{code}")) for code in LOCALES)
    return Select(name, ctx.say(f"prefs.{name}"), options, value, multiple=multiple)


def _about_you(ctx: Context, prefs: Preferences) -> tuple[TextInput, TextInput]:
    # The platform's job title, when it gives one, is what "my role" replaces.
    hint = ctx.member.job_title or ctx.say("prefs.role_hint")
    return (TextInput("role", ctx.say("prefs.role"), prefs.role, required=False,
                      max_length=MAX_ROLE, placeholder=hint[:MAX_ROLE]),
            TextInput("about", ctx.say("prefs.about"), prefs.about, required=False,
                      max_length=MAX_ABOUT, placeholder=ctx.say("prefs.about_hint")))


_AI_CHOICES = ("yes", "examples", "no")  # AI drafts; with my past texts as examples; none


def _ai_offered(ctx: Context) -> bool:
    return ctx.workspace.ai_drafts and ctx.rt.settings.llm_configured


def _ai_choice(prefs: Preferences) -> str:
    return "no" if not prefs.ai_drafts else "examples" if prefs.ai_examples else "yes"


def _ai_select(ctx: Context, prefs: Preferences) -> tuple[Select, ...]:
    """Only where the workspace has AI drafts: elsewhere the question means nothing."""
    if not _ai_offered(ctx):
        return ()
    return (Select("ai", ctx.say("prefs.ai"),
                   tuple(Option(choice, ctx.say(f"prefs.ai_{choice}")) for choice in _AI_CHOICES),
                   _ai_choice(prefs)),)


def prefs_form(ctx: Context) -> Form:
    prefs = preferences(ctx.member.prefs, ctx.workspace.weekly_cap)
    caps = tuple(Option(str(n), str(n)) for n in range(1, MAX_WEEKLY_CAP + 1))
    posting = ",".join(posting_languages(ctx.member, ctx.workspace))
    return Form(
        form_id="prefs",
        title=ctx.say("prefs.title"),
        submit_label=ctx.say("prefs.save"),
        intro=ctx.say("prefs.intro"),
        inputs=(
            Select("weekly_cap", ctx.say("prefs.weekly_cap"), caps, str(prefs.weekly_cap)),
            TextInput("quiet_start", ctx.say("prefs.quiet_start"), prefs.quiet_start,
                      max_length=5, placeholder="19:00"),
            TextInput("quiet_end", ctx.say("prefs.quiet_end"), prefs.quiet_end,
                      max_length=5, placeholder="09:00"),
            _yes_no(ctx, "weekends", ctx.say("prefs.weekends"), prefs.weekends),
            TextInput("topics", ctx.say("prefs.topics"), ", ".join(prefs.topics),
                      required=False, max_length=500, placeholder=ctx.say("prefs.topics_hint")),
            Select("networks", ctx.say("prefs.networks"),
                   tuple(Option(n, ctx.say(f"common.network_{n}")) for n in NETWORKS),
                   ",".join(prefs.networks), multiple=True),
            _languages(ctx, "language", ctx.locale),
            _languages(ctx, "languages", posting, multiple=True),
            *_about_you(ctx, prefs),
            *_ai_select(ctx, prefs),
            _yes_no(ctx, "in_digest", ctx.say("prefs.in_digest"), prefs.in_digest),
        ),
    )


async def _open(ctx: Context) -> None:
    if not is_volunteer(ctx.member, ctx.rt.charter.version):
        raise UserError("volunteer.not_in")
    await ctx.open_form(prefs_form(ctx))


@router.word("prefs", "préférences", "preferences", "réglages")
async def prefs_word(ctx: Context, event: DirectMessage) -> None:
    await _open(ctx)


@router.action("prefs.open")
async def prefs_button(ctx: Context, event: CardAction) -> None:
    await _open(ctx)


def _invalid(ctx: Context, name: str) -> UserError:
    """A refusal naming the field as the form shows it."""
    return UserError("prefs.invalid", field=ctx.say(f"prefs.{name}"))


def _choice(ctx: Context, values: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = values.get(name, "").strip()
    if value not in allowed:
        raise _invalid(ctx, name)
    return value


def _one_line(ctx: Context, values: dict[str, str], name: str, limit: int) -> str:
    """A free-text field on one line, within its length, free of the workspace's blocked terms."""
    text = " ".join(values.get(name, "").split())
    if len(text) > limit:
        raise UserError("prefs.too_long", field=ctx.say(f"prefs.{name}"), limit=limit)
    blocked = find_blocked(text, ctx.workspace.blocked_terms)
    if blocked:
        raise UserError("prefs.blocked_term", field=ctx.say(f"prefs.{name}"), term=blocked)
    return text


def _chosen_languages(ctx: Context, values: dict[str, str]) -> list[str]:
    chosen = [lang.strip() for lang in values.get("languages", "").split(",") if lang.strip()]
    if not chosen or any(lang not in LOCALES for lang in chosen):
        raise _invalid(ctx, "languages")
    return list(dict.fromkeys(chosen))


@router.form("prefs")
async def prefs_submitted(ctx: Context, event: FormSubmitted) -> None:
    if not is_volunteer(ctx.member, ctx.rt.charter.version):
        raise UserError("volunteer.not_in")
    values = event.values
    caps = tuple(str(n) for n in range(1, MAX_WEEKLY_CAP + 1))
    try:
        quiet_start = parse_clock(values.get("quiet_start", ""))
        quiet_end = parse_clock(values.get("quiet_end", ""))
    except BadTime:
        raise UserError("prefs.bad_time") from None
    networks = [n for n in values.get("networks", "").split(",") if n.strip()]
    if not networks or any(n not in NETWORKS for n in networks):
        raise _invalid(ctx, "networks")
    topics = [t.strip().lstrip("#").lower() for t in values.get("topics", "").split(",")]
    topics = [t for t in dict.fromkeys(topics) if t][:MAX_TOPICS]
    current = preferences(ctx.member.prefs, ctx.workspace.weekly_cap)
    ai = (_choice(ctx, values, "ai", _AI_CHOICES) if _ai_offered(ctx) and "ai" in values
          else _ai_choice(current))
    updated = replace(
        current,
        weekly_cap=int(_choice(ctx, values, "weekly_cap", caps)),
        quiet_start=quiet_start.strftime("%H:%M"),
        quiet_end=quiet_end.strftime("%H:%M"),
        weekends=_choice(ctx, values, "weekends", ("yes", "no")) == "yes",
        topics=topics,
        networks=networks,
        language=_choice(ctx, values, "language", LOCALES),
        in_digest=_choice(ctx, values, "in_digest", ("yes", "no")) == "yes",
        languages=_chosen_languages(ctx, values),
        role=_one_line(ctx, values, "role", MAX_ROLE),
        about=_one_line(ctx, values, "about", MAX_ABOUT),
        ai_drafts=ai != "no",
        ai_examples=ai == "examples",
    )
    ctx.member.prefs = updated.to_json()
    if current.ai_drafts and not updated.ai_drafts:  # no AI draft shown to them from now on
        await forget_drafts(ctx.session, Member.id == ctx.member.id)
    await ctx.reply(ctx.say("prefs.saved", cap=updated.weekly_cap, start=updated.quiet_start,
                            end=updated.quiet_end, languages=updated.languages))
