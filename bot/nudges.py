"""The nudge: the card a volunteer receives for a post, with three personal suggestions."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import Actions, Block, Button, Card, Footnote, Heading, LinkPreview, Quote, Text
from bot.context import member_locale
from bot.preferences import preferences
from bot.services.rewrites import RewriteInput, suggest
from bot.texts import Texts
from storage.models import Delivery, Member, Post, Team, Workspace


def first_name(member: Member) -> str:
    name = (member.display_name or member.external_id).strip()
    return name.split()[0] if name else ""


async def suggestions_for(
    session: AsyncSession, texts: Texts, delivery: Delivery, post: Post, member: Member,
    workspace: Workspace,
) -> list[str]:
    """The delivery's suggestions, computed once and kept so the edit form reuses them."""
    if not delivery.suggestions:
        team = await session.get(Team, member.team_id) if member.team_id else None
        delivery.suggestions = suggest(texts, member_locale(member, workspace), RewriteInput(
            post_id=post.id, member_id=member.id, title=post.title, summary=post.summary,
            key_points=list(post.key_points), hashtags=list(post.hashtags),
            first_name=first_name(member), team=team.name.lstrip("#") if team else "",
            role=member.job_title, disclosure=workspace.disclosure_hashtag,
        ))
    return list(delivery.suggestions)


def nudge_card(texts: Texts, locale: str, post: Post, delivery: Delivery, cap: int) -> Card:
    def say(key: str, **values: object) -> str:
        return texts.say(locale, key, **values)

    blocks: list[Block] = [
        Heading(say("nudge.title")),
        LinkPreview(post.url, post.title, post.summary),
    ]
    if post.key_points:
        blocks.append(Text("\n".join(f"• {point}" for point in post.key_points)))
    blocks.append(Text(say("nudge.suggestions_intro")))
    for index, suggestion in enumerate(delivery.suggestions):
        blocks.append(Quote(suggestion))
        blocks.append(Actions((Button(say("nudge.use", number=index + 1), "nudge.pick",
                                      f"{delivery.id}:{index}", "primary"),)))
    blocks.append(Actions((
        Button(say("nudge.own"), "nudge.pick", f"{delivery.id}:own"),
        Button(say("nudge.skip"), "nudge.skip", str(delivery.id)),
        Button(say("nudge.not_for_me"), "nudge.decline", str(delivery.id)),
    )))
    blocks.append(Footnote(say("nudge.footer", cap=cap)))
    return Card(summary=say("nudge.summary", title=post.title), blocks=tuple(blocks))


def weekly_cap(member: Member, workspace: Workspace) -> int:
    return preferences(member.prefs, workspace.weekly_cap).weekly_cap


def done_card(texts: Texts, locale: str, post: Post, outcome: str) -> Card:
    """What a nudge card becomes once acted upon."""
    return Card(summary=outcome, blocks=(
        Heading(post.title),
        Text(outcome),
        Footnote(texts.say(locale, "nudge.done_footer")),
    ))
