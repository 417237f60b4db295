"""Admin commands for the workspace's settings: show them, and set one at a time."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_time, get_day_names

from bot.audit import audit
from bot.cards import Card, Fact, Facts, Footnote, Heading
from bot.context import Context
from bot.dispatch_utils import rest_of
from bot.errors import UserError
from bot.events import Command
from bot.preferences import MAX_WEEKLY_CAP
from bot.router import router
from bot.services.dates import day_and_month
from bot.texts import LOCALES
from bot.voice.compose import forget_drafts
from storage.members import teams_by_name
from storage.models import Member, Team, Workspace

_DAY_NAMES = (("monday", "lundi"), ("tuesday", "mardi"), ("wednesday", "mercredi"),
              ("thursday", "jeudi"), ("friday", "vendredi"), ("saturday", "samedi"),
              ("sunday", "dimanche"))
WEEKDAYS = {name: index for index, names in enumerate(_DAY_NAMES) for name in names}
_HASHTAG = re.compile(r"^#?\w{1,50}$")
MAX_TERMS = 50
MAX_GAP_HOURS = 168
_NONE = ("none", "aucun", "aucune", "-")


def _number(value: str, low: int, high: int) -> int:
    if not (value.isascii() and value.isdecimal()) or not low <= int(value) <= high:
        raise UserError("settings.bad_number", low=low, high=high)
    return int(value)


def _hashtag(ws: Workspace, value: str) -> None:
    if value.lower() in _NONE:
        ws.disclosure_hashtag = ""
    elif _HASHTAG.match(value):
        ws.disclosure_hashtag = "#" + value.lstrip("#")
    else:
        raise UserError("settings.bad_hashtag")


def _blocked(ws: Workspace, value: str) -> None:
    terms = [t.strip() for t in value.split(",") if t.strip()]
    if value.lower() in ("none", "aucun", "-"):
        terms = []
    if len(terms) > MAX_TERMS or any(len(t) > 100 for t in terms):
        raise UserError("settings.bad_terms", count=MAX_TERMS)
    ws.blocked_terms = list(dict.fromkeys(terms))


def _language(ws: Workspace, value: str) -> None:
    if value.lower() not in LOCALES:
        raise UserError("settings.bad_language", known=", ".join(LOCALES))
    ws.locale = value.lower()


def _timezone(ws: Workspace, value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError("settings.bad_timezone", value=value[:60]) from None
    ws.timezone = value


def _cap(ws: Workspace, value: str) -> None:
    ws.weekly_cap = _number(value, 1, MAX_WEEKLY_CAP)


def _gap(ws: Workspace, value: str) -> None:
    ws.min_gap_hours = _number(value, 1, MAX_GAP_HOURS)


def _digest(ws: Workspace, value: str) -> None:
    day, _, hour = value.lower().partition(" ")
    if day not in WEEKDAYS:
        raise UserError("settings.bad_day")
    ws.digest_weekday = WEEKDAYS[day]
    ws.digest_hour = _number(hour.strip().removesuffix("h"), 0, 23)


_ON = {"on": True, "yes": True, "oui": True, "off": False, "no": False, "non": False}


def _ai(ws: Workspace, value: str) -> None:
    if value.lower() not in _ON:
        raise UserError("settings.bad_switch")
    ws.ai_drafts = _ON[value.lower()]


SETTERS: dict[str, Callable[[Workspace, str], None]] = {
    "hashtag": _hashtag, "blocked": _blocked, "language": _language, "timezone": _timezone,
    "cap": _cap, "gap": _gap, "digest": _digest, "ai": _ai,
}


def _charter(ctx: Context) -> str:
    charter = ctx.rt.charter
    return ctx.say("settings.charter", version=charter.version,
                   day=day_and_month(charter.day, ctx.locale, year=True) if charter.day else "")


def _gap_words(ctx: Context, hours: int) -> str:
    days, rest = divmod(hours, 24)
    return ctx.say("settings.gap", days=0 if rest else days, hours=hours)


def _digest_slot(ctx: Context, ws: Workspace) -> str:
    day = get_day_names("wide", locale=ctx.locale)[ws.digest_weekday]
    return ctx.say("settings.digest", day=day,
                   time=format_time(time(ws.digest_hour), "HH:mm", locale=ctx.locale))


def _ai_state(ctx: Context) -> str:
    if not ctx.rt.settings.llm_configured:
        return ctx.say("settings.ai_none")
    return ctx.say("settings.ai_state", on=ctx.workspace.ai_drafts,
                   model=ctx.rt.settings.llm_model or "")


async def _reviewing(ctx: Context) -> Team | None:
    """The team whose channel reviews employees' proposals, if one was set."""
    return next((team for team in (await teams_by_name(ctx.session, ctx.workspace.id)).values()
                 if team.reviews), None)


