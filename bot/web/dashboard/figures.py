"""The dashboard's figures: a handful of grouped queries per page, whatever the volume.

The overview reads one period, the last PERIOD_WEEKS weeks (the current one included): the
nudges sent in it and what came of them, and its shares and clicks week by week. Posts'
and volunteers' figures are over all time. "Opened" is what the data can tell: a nudge
someone acted on (Delivery.acted_at: a suggestion picked, a skip, a decline). Names are shown
only for volunteers who are still in (LISTED); the others' rows count anonymously."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.stats import _medians, funnels
from bot.voice.teamname import team_display
from storage.models import Click, Delivery, Member, Post, Share, Team

PERIOD_WEEKS = 12
LISTED = ("active", "unreachable")  # stopped and erased members have no row nor page
HUMAN = Click.is_bot.is_(False)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Funnel:
    delivered: int
    opened: int
    shared: int
    clicks: int

    @property
    def share_rate(self) -> float | None:
        return rate(self.shared, self.delivered)


@dataclass(frozen=True)
class Week:
    start: datetime
    shares: int
    clicks: int


@dataclass(frozen=True)
class Overview:
    since: datetime
    active: int  # volunteers in now
    sharers: int  # of them, who shared in the period
    weeks: list[Week]
    funnel: Funnel

    @property
    def participation(self) -> float | None:
        return rate(self.sharers, self.active)

    @property
    def shares(self) -> int:
        return sum(week.shares for week in self.weeks)

    @property
    def clicks(self) -> int:
        return sum(week.clicks for week in self.weeks)


def week_bounds(now: datetime, timezone: str) -> list[datetime]:
    """The Mondays 00:00 (in the workspace's time zone) that begin the period's weeks, oldest
    first, and the one after the current week."""
    local = now.astimezone(ZoneInfo(timezone))
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                              microsecond=0)
    # Wall-clock arithmetic: each bound is a Monday midnight, summer time or not.
    return [(monday - timedelta(weeks=back)).astimezone(now.tzinfo)
            for back in range(PERIOD_WEEKS - 1, -2, -1)]


def _week_of(column: Any, bounds: list[datetime]) -> Any:
    """The week (0 for the oldest) a moment falls in; NULL before or after the period."""
    return case(*((column < stop, week) for week, stop in enumerate(bounds[1:])),
                else_=None)


@dataclass(frozen=True)
class Weeks:
    weeks: list[Week]
    clicks_from_nudges: int  # the clicks on shares of the nudges sent in the period


async def weeks(session: AsyncSession, workspace_id: int, now: datetime,
                timezone: str) -> Weeks:
    """Shares and human clicks per week of the period. The clicks are counted per share and
    week first, on the clicks table alone, and only those counts are joined to their posts:
    one pass over the period's clicks, however many."""
    bounds = week_bounds(now, timezone)
    since, in_workspace = bounds[0], Post.workspace_id == workspace_id
    week = _week_of(Share.created_at, bounds).label("week")
    shares: dict[int, int] = dict((await session.execute(
        select(week, func.count(Share.id)).join(Post, Post.id == Share.post_id)
        .where(in_workspace, Share.created_at >= since).group_by(week))).all())
    counted = (select(Click.share_id, _week_of(Click.at, bounds).label("week"),
                      func.count().label("clicks"))
               .where(HUMAN, Click.at >= since).group_by(Click.share_id, "week").subquery())
    clicks: dict[int, int] = {}
    from_nudges = 0
    for number, total, nudged in (await session.execute(
            select(counted.c.week, func.sum(counted.c.clicks),
                   func.sum(counted.c.clicks).filter(Delivery.sent_at >= since))
            .join(Share, Share.id == counted.c.share_id)
            .join(Delivery, Delivery.id == Share.delivery_id)
            .join(Post, Post.id == Share.post_id)
            .where(in_workspace).group_by(counted.c.week))).all():
        if number is not None:
            clicks[number] = int(total)
            from_nudges += int(nudged or 0)
    return Weeks([Week(start, shares.get(i, 0), clicks.get(i, 0))
                  for i, start in enumerate(bounds[:-1])], from_nudges)


async def overview(session: AsyncSession, workspace_id: int, now: datetime,
                   timezone: str) -> Overview:
    found = await weeks(session, workspace_id, now, timezone)
    since = found.weeks[0].start
    active = await session.scalar(select(func.count(Member.id)).where(
        Member.workspace_id == workspace_id, Member.status == "active")) or 0
    sharers = await session.scalar(
        select(func.count(distinct(Share.member_id))).join(Member, Member.id == Share.member_id)
        .where(Member.workspace_id == workspace_id, Member.status == "active",
               Share.created_at >= since)) or 0
    sent = (Delivery.sent_at >= since) & (Post.workspace_id == workspace_id)
    delivered, opened = (await session.execute(
        select(func.count(Delivery.id), func.count(Delivery.acted_at))
        .join(Post, Post.id == Delivery.post_id).where(sent))).one()
    shared = await session.scalar(
        select(func.count(distinct(Share.delivery_id))).join(
            Delivery, Delivery.id == Share.delivery_id)
        .join(Post, Post.id == Delivery.post_id).where(sent)) or 0
    return Overview(since, active, sharers, found.weeks,
                    Funnel(delivered, opened, shared, found.clicks_from_nudges))


async def posts(session: AsyncSession, workspace_id: int) -> list[dict[str, Any]]:
    """Every post of the workspace with its funnel (bot/stats.py funnels)."""
    found = (await session.execute(
        select(Post.id, Post.title, Post.kind, Post.status, Post.publish_at)
        .where(Post.workspace_id == workspace_id))).all()
    counted = await funnels(session, [row.id for row in found])
    rows = []
    for row in found:
        funnel = counted[row.id]
        rows.append({"id": row.id, "title": row.title, "kind": row.kind, "status": row.status,
                     "published": row.publish_at, "delivered": funnel.delivered,
                     "opened": funnel.interacted, "shared": funnel.shared,
                     "share_rate": rate(funnel.shared, funnel.delivered),
                     "clicks": funnel.clicks})
    return rows


async def post_of(session: AsyncSession, workspace_id: int, post_id: int) -> Post | None:
    post = await session.get(Post, post_id)
    return post if post is not None and post.workspace_id == workspace_id else None


async def _by(session: AsyncSession, key: Any, post_id: int,
              with_deliveries: bool) -> dict[Any, Funnel]:
    """A post's funnel grouped by `key` (a column of Member or Share)."""
    delivered: dict[Any, tuple[int, int]] = {}
    if with_deliveries:
        delivered = {k: (d, o) for k, d, o in (await session.execute(
            select(key, func.count(Delivery.sent_at), func.count(Delivery.acted_at))
            .select_from(Delivery).join(Member, Member.id == Delivery.member_id)
            .where(Delivery.post_id == post_id).group_by(key))).all()}
    shared: dict[Any, int] = dict((await session.execute(
        select(key, func.count(distinct(Share.delivery_id))).select_from(Share)
        .join(Member, Member.id == Share.member_id).where(Share.post_id == post_id)
        .group_by(key))).all())
    clicks: dict[Any, int] = dict((await session.execute(
        select(key, func.count(Click.id)).select_from(Click)
        .join(Share, Share.id == Click.share_id).join(Member, Member.id == Share.member_id)
        .where(Share.post_id == post_id, HUMAN).group_by(key))).all())
    return {k: Funnel(*delivered.get(k, (0, 0)), shared.get(k, 0), clicks.get(k, 0))
            for k in delivered.keys() | shared.keys() | clicks.keys()}


async def team_names(session: AsyncSession, workspace_id: int) -> dict[int, str]:
    """Each team's name as suggestions and digests give it (bot/voice/teamname.py)."""
    return {team.id: team_display(team) for team in (await session.scalars(
        select(Team).where(Team.workspace_id == workspace_id))).all()}


async def by_team(session: AsyncSession, workspace_id: int,
                  post_id: int) -> list[dict[str, Any]]:
    """The post's funnel per team; "" names the volunteers in no team."""
    names = await team_names(session, workspace_id)
    found = await _by(session, Member.team_id, post_id, True)
    return [_row(names.get(team_id, "") if team_id else "", funnel)
            for team_id, funnel in found.items()]


async def by_network(session: AsyncSession, post_id: int) -> list[dict[str, Any]]:
    """The post's shares and clicks per network (a nudge is delivered to no network)."""
    found = await _by(session, Share.network, post_id, False)
    return [{"name": network, "shared": funnel.shared, "clicks": funnel.clicks}
            for network, funnel in found.items()]


def _row(name: str, funnel: Funnel) -> dict[str, Any]:
    return {"name": name, "delivered": funnel.delivered, "opened": funnel.opened,
            "shared": funnel.shared, "share_rate": funnel.share_rate, "clicks": funnel.clicks}


def _clicks_per_share(of: ColumnElement[bool]) -> Any:
    """Human clicks per share, for the shares `of` picks."""
    return (select(Click.share_id, func.count(Click.id).label("clicks"))
            .join(Share, Share.id == Click.share_id).where(of, HUMAN)
            .group_by(Click.share_id).subquery())


async def texts(session: AsyncSession, post_id: int) -> list[dict[str, Any]]:
    """What each share of the post said beside the suggestion it started from; the name of
    its author only while they are in (LISTED), their texts empty once erased."""
    clicks = _clicks_per_share(Share.post_id == post_id)
    found = (await session.execute(
        select(Share, Member.display_name, Member.status, func.coalesce(clicks.c.clicks, 0))
        .join(Member, Member.id == Share.member_id)
        .outerjoin(clicks, clicks.c.share_id == Share.id)
        .where(Share.post_id == post_id).order_by(Share.created_at, Share.id))).all()
    return [{"member_id": share.member_id if status in LISTED else None,
             "name": name if status in LISTED else "", "network": share.network,
             "at": share.created_at, "suggested": share.suggested_text,
             "final": share.final_text, "edit_ratio": share.edit_ratio, "clicks": count}
            for share, name, status, count in found]


async def volunteers(session: AsyncSession, workspace_id: int) -> list[dict[str, Any]]:
    """The volunteers still in, with what they received, shared and drew, over all time."""
    listed = (Member.workspace_id == workspace_id) & Member.status.in_(LISTED) \
        & Member.opted_in_at.is_not(None)
    people = (await session.execute(
        select(Member.id, Member.display_name, Member.status, Member.opted_in_at,
               Member.team_id).where(listed))).all()
    teams = await team_names(session, workspace_id)
    delivered = dict((await session.execute(
        select(Delivery.member_id, func.count(Delivery.sent_at)).join(
            Member, Member.id == Delivery.member_id).where(listed)
        .group_by(Delivery.member_id))).all())
    shares = {m: (n, last) for m, n, last in (await session.execute(
        select(Share.member_id, func.count(Share.id), func.max(Share.created_at))
        .join(Member, Member.id == Share.member_id).where(listed)
        .group_by(Share.member_id))).all()}
    clicks = dict((await session.execute(
        select(Share.member_id, func.count(Click.id)).select_from(Click)
        .join(Share, Share.id == Click.share_id).join(Member, Member.id == Share.member_id)
        .where(listed, HUMAN).group_by(Share.member_id))).all())
    medians = await _medians(session, select(Share.member_id, Share.edit_ratio)
                             .join(Member, Member.id == Share.member_id).where(listed))
    return [{"id": pid, "name": name, "team": teams.get(team_id, "") if team_id else "",
             "status": status, "since": since,
             "delivered": delivered.get(pid, 0), "shares": shares.get(pid, (0, None))[0],
             "share_rate": rate(shares.get(pid, (0, None))[0], delivered.get(pid, 0)),
             "clicks": clicks.get(pid, 0), "edit_ratio": medians.get((pid,)),
             "last_share": shares.get(pid, (0, None))[1]}
            for pid, name, status, since, team_id in people]


async def volunteer_of(session: AsyncSession, workspace_id: int,
                       member_id: int) -> Member | None:
    """The member, if they are a volunteer still in: anyone else has no page."""
    member = await session.get(Member, member_id)
    if member is None or member.workspace_id != workspace_id or member.status not in LISTED \
            or member.opted_in_at is None:
        return None
    return member


async def shares_of(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    """A volunteer's shares, newest first, with the clicks each drew."""
    clicks = _clicks_per_share(Share.member_id == member_id)
    found = (await session.execute(
        select(Share, Post.id, Post.title, func.coalesce(clicks.c.clicks, 0))
        .join(Post, Post.id == Share.post_id)
        .outerjoin(clicks, clicks.c.share_id == Share.id)
        .where(Share.member_id == member_id).order_by(Share.created_at.desc()))).all()
    return [{"post_id": post_id, "title": title, "network": share.network,
             "at": share.created_at, "edit_ratio": share.edit_ratio, "clicks": count,
             "final": share.final_text}
            for share, post_id, title, count in found]
