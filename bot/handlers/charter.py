"""Joining: the charter card, accepting it or not."""

from __future__ import annotations

import re

from bot.cards import Actions, Block, Button, Card, Footnote, Heading, Point, Text
from bot.context import Context
from bot.events import CardAction, DirectMessage
from bot.nudges import weekly_cap
from bot.router import router
from bot.services.dates import day_and_month
from bot.volunteers import forget_unsent, is_volunteer, record_consent
from bot.wakeups import PLAN

# The lead: the first sentence, or clause before a colon ("Share only what is public:").
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?…:])(\s+|$)(.*)$")


def _blocks(paragraph: str) -> list[Block]:
    """A paragraph of charter.md as the card shows it: each "- " line a point whose first
    sentence leads in bold, other paragraphs as text."""
    if not paragraph.startswith("- "):
        return [Text(paragraph)]
    points: list[Block] = []
    for line in re.split(r"\n(?=- )", paragraph):
        item = re.sub(r"[ \t\n]+", " ", line.removeprefix("- ")).strip(" ")  # NBSPs stay
        found = _FIRST_SENTENCE.match(item)
        points.append(Point(*found.group(1, 3)) if found else Point(item))
    return points


def charter_card(ctx: Context, *, changed: bool = False) -> Card:
    charter = ctx.rt.charter
    intro = ctx.say("charter.changed" if changed else "charter.intro")
    disclosure = ctx.say("charter.disclosure", hashtag=ctx.workspace.disclosure_hashtag)
    text = charter.text(ctx.locale, disclosure)
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return Card(
        summary=ctx.say("charter.title"),
        blocks=(
            Heading(ctx.say("charter.title")),
            Text(intro),
            *(block for p in paragraphs for block in _blocks(p)),
            Footnote(ctx.say("charter.version", version=charter.version, day=day_and_month(
                charter.day, ctx.locale, year=True) if charter.day else "")),
            Actions((
                Button(ctx.say("charter.accept"), "charter.accept", charter.version, "primary"),
                Button(ctx.say("charter.decline"), "charter.decline", charter.version),
            )),
        ),
    )


@router.word("join", "rejoindre", "start", "commencer")
async def join(ctx: Context, event: DirectMessage) -> None:
    if is_volunteer(ctx.member, ctx.rt.charter.version):
        await ctx.reply(ctx.say("volunteer.already_in"))
        return
    changed = ctx.member.status == "active"
    await ctx.reply(charter_card(ctx, changed=changed))


@router.action("charter.accept")
async def accept(ctx: Context, event: CardAction) -> None:
    version = ctx.rt.charter.version
    if event.value != version:
        await ctx.reply(charter_card(ctx, changed=True))
        return
    member = ctx.member
    if not is_volunteer(member, version):
        if member.status != "active":
            member.opted_in_at = ctx.now
        member.status = "active"
        member.charter_version = version
        member.paused_until = None
        record_consent(ctx.session, member, "accepted", ctx.now, version)
        await forget_unsent(ctx.session, member.id)
        ctx.wake(PLAN)
    done = Card(
        summary=ctx.say("charter.accepted_title"),
        blocks=(Heading(ctx.say("charter.accepted_title")),
                Text(ctx.say("volunteer.welcome", cap=weekly_cap(member, ctx.workspace)))),
    )
    await ctx.show_outcome(event.message, done)


@router.action("charter.decline")
async def decline(ctx: Context, event: CardAction) -> None:
    record_consent(ctx.session, ctx.member, "declined", ctx.now, event.value or None)
    done = Card(summary=ctx.say("charter.declined"), blocks=(Text(ctx.say("charter.declined")),))
    await ctx.show_outcome(event.message, done)
