"""Crisis mode: every nudge held, open cards on hold, one factual brief to each volunteer.

A crisis holds nudges through the workspace pause (`Workspace.paused`, which the plan, the
outbox's claims and its last check before each send all honour), and remembers whether an
admin's own pause was there before it (`crisis_resumes`), so that its end keeps that pause.
What the platforms must show (cards on hold or back, the volunteers' brief or end note) is
left on the workspace for scheduler/cards.py, which works through it at their pace.
"""

from __future__ import annotations

from datetime import datetime

from babel.lists import format_list
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import Actions, Block, Button, Card, Footnote, Heading, LinkPreview, Quote, Text
from bot.errors import UserError
from bot.texts import Texts
from bot.voice.versions import version
from storage.members import admins_of
from storage.models import Delivery, Member, Post, Workspace

HOLD, OPEN = "hold", "open"  # what open cards must show
BRIEF, END = "brief", "end"  # which note the volunteers must get


def in_crisis(workspace: Workspace) -> bool:
    return workspace.crisis_since is not None


def begin(workspace: Workspace, brief: str, link: str, now: datetime) -> None:
    """Hold every nudge now; the cards and the brief follow through the cards job."""
    workspace.crisis_since, workspace.crisis_brief, workspace.crisis_link = now, brief, link
    workspace.crisis_resumes = not workspace.paused
    workspace.paused = True
    workspace.crisis_cards, workspace.crisis_cards_after = HOLD, 0
    workspace.crisis_news, workspace.crisis_news_after = BRIEF, 0


def finish(workspace: Workspace) -> bool:
    """End the crisis: cards back, a note to the volunteers. Returns whether sending resumes
    (not when an admin had paused the workspace before or during the crisis)."""
    resumes = workspace.crisis_resumes
    if resumes:
        workspace.paused = False
    workspace.crisis_since, workspace.crisis_resumes = None, False
    workspace.crisis_brief = workspace.crisis_link = ""
    # From the first card again: those the hold pass had not reached yet get one more
    # update, to what they already show, rather than a held card left behind by a race.
    workspace.crisis_cards, workspace.crisis_cards_after = OPEN, 0
    workspace.crisis_news, workspace.crisis_news_after = END, 0
    return resumes


def keep_pause_after(workspace: Workspace) -> None:
    """An admin's `/voix pause` during a crisis: its end must not resume sending."""
    workspace.crisis_resumes = False


def refuse_resume(workspace: Workspace) -> None:
    """`/voix resume` during a crisis: only ending the crisis resumes sending."""
    if in_crisis(workspace):
        raise UserError("crisis.resume_refused")


async def reach(session: AsyncSession, workspace_id: int) -> tuple[int, int]:
    """How many open cards and volunteers a crisis's passes will go through."""
    cards = await session.scalar(
        select(func.count()).select_from(Delivery).join(Member, Member.id == Delivery.member_id)
        .where(Member.workspace_id == workspace_id, Delivery.status == "sent"))
    people = await session.scalar(select(func.count()).select_from(Member).where(
        Member.workspace_id == workspace_id, Member.status == "active"))
    return cards or 0, people or 0


async def admin_names(session: AsyncSession, workspace_id: int) -> list[str]:
    """Whom volunteers may ask: the workspace's admins, by the name the platform shows."""
    return [admin.display_name or admin.external_id
            for admin in await admins_of(session, workspace_id)]


def held_card(texts: Texts, post: Post, delivery: Delivery) -> Card:
    """An open nudge during a crisis: the post, and no button to share it."""
    shown = version(post, delivery.language)
    held = texts.say(shown.language, "crisis.held")
    return Card(summary=held, blocks=(
        Heading(texts.say(shown.language, "crisis.held_title")),
        LinkPreview(post.url, shown.title),
        Text(held)))


def brief_card(texts: Texts, locale: str, workspace: Workspace, admins: list[str]) -> Card:
    """What happened, the official statement, the request, and whom to ask."""
    def say(key: str, **values: object) -> str:
        return texts.say(locale, key, **values)

    blocks: list[Block] = [Heading(say("crisis.brief_title")), Text(say("crisis.brief_intro")),
                           Quote(workspace.crisis_brief), Text(say("crisis.brief_ask"))]
    if admins:
        blocks.append(Text(say("crisis.brief_whom", admins=format_list(admins, locale=locale))))
    if workspace.crisis_link:
        blocks.append(Actions((Button(say("crisis.statement"), "crisis.statement",
                                      url=workspace.crisis_link),)))
    blocks.append(Footnote(say("crisis.brief_footer")))
    return Card(summary=say("crisis.brief_title"), blocks=tuple(blocks))


def end_card(texts: Texts, locale: str) -> Card:
    title = texts.say(locale, "crisis.end_title")
    return Card(summary=title, blocks=(Heading(title), Text(texts.say(locale, "crisis.end_note"))))
