"""The preferences form: how often, when, about what, on which networks, in which language."""

from __future__ import annotations

from dataclasses import replace

from bot.cards import Form, Option, Select, TextInput
from bot.context import Context
from bot.errors import UserError
from bot.events import CardAction, DirectMessage, FormSubmitted
from bot.preferences import MAX_WEEKLY_CAP, NETWORKS, preferences
from bot.router import router
from bot.services.timeparse import BadTime, parse_clock
from bot.texts import LOCALES
from bot.volunteers import is_volunteer

MAX_TOPICS = 20


def _yes_no(ctx: Context, name: str, label: str, value: bool) -> Select:
    return Select(name, label, (Option("yes", ctx.say("common.yes")),
                                Option("no", ctx.say("common.no"))), "yes" if value else "no")


def prefs_form(ctx: Context) -> Form:
    prefs = preferences(ctx.member.prefs, ctx.workspace.weekly_cap)
    caps = tuple(Option(str(n), str(n)) for n in range(1, MAX_WEEKLY_CAP + 1))
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
            Select("language", ctx.say("prefs.language"),
                   tuple(Option(code, ctx.say(f"common.language_{code}")) for code in LOCALES),
                   ctx.locale),
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
    )
    ctx.member.prefs = updated.to_json()
    await ctx.reply(ctx.say("prefs.saved", cap=updated.weekly_cap, start=updated.quiet_start,
                            end=updated.quiet_end))
