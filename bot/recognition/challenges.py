"""Team challenges: which are running, and their progress as team totals.

Progress is counted for teams and for everyone together, never per person; the only names
it gives are those of people who chose to be thanked by name (Preferences.in_digest)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.stats import _thanked
from bot.voice.teamname import team_display
from storage.models import Challenge, Member, Post, Share, Team


@dataclass(frozen=True)
class Progress:
    challenge: Challenge
    total: int
    teams: list[tuple[str, int]]  # (team's name, its shares), by name; teams with shares only
    thanks: list[str]  # contributors who chose to be thanked by name


def counts(challenge: Challenge, topics: list[str], kind: str) -> bool:
    """Whether a share of a post with these topics and kind counts for the challenge."""
    if challenge.kind and kind != challenge.kind:
        return False
    wanted = {topic.lower() for topic in challenge.topics}
    return not wanted or bool(wanted & {topic.lower() for topic in topics})


async def running(session: AsyncSession, workspace_id: int, now: datetime) -> list[Challenge]:
    return list((await session.scalars(select(Challenge).where(
        Challenge.workspace_id == workspace_id, Challenge.starts_at <= now,
        Challenge.ends_at > now).order_by(Challenge.ends_at, Challenge.id))).all())


async def progress(session: AsyncSession, challenge: Challenge) -> Progress:
    rows = (await session.execute(
        select(Share.member_id, Member.team_id, Post.topics, Post.kind)
        .join(Member, Member.id == Share.member_id).join(Post, Post.id == Share.post_id)
        .where(Member.workspace_id == challenge.workspace_id,
               Share.created_at >= challenge.starts_at,
               Share.created_at < challenge.ends_at))).all()
    counted = [row for row in rows if counts(challenge, row.topics or [], row.kind)]
    per_team = Counter(row.team_id for row in counted if row.team_id is not None)
    teams = {team.id: team_display(team) for team in await session.scalars(
        select(Team).where(Team.id.in_(per_team)))} if per_team else {}
    thanked = await _thanked(session, Member.workspace_id == challenge.workspace_id,
                             Member.id.in_({row.member_id for row in counted})) if counted else {}
    return Progress(challenge, len(counted),
                    sorted((teams[team_id], shares) for team_id, shares in per_team.items()),
                    sorted(set().union(*thanked.values())))


async def all_progress(session: AsyncSession, workspace_id: int,
                       now: datetime) -> list[Progress]:
    return [await progress(session, challenge)
            for challenge in await running(session, workspace_id, now)]