async def _set_review(ctx: Context, typed: str) -> None:
    """`/voix set review #channel` (a team's channel the bot is in), or `none`."""
    teams = await teams_by_name(ctx.session, ctx.workspace.id)
    name = typed.rsplit("|", 1)[-1].strip("<>#").lower()  # Slack sends <#C123|name>
    chosen = teams.get(name) if name not in _NONE else None
    if chosen is None and name not in _NONE:
        raise UserError("settings.unknown_review", name=typed[:80])
    for team in teams.values():
        team.reviews = team is chosen


async def settings_card(ctx: Context) -> Card:
    """The workspace's settings in plain words; the names to type them by in small print."""
    ws = ctx.workspace
    reviewing = await _reviewing(ctx)
    shown = (
        ("hashtag", ws.disclosure_hashtag or ctx.say("settings.no_hashtag")),
        ("blocked", ", ".join(ws.blocked_terms) or ctx.say("settings.no_terms")),
        ("language", ctx.say("admin.language_name", code=ws.locale)),
        ("timezone", ws.timezone),
        ("cap", ctx.say("settings.cap", count=ws.weekly_cap)),
        ("gap", _gap_words(ctx, ws.min_gap_hours)),
        ("digest", _digest_slot(ctx, ws)),
        ("sending", ctx.say("settings.sending", paused=ws.paused)),
        ("ai", _ai_state(ctx)),
        ("review", ctx.say("settings.review", channel="#" + reviewing.name.lstrip("#")
                           if reviewing else "")),
        ("charter", _charter(ctx)),
    )
    return Card(summary=ctx.say("settings.title"), blocks=(
        Heading(ctx.say("settings.title")),
        Facts(tuple(Fact(ctx.say(f"settings.label_{name}"), value) for name, value in shown)),
        Footnote(ctx.say("settings.how")),
    ))


@router.command("settings", "réglages", "reglages")
async def show_settings(ctx: Context, event: Command) -> None:
    audit(ctx, "settings")
    await ctx.reply(await settings_card(ctx))


@router.command("set", "régler")
async def set_setting(ctx: Context, event: Command) -> None:
    name, _, value = rest_of(event.text).partition(" ")
    if name.lower() in ("review", "relecture") and value.strip():
        await _set_review(ctx, value.strip())
        audit(ctx, "set", name="review", value=value.strip()[:200])
        await ctx.reply(await settings_card(ctx))
        return
    setter = SETTERS.get(name.lower())
    if setter is None or not value.strip():
        raise UserError("settings.usage")
    if setter is _ai and not ctx.rt.settings.llm_configured and _ON.get(value.strip().lower()):
        raise UserError("settings.no_model")
    setter(ctx.workspace, value.strip())
    if setter is _ai and not ctx.workspace.ai_drafts:  # no AI draft shown from now on
        await forget_drafts(ctx.session, Member.workspace_id == ctx.workspace.id)
    audit(ctx, "set", name=name.lower(), value=value.strip()[:200])
    await ctx.reply(await settings_card(ctx))
