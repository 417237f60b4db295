"""The nudge: the card a volunteer receives for a post, with three personal suggestions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import (
    Actions,
    Block,
    Button,
    Card,
    Footnote,
    Heading,
    Idea,
    Ideas,
    LinkPreview,
    Text,
)
from bot.preferences import preferences
from bot.services.sharing import hashtag_line
from bot.texts import Texts
from bot.voice.compose import Batch, compose, forget_suggestions
from bot.voice.stored import AI, Suggestion
from bot.voice.style import Style
from bot.voice.versions import version
from storage.models import Delivery, Member, Post, Workspace

NUDGE_REFRESH = "nudge"  # a nudge card's refresh value: "nudge:<delivery id>"


def nudge_card(texts: Texts, post: Post, delivery: Delivery, suggestions: list[Suggestion],
               member: Member, workspace: Workspace, style: Style) -> Card:
    """The nudge, wholly in the language of the post version the member gets: the post's
    title as the hook, its gist, the ideas to pick one from (each its label and its own
    words), one action for the idea picked (it opens the share form), and quiet ways out.
    It refreshes as the nudge's state changes (withdrawn, shared elsewhere)."""
    shown = version(post, delivery.language)
    cap = weekly_cap(member, workspace)
    hashtags = hashtag_line(list(post.hashtags), workspace.disclosure_hashtag)

    def say(key: str, **values: object) -> str:
        return texts.say(shown.language, key, **values)

    gist = shown.summary or "\n".join(f"• {point}" for point in shown.key_points)
    blocks: list[Block] = [LinkPreview(post.url, shown.title, gist)]
    own = Button(say("nudge.own"), "nudge.pick", f"{delivery.id}:own", quiet=not style.own_first,
                 form=True)
    if style.own_first:  # they rewrite everything: their own text comes first, in view
        blocks.append(Actions((own,)))
    quiet = (*(() if style.own_first else (own,)),
             Button(say("nudge.skip"), "nudge.skip", str(delivery.id), quiet=True),
             Button(say("nudge.not_for_me"), "nudge.decline", str(delivery.id), quiet=True))
    blocks.append(Ideas("nudge.pick", say("nudge.edit_picked"), tuple(
        Idea(f"{delivery.id}:{index}", suggestion.label or say("nudge.idea", number=index + 1),
             suggestion.text, say("nudge.use", number=index + 1),
             say("nudge.ai_draft") if suggestion.source == AI else "")
        for index, suggestion in enumerate(suggestions)), more=quiet, form=True))
    if hashtags and suggestions:
        blocks.append(Footnote(say("nudge.hashtags", tags=hashtags)))
    blocks.append(Footnote(say("nudge.footer", cap=cap)))
    return Card(summary=say("nudge.summary", title=shown.title), blocks=tuple(blocks),
                refresh=f"{NUDGE_REFRESH}:{delivery.id}")


def weekly_cap(member: Member, workspace: Workspace) -> int:
    return preferences(member.prefs, workspace.weekly_cap).weekly_cap


def done_card(texts: Texts, locale: str, post: Post, outcome: str) -> Card:
    """What a nudge card becomes once acted upon."""
    return Card(summary=outcome, blocks=(
        Heading(post.title),
        Text(outcome),
        Footnote(texts.say(locale, "nudge.done_footer")),
    ))


def withdrawn(post: Post, delivery: Delivery) -> bool:
    """Whether there is nothing more to do with a nudge: its post or itself withdrawn."""
    return post.status in ("cancelled", "expired") or delivery.status == "cancelled"


def withdrawn_card(texts: Texts, locale: str, post: Post) -> Card:
    return done_card(texts, locale, post, texts.say(locale, "nudge.stale"))


async def composed_card(session: AsyncSession, texts: Texts, delivery: Delivery, post: Post,
                        member: Member, workspace: Workspace, batch: Batch) -> Card:
    """An open nudge as it stands now, its suggestions composed if they were not yet."""
    suggestions, style = await compose(session, texts, delivery, post, member, workspace,
                                       batch)
    return nudge_card(texts, post, delivery, suggestions, member, workspace, style)


async def cards_follow(session: AsyncSession, post: Post, now: datetime) -> int:
    """Have the cards job (scheduler/cards.py) bring the post's delivered, open cards in line
    with it, from the first; how many there are. The caller wakes the job (bot/wakeups.py)."""
    post.cards_pass, post.cards_after = now.isoformat(), 0
    return await session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.post_id == post.id, Delivery.status == "sent")) or 0


async def text_changed(session: AsyncSession, post: Post, now: datetime,
                       language: str | None = None) -> int:
    """A post's words changed (those of its version in `language` only, if given): its
    planned and open nudges compose their suggestions anew, the open cards through the cards
    job; how many open cards it will update."""
    picked = [Delivery.post_id == post.id, Delivery.status.in_(("planned", "sent"))]
    if language is not None:
        picked.append(Delivery.language == language)
    await forget_suggestions(session, *picked)
    return await cards_follow(session, post, now)
