"""The home card: where a person stands with Porte-Voix, and the buttons to change it."""

from __future__ import annotations

from bot.cards import Actions, Block, Button, Card, Footnote, Heading, Text
from bot.context import Context
from bot.handlers.volunteer import impact_facts, recognised
from bot.preferences import preferences
from bot.stats import Impact, impact
from bot.volunteers import is_volunteer


async def home(ctx: Context) -> Card:
    """The home card with the person's own figures, badges and the challenges running."""
    figures = await impact(ctx.session, ctx.member.id)
    more = await recognised(ctx, figures) if is_volunteer(ctx.member, ctx.rt.charter.version) \
        else []
    return home_card(ctx, figures, tuple(more))


def home_card(ctx: Context, figures: Impact | None = None, more: tuple[Block, ...] = ()) -> Card:
    member = ctx.member
    blocks: list[Block] = [Heading(ctx.say("home.title")), Text(ctx.say("home.intro"))]
    if is_volunteer(member, ctx.rt.charter.version):
        prefs = preferences(member.prefs, ctx.workspace.weekly_cap)
        until = ""
        if member.paused_until is not None and member.paused_until > ctx.now:
            until = member.paused_until.astimezone(ctx.tz).strftime("%Y-%m-%d")
        blocks.append(Text(ctx.say("home.active", cap=prefs.weekly_cap, start=prefs.quiet_start,
                                   end=prefs.quiet_end, paused_until=until)))
        if figures is not None and figures.shares:
            blocks.append(impact_facts(ctx, figures))
        blocks.extend(more)
        blocks.append(Actions((
            Button(ctx.say("help.button_prefs"), "prefs.open", form=True),
            Button(ctx.say("help.button_me"), "help.me", style="primary"),
            Button(ctx.say("home.button_stop"), "volunteer.stop"),  # there, never loud
        )))
    else:
        changed = member.status == "active"
        blocks.append(Text(ctx.say("home.not_in", changed=changed)))
        blocks.append(Actions((Button(ctx.say("help.button_join"), "help.join", style="primary"),)))
    blocks.append(Footnote(ctx.say("home.footer")))
    return Card(summary=ctx.say("home.title"), blocks=tuple(blocks))
