"""What a team's weekly digest says of recognition: the badges its volunteers who chose to
be thanked by name earned that week, and the team challenges running."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards import Block, Text
from bot.preferences import preferences
from bot.recognition.badges import recognition
from bot.recognition.cards import challenge_points
from bot.recognition.challenges import all_progress
from bot.services.timeparse import zone
from bot.texts import Texts
from storage.models import Click, Member, Share, Team, Workspace


async def digest_blocks(texts: Texts, session: AsyncSession, locale: str, team: Team,
                        workspace: Workspace, start: datetime, end: datetime) -> list[Block]:
    def say(key: str, **values: object) -> str:
        return texts.say(locale, key, **values)

    busy = select(Share.member_id).where(Share.created_at >= start, Share.created_at < end) \
        .union(select(Share.member_id).join(Click, Click.share_id == Share.id)
               .where(Click.at >= start, Click.at < end, Click.is_bot.is_(False)))
    people = (await session.scalars(select(Member).where(
        Member.team_id == team.id, Member.status == "active", Member.id.in_(busy))
        .order_by(Member.display_name, Member.id))).all()
    earned: list[tuple[str, str]] = []
    tz = zone(team.timezone or workspace.timezone)
    for person in people:
        if not person.display_name or not preferences(person.prefs,
                                                      workspace.weekly_cap).in_digest:
            continue
        mine = await recognition(session, person.id, end, tz)
        earned.extend((person.display_name, say("recognition.badge", name=name))
                      for name, at in mine.earned.items() if start <= at < end)
    blocks: list[Block] = [Text(say("recognition.digest_badges", people=earned))] \
        if earned else []
    progresses = await all_progress(session, workspace.id, end)
    if progresses:
        blocks.append(Text(say("recognition.challenges_title")))
        blocks.extend(challenge_points(say, locale, tz, progresses))
    return blocks
