"""The preferences form: how often, when, about what, on which networks, in which languages,
what to say about themselves (role, one sentence about their work) and, where the
workspace has them, whether they want AI drafts. It opens filled in; a refused input is
shown beside that input, the rest of the form as it was typed."""

from __future__ import annotations

from dataclasses import replace

from bot.cards import Form, Option, Select, TextInput, TimeInput, Toggle
from bot.context import Context
from bot.errors import InputError, UserError
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
MAX_TOPICS_TEXT = 500
_CAPS = tuple(str(n) for n in range(1, MAX_WEEKLY_CAP + 1))
_AI_CHOICES = ("yes", "examples", "no")  # AI drafts; with my past texts as examples; none
_TOGGLE = {"true": True, "false": False}


def _toggle(ctx: Context, name: str, value: bool) -> Toggle:
    return Toggle(name, ctx.say(f"prefs.{name}"), value, ctx.say(f"prefs.{name}_text"))


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
    caps = tuple(Option(cap, ctx.say("prefs.cap_option", cap=int(cap))) for cap in _CAPS)
    posting = ",".join(posting_languages(ctx.member, ctx.workspace))
    return Form(
        form_id="prefs",
        title=ctx.say("prefs.title"),
        submit_label=ctx.say("prefs.save"),
        intro=ctx.say("prefs.intro"),
        inputs=(
            Select("weekly_cap", ctx.say("prefs.weekly_cap"), caps, str(prefs.weekly_cap)),
            TimeInput("quiet_start", ctx.say("prefs.quiet_start"), prefs.quiet_start),
            TimeInput("quiet_end", ctx.say("prefs.quiet_end"), prefs.quiet_end),
            _toggle(ctx, "weekends", prefs.weekends),
            TextInput("topics", ctx.say("prefs.topics"), ", ".join(prefs.topics),
                      required=False, max_length=MAX_TOPICS_TEXT,
                      placeholder=ctx.say("prefs.topics_hint")),
            Select("networks", ctx.say("prefs.networks"),
                   tuple(Option(n, ctx.say(f"common.network_{n}")) for n in NETWORKS),
                   ",".join(prefs.networks), multiple=True),
            _languages(ctx, "language", ctx.locale),
            _languages(ctx, "languages", posting, multiple=True),
            *_about_you(ctx, prefs),
            *_ai_select(ctx, prefs),
            _toggle(ctx, "in_digest", prefs.in_digest),
            _toggle(ctx, "impact_notes", prefs.impact_notes),
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


# Reading a submission. An input missing or left empty where it cannot be emptied (a choice,
# a switch) keeps its current value: only what was changed, and is wrong, is refused.


def _choice(values: dict[str, str], name: str, allowed: tuple[str, ...], current: str) -> str:
    value = values.get(name, "").strip()
    if value and value not in allowed:
        raise InputError(name, "prefs.invalid")
    return value or current


def _switch(values: dict[str, str], name: str, current: bool) -> bool:
    value = values.get(name, "").strip().lower()
    if value and value not in _TOGGLE:
        raise InputError(name, "prefs.invalid")
    return _TOGGLE.get(value, current)


def _clock(values: dict[str, str], name: str) -> str:
    try:
        return parse_clock(values.get(name, "")).strftime("%H:%M")
    except BadTime:
        raise InputError(name, "prefs.bad_time") from None


def _some(values: dict[str, str], name: str, allowed: tuple[str, ...]) -> list[str]:
    """A multiple choice that needs at least one of `allowed`."""
    chosen = [value.strip() for value in values.get(name, "").split(",") if value.strip()]
    if not chosen:
        raise InputError(name, f"prefs.{name}_needed")
    if any(value not in allowed for value in chosen):
        raise InputError(name, "prefs.invalid")
    return list(dict.fromkeys(chosen))


def _one_line(ctx: Context, values: dict[str, str], name: str, limit: int) -> str:
    """A free-text input on one line, within its length, free of the workspace's blocked terms."""
    text = " ".join(values.get(name, "").split())
    if len(text) > limit:
        raise InputError(name, "prefs.too_long", limit=limit)
    blocked = find_blocked(text, ctx.workspace.blocked_terms)
    if blocked:
        raise InputError(name, "prefs.blocked_term", term=blocked)
    return text


def _topics(values: dict[str, str]) -> list[str]:
    text = values.get("topics", "")
    if len(text) > MAX_TOPICS_TEXT:
        raise InputError("topics", "prefs.too_long", limit=MAX_TOPICS_TEXT)
    topics = [topic.strip().lstrip("#").lower() for topic in text.split(",")]
    return [topic for topic in dict.fromkeys(topics) if topic][:MAX_TOPICS]


def _read(ctx: Context, values: dict[str, str], current: Preferences) -> Preferences:
    """The preferences the submission asks for, or an InputError on the first input refused."""
    ai = _choice(values, "ai", _AI_CHOICES, _ai_choice(current)) if _ai_offered(ctx) \
        else _ai_choice(current)
    return replace(
        current,
        weekly_cap=int(_choice(values, "weekly_cap", _CAPS, str(current.weekly_cap))),
        quiet_start=_clock(values, "quiet_start"),
        quiet_end=_clock(values, "quiet_end"),
        weekends=_switch(values, "weekends", current.weekends),
        topics=_topics(values),
        networks=_some(values, "networks", NETWORKS),
        language=_choice(values, "language", LOCALES, ctx.locale),
        languages=_some(values, "languages", LOCALES),
        role=_one_line(ctx, values, "role", MAX_ROLE),
        about=_one_line(ctx, values, "about", MAX_ABOUT),
        ai_drafts=ai != "no",
        ai_examples=ai == "examples",
        in_digest=_switch(values, "in_digest", current.in_digest),
        impact_notes=_switch(values, "impact_notes", current.impact_notes),
    )


async def _reopen(ctx: Context, event: FormSubmitted) -> Form:
    return prefs_form(ctx)


@router.form("prefs", reopen=_reopen)
async def prefs_submitted(ctx: Context, event: FormSubmitted) -> None:
    if not is_volunteer(ctx.member, ctx.rt.charter.version):
        raise UserError("volunteer.not_in")
    current = preferences(ctx.member.prefs, ctx.workspace.weekly_cap)
    updated = _read(ctx, event.values, current)
    ctx.member.prefs = updated.to_json()
    if current.ai_drafts and not updated.ai_drafts:  # no AI draft shown to them from now on
        await forget_drafts(ctx.session, Member.id == ctx.member.id)
    await ctx.reply(ctx.say("prefs.saved", cap=updated.weekly_cap, start=updated.quiet_start,
                            end=updated.quiet_end, weekends=updated.weekends,
                            languages=updated.languages))
