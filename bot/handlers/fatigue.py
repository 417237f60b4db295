"""The answers to "fewer posts for a while?" and to the check-in (bot/fatigue/)."""

from __future__ import annotations

from bot.cards import Card, Text
from bot.context import Context
from bot.events import CardAction
from bot.fatigue.rule import PAUSE, lowered
from bot.handlers.volunteer import stop_volunteer
from bot.preferences import preferences
from bot.router import router
from bot.services.dates import day_and_month
from bot.volunteers import is_volunteer, record_consent


async def _outcome(ctx: Context, answer: str) -> str:
    member = ctx.member
    if answer == "stop":
        member.fatigue_cap = None
        return await stop_volunteer(ctx)
    if not is_volunteer(member, ctx.rt.charter.version):
        return ctx.say("volunteer.not_in")
    cap = preferences(member.prefs, ctx.workspace.weekly_cap).weekly_cap
    eased, member.fatigue_cap = member.fatigue_cap, None
    member.fatigue_answered_at = ctx.now
    if answer == "keep":
        return ctx.say("fatigue.kept", cap=cap)
    if answer == "fewer":
        fewer = min(cap, eased) if eased is not None else lowered(cap)
        member.prefs = {**member.prefs, "weekly_cap": fewer}
        return ctx.say("fatigue.fewer_done", cap=fewer)
    member.paused_until = ctx.now + PAUSE
    record_consent(ctx.session, member, "paused", ctx.now)
    return ctx.say("volunteer.paused", until=day_and_month(
        member.paused_until.astimezone(ctx.tz).date(), ctx.locale))


ANSWERS = ("keep", "fewer", "pause", "stop")


async def answered(ctx: Context, event: CardAction) -> None:
    """An answer's button ("fatigue.<answer>"): the question replaced by what it did."""
    said = await _outcome(ctx, event.action_id.removeprefix("fatigue."))
    await ctx.show_outcome(event.message, Card(summary=said, blocks=(Text(said),)))


for _answer in ANSWERS:
    router.action(f"fatigue.{_answer}")(answered)
