"""Aggregates over deliveries, shares and clicks: post funnels and team digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Click, Delivery, Member, Post, Share


@dataclass(frozen=True)
class Funnel:
    post_id: int
    delivered: int
    interacted: int
    shared: int
    clicks: int


async def funnels(session: AsyncSession, post_ids: list[int]) -> dict[int, Funnel]:
    """delivered -> interacted -> shared -> clicks, per post."""
    if not post_ids:
        return {}
    deliveries = dict.fromkeys(post_ids, (0, 0))
    for post_id, delivered, interacted in (await session.execute(
        select(Delivery.post_id, func.count(Delivery.sent_at), func.count(Delivery.acted_at))
        .where(Delivery.post_id.in_(post_ids)).group_by(Delivery.post_id)
    )).all():
        deliveries[post_id] = (delivered, interacted)
    shares = dict((await session.execute(
        select(Share.post_id, func.count(distinct(Share.delivery_id)))
        .where(Share.post_id.in_(post_ids)).group_by(Share.post_id)
    )).all())
    clicks = dict((await session.execute(
        select(Share.post_id, func.count(Click.id))
        .join(Click, Click.share_id == Share.id)
        .where(Share.post_id.in_(post_ids), Click.is_bot.is_(False)).group_by(Share.post_id)
    )).all())
    return {
        pid: Funnel(pid, deliveries[pid][0], deliveries[pid][1], shares.get(pid, 0),
                    clicks.get(pid, 0))
        for pid in post_ids
    }


@dataclass(frozen=True)
class ShareLine:
    title: str
    network: str
    edit_ratio: float
    confirmed: bool
    clicks: int


@dataclass(frozen=True)
class Impact:
    """A volunteer's own figures, newest share first."""

    shares: list[ShareLine]

    @property
    def clicks(self) -> int:
        return sum(share.clicks for share in self.shares)

    @property
    def confirmed(self) -> int:
        return sum(1 for share in self.shares if share.confirmed)

    @property
    def authenticity(self) -> float | None:
        return median(s.edit_ratio for s in self.shares) if self.shares else None


async def impact(session: AsyncSession, member_id: int) -> Impact:
    rows = (await session.execute(
        select(Share.id, Share.network, Share.edit_ratio, Share.confirmed, Post.title,
               func.count(Click.id).filter(Click.is_bot.is_(False)).label("clicks"))
        .join(Post, Post.id == Share.post_id)
        .outerjoin(Click, Click.share_id == Share.id)
        .where(Share.member_id == member_id)
        .group_by(Share.id, Share.network, Share.edit_ratio, Share.confirmed, Post.title)
        .order_by(Share.id.desc())
    )).all()
    return Impact([ShareLine(row.title, row.network, row.edit_ratio, row.confirmed, row.clicks)
                   for row in rows])


@dataclass(frozen=True)
class TeamWeek:
    posts: list[tuple[str, int]]
    shares: int
    clicks: int
    authenticity: float | None
    new_volunteers: int
    thanks: list[str]

    @property
    def empty(self) -> bool:
        return not (self.posts or self.shares or self.clicks or self.new_volunteers)


async def team_week(
    session: AsyncSession, workspace_id: int, team_id: int, start: datetime, end: datetime
) -> TeamWeek:
    """What a team did between start and end: the digest's figures."""
    in_team = Member.team_id == team_id
    team_shares = (
        select(Share.id, Share.post_id, Share.edit_ratio, Member.display_name, Member.prefs)
        .join(Member, Member.id == Share.member_id)
        .where(in_team, Share.created_at >= start, Share.created_at < end)
    )
    share_rows = (await session.execute(team_shares)).all()
    per_post: dict[int, int] = {}
    for row in share_rows:
        per_post[row.post_id] = per_post.get(row.post_id, 0) + 1
    posts = (await session.execute(
        select(Post.id, Post.title, Post.audience).where(
            Post.workspace_id == workspace_id,
            Post.publish_at < end,
            or_(and_(Post.publish_at >= start, Post.status.in_(("active", "expired"))),
                Post.id.in_(per_post)),
        ).order_by(Post.publish_at)
    )).all()
    # Audience is a JSON list of team ids: filtered here, the same on every database.
    visible = [(title, per_post.get(pid, 0)) for pid, title, audience in posts
               if not audience or team_id in audience or pid in per_post]
    clicks = await session.scalar(
        select(func.count(Click.id)).join(Share, Share.id == Click.share_id)
        .join(Member, Member.id == Share.member_id)
        .where(in_team, Click.is_bot.is_(False), Click.at >= start, Click.at < end)
    ) or 0
    new_volunteers = await session.scalar(
        select(func.count(Member.id)).where(
            in_team, Member.status == "active",
            Member.opted_in_at >= start, Member.opted_in_at < end)
    ) or 0
    ratios = [row.edit_ratio for row in share_rows]
    thanks = sorted({row.display_name for row in share_rows
                     if (row.prefs or {}).get("in_digest") and row.display_name})
    return TeamWeek(posts=visible, shares=len(share_rows), clicks=clicks,
                    authenticity=median(ratios) if ratios else None,
                    new_volunteers=new_volunteers, thanks=thanks)
