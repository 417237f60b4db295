"""Help cards: the volunteer's and the admin's."""

from __future__ import annotations

from bot.cards import Actions, Button, Card, Heading, Point, Text
from bot.context import Context
from bot.events import CardAction, Command, DirectMessage
from bot.handlers.charter import join
from bot.handlers.volunteer import me
from bot.router import router
from bot.volunteers import is_volunteer


def volunteer_help_card(ctx: Context) -> Card:
    active = is_volunteer(ctx.member, ctx.rt.charter.version)
    buttons = (
        (Button(ctx.say("help.button_prefs"), "prefs.open", form=True),
         Button(ctx.say("help.button_me"), "help.me", style="primary"))
        if active else
        (Button(ctx.say("help.button_join"), "help.join", style="primary"),)
    )
    return Card(
        summary=ctx.say("help.title"),
        blocks=(
            Heading(ctx.say("help.title")),
            Text(ctx.say("help.volunteer", active=active)),
            Actions(buttons),
        ),
    )


@router.word("help", "aide", "?")
async def volunteer_help(ctx: Context, event: DirectMessage) -> None:
    await ctx.reply(volunteer_help_card(ctx))


def admin_help_card(ctx: Context) -> Card:
    """Each command in bold with what it does beside it, and a button to queue a post."""
    points = []
    for line in ctx.say("help.admin").splitlines():
        command, _, does = line.partition(": ")
        points.append(Point(command.rstrip("\u00a0 "), does))
    return Card(summary=ctx.say("help.admin_title"), blocks=(
        Heading(ctx.say("help.admin_title")), *points,
        Actions((Button(ctx.say("admin.button_queue"), "admin.queue.form", style="primary",
                        form=True),))))


async def command_help(ctx: Context, event: Command) -> None:
    await ctx.reply(admin_help_card(ctx) if ctx.member.is_admin else volunteer_help_card(ctx))


@router.command("help", "aide", admin=False)
async def help_command(ctx: Context, event: Command) -> None:
    await command_help(ctx, event)


@router.action("help.join")
async def join_button(ctx: Context, event: CardAction) -> None:
    await join(ctx, DirectMessage(event.actor, "join", event.conversation))


@router.action("help.me")
async def me_button(ctx: Context, event: CardAction) -> None:
    await me(ctx, DirectMessage(event.actor, "me", event.conversation))
