"""`/voix dashboard`: a one-time sign-in link to the admins' dashboard (bot/web/dashboard/),
answered privately to the admin who asked."""

from __future__ import annotations

from bot.audit import audit
from bot.cards import Actions, Button, Card, Heading, Text
from bot.context import Context
from bot.events import Command
from bot.router import router
from bot.web import onetime
from bot.web.dashboard.access import LINK_MINUTES, mint


@router.command("dashboard", "tableau")
async def dashboard(ctx: Context, event: Command) -> None:
    if not onetime.can_sign(ctx.rt):
        await ctx.reply(ctx.say("dashboard.no_secret"))
        return
    audit(ctx, "dashboard")
    title = ctx.say("dashboard.card_title")
    await ctx.reply(Card(title, (
        Heading(title), Text(ctx.say("dashboard.card_text", minutes=LINK_MINUTES)),
        Actions((Button(ctx.say("dashboard.card_button"), "dashboard.open",
                        url=mint(ctx.rt, ctx.member.id, ctx.locale, ctx.now),
                        style="primary"),)))))
