"""Aggregates over deliveries, shares and clicks: post funnels, impact and team digests."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, case, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.timeparse import zone
from storage.models import Click, Delivery, Member, Post, Proposal, Share, Team

RECEIVED = ("sent", "shared", "skipped", "declined")  # a nudge that reached its volunteer
HISTORY_WEEKS = 4  # the digest reads its week against the four before it


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
class EarlierWeek:
    """A team's figures over a week before the digest's: what its week is read against."""

    start: datetime
    shares: int = 0
    sharers: int = 0
    clicks: int = 0


@dataclass(frozen=True)
class TeamWeek:
    # The posts that reached the team: each one's title per language, its URL, its shares.
    posts: list[tuple[dict[str, str], str, int]]
    shares: int
    clicks: int
    authenticity: float | None
    new_volunteers: int
    thanks: list[str]
    sources: dict[str, BySource] = field(default_factory=dict)
    sharers: int = 0  # people who shared: a median of fewer than three says nothing
    proposers: list[str] = field(default_factory=list)  # whose proposal was queued
    # Up to HISTORY_WEEKS weeks before, oldest first: only those the team existed in.
    history: list[EarlierWeek] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.posts or self.shares or self.clicks or self.new_volunteers)


async def _medians(session: AsyncSession,
                   rows: Select[*tuple[Any, ...]]) -> dict[tuple[Any, ...], float]:
    """The median of the last column of `rows` per value of the others: percentile_cont on
    PostgreSQL (it interpolates as statistics.median does); elsewhere the columns alone
    are fetched and the medians taken here."""
    if session.get_bind().dialect.name == "postgresql":
        *keys, ratio = rows.subquery().c
        return {tuple(row[:-1]): float(row[-1]) for row in (await session.execute(
            select(*keys, func.percentile_cont(0.5).within_group(ratio)).group_by(*keys)))}
    groups: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for *key, value in (await session.execute(rows)).all():
        groups[tuple(key)].append(value)
    return {key: median(values) for key, values in groups.items()}


@dataclass(frozen=True)
class BySource:
    """The shares of suggestions of one origin (bot/voice/stored.py: "ai", "engine"; ""
    for a text written from scratch), how much they were edited, the clicks they drew."""

    shares: int
    edit_ratio: float
    clicks: int


async def by_source(session: AsyncSession, shares: ColumnElement[bool],
                    clicks: ColumnElement[bool] | dict[tuple[Any, ...], int], *keys: Any
                    ) -> dict[tuple[Any, ...], BySource]:
    """Per `keys` (columns of Share or Member) and source: the shares `shares` picks, their
    median edit ratio, and the human clicks `clicks` picks among them (or, counted already,
    the clicks per key and source)."""
    rows = (select(*keys, Share.source, Share.edit_ratio)
            .join(Member, Member.id == Share.member_id).where(shares))
    medians = await _medians(session, rows)
    counted = dict(((*key, source), count) for *key, source, count in (await session.execute(
        rows.with_only_columns(*keys, Share.source, func.count(Share.id))
        .group_by(*keys, Share.source))).all())
    clicked = clicks if isinstance(clicks, dict) else dict(
        ((*key, source), count) for *key, source, count in (await session.execute(
            select(*keys, Share.source, func.count(Click.id)).select_from(Click)
            .join(Share, Share.id == Click.share_id).join(Member, Member.id == Share.member_id)
            .where(clicks, Click.is_bot.is_(False)).group_by(*keys, Share.source))).all())
    return {key: BySource(counted.get(key, 0), medians.get(key, 0.0), clicked.get(key, 0))
            for key in counted.keys() | clicked.keys()}


SOURCE_ORDER = ("ai", "engine", "")


def in_order(sources: dict[str, BySource]) -> list[tuple[str, BySource]]:
    """AI drafts first, then the engine's, then texts written from scratch."""
    return sorted(sources.items(), key=lambda item: (
        SOURCE_ORDER.index(item[0]) if item[0] in SOURCE_ORDER else len(SOURCE_ORDER)))


async def post_sources(session: AsyncSession, post_ids: list[int]) -> dict[str, BySource]:
    """The posts' shares and clicks by the origin of the suggestion chosen."""
    if not post_ids:
        return {}
    found = await by_source(session, Share.post_id.in_(post_ids), Share.post_id.in_(post_ids))
    return {key[-1]: figures for key, figures in found.items()}


def _titles(title: str, language: str, versions: dict[str, Any] | None) -> dict[str, str]:
    """A post's title in each of its languages, the queued one first."""
    found = {language: title}
    for lang, other in (versions or {}).items():
        if isinstance(other, dict) and other.get("title"):
            found.setdefault(lang, str(other["title"]))
    return found


def earlier_weeks(start: datetime, tz_name: str, count: int = HISTORY_WEEKS) -> list[datetime]:
    """The starts of the `count` weeks before the one starting at `start`, oldest first, on
    the local calendar: a week spanning a clock change is 167 or 169 hours long."""
    local = start.astimezone(zone(tz_name))
    return [(local - timedelta(weeks=weeks)).astimezone(UTC) for weeks in range(count, 0, -1)]


async def _by_week(session: AsyncSession, in_workspace: ColumnElement[bool],
                   bounds: list[datetime]) -> tuple[dict[tuple[int | None, int], tuple[int, int]],
                                                    dict[tuple[int | None, int, str], int]]:
    """Per team and week (week i is [bounds[i], bounds[i + 1])), the shares and the people
    who shared; per team, week and source, the human clicks. Two queries, whatever the
    number of teams and weeks: the clicks' one joins every share, whether clicked or not,
    so it is made once for all the weeks."""
    def week_of(at: Any) -> Any:
        return case(*((at < bound, index) for index, bound in enumerate(bounds[1:])))

    # Bucketed in a subquery: GROUP BY then names a column, not an expression whose bound
    # values PostgreSQL could not tell apart from the select list's.
    shares = (select(Member.team_id, week_of(Share.created_at).label("week"), Share.id,
                     Share.member_id)
              .join(Member, Member.id == Share.member_id)
              .where(in_workspace, Share.created_at >= bounds[0],
                     Share.created_at < bounds[-1])).subquery()
    clicks = (select(Member.team_id, week_of(Click.at).label("week"), Share.source, Click.id)
              .join(Share, Share.id == Click.share_id).join(Member, Member.id == Share.member_id)
              .where(in_workspace, Click.is_bot.is_(False), Click.at >= bounds[0],
                     Click.at < bounds[-1])).subquery()
    shared = {(team_id, week): (count, people) for team_id, week, count, people in (
        await session.execute(select(shares.c.team_id, shares.c.week, func.count(shares.c.id),
                                     func.count(distinct(shares.c.member_id)))
                              .group_by(shares.c.team_id, shares.c.week))).all()}
    clicked = {(team_id, week, source): count for team_id, week, source, count in (
        await session.execute(select(clicks.c.team_id, clicks.c.week, clicks.c.source,
                                     func.count(clicks.c.id))
                              .group_by(clicks.c.team_id, clicks.c.week, clicks.c.source))).all()}
    return shared, clicked


async def teams_week(session: AsyncSession, workspace_id: int, start: datetime,
                     end: datetime, earlier: list[datetime] | None = None
                     ) -> dict[int, TeamWeek]:
    """What each team of the workspace did between start and end: the digests' figures,
    and those of the weeks starting at `earlier` (oldest first) that the team existed in.

    A handful of queries grouped by team, whatever the number of teams: the week's shares
    through shares(created_at), its clicks through clicks(at), each joined to its author by
    primary key. Per-team queries would instead read each team's whole history."""
    in_workspace = Member.workspace_id == workspace_id
    in_week = (Share.created_at >= start) & (Share.created_at < end)
    week_shares = (select(Member.team_id, Share.edit_ratio)
                   .join(Member, Member.id == Share.member_id).where(in_workspace, in_week))
    per_post: dict[int | None, dict[int, int]] = defaultdict(dict)
    for team_id, post_id, count in (await session.execute(
        week_shares.with_only_columns(Member.team_id, Share.post_id, func.count(Share.id))
        .group_by(Member.team_id, Share.post_id)
    )).all():
        per_post[team_id][post_id] = count
    reached: dict[int | None, set[int]] = defaultdict(set)
    for team_id, post_id in (await session.execute(
        # Through (status, due_at): a nudge goes out when it falls due.
        select(Member.team_id, Delivery.post_id).distinct()
        .join(Member, Member.id == Delivery.member_id)
        .where(in_workspace, Delivery.status.in_(RECEIVED),
               Delivery.due_at >= start, Delivery.due_at < end))).all():
        reached[team_id].add(post_id)
    for team_id, counts in per_post.items():
        reached[team_id].update(counts)
    listed = set().union(*reached.values())
    posts = (await session.execute(
        select(Post.id, Post.title, Post.language, Post.versions, Post.url)
        .where(Post.workspace_id == workspace_id, Post.id.in_(listed))
        .order_by(Post.publish_at, Post.id)
    )).all() if listed else []
    bounds = [*(earlier or ()), start, end]
    this_week = len(bounds) - 2
    shared, clicked = await _by_week(session, in_workspace, bounds)
    week_clicks: Counter[tuple[int | None, int]] = Counter()
    for (team_id, week, _), count in clicked.items():
        week_clicks[team_id, week] += count
    sources: dict[int | None, dict[str, BySource]] = defaultdict(dict)
    for (team_id, source), figures in (await by_source(
            session, in_workspace & in_week, {(team_id, source): count for (
                team_id, week, source), count in clicked.items() if week == this_week},
            Member.team_id)).items():
        sources[team_id][source] = figures
    new_volunteers = dict((await session.execute(
        select(Member.team_id, func.count(Member.id)).where(
            in_workspace, Member.status == "active",
            Member.opted_in_at >= start, Member.opted_in_at < end)
        .group_by(Member.team_id)
    )).all())
    thanks = await _thanked(session, in_workspace, Member.id.in_(
        select(Share.member_id).where(in_week))) if per_post else {}
    proposers = await _thanked(session, in_workspace, Member.id.in_(
        select(Proposal.member_id).where(Proposal.status == "approved",
                                         Proposal.decided_at >= start,
                                         Proposal.decided_at < end)))
    medians = await _medians(session, week_shares) if per_post else {}
    teams = (await session.execute(
        select(Team.id, Team.created_at).where(Team.workspace_id == workspace_id))).all()
    return {team_id: TeamWeek(
        posts=[(_titles(title, language, versions), url, per_post[team_id].get(pid, 0))
               for pid, title, language, versions, url in posts if pid in reached[team_id]],
        shares=sum(per_post[team_id].values()),
        clicks=sum(figures.clicks for figures in sources[team_id].values()),
        authenticity=medians.get((team_id,)), new_volunteers=new_volunteers.get(team_id, 0),
        thanks=sorted(thanks.get(team_id, ())), sources=sources[team_id],
        sharers=shared.get((team_id, this_week), (0, 0))[1],
        proposers=sorted(proposers.get(team_id, ())),
        history=[EarlierWeek(bounds[week], *shared.get((team_id, week), (0, 0)),
                             week_clicks[team_id, week])
                 for week in range(this_week) if bounds[week + 1] > created_at])
        for team_id, created_at in teams}


async def _thanked(session: AsyncSession, *where: ColumnElement[bool]
                   ) -> dict[int | None, set[str]]:
    """The names, per team, of the members picked by `where` who chose to be thanked by
    name, never someone who has stopped."""
    found: dict[int | None, set[str]] = defaultdict(set)
    for team_id, name, prefs in (await session.execute(
        # prefs as text: only those that mention in_digest need decoding.
        select(Member.team_id, Member.display_name, cast(Member.prefs, Text)).where(
            Member.status == "active", *where))).all():
        if name and prefs and "in_digest" in prefs and (json.loads(prefs) or {}).get(
                "in_digest"):
            found[team_id].add(name)
    return found


async def team_week(session: AsyncSession, workspace_id: int, team_id: int, start: datetime,
                    end: datetime, tz_name: str) -> TeamWeek:
    """What a team did between start and end, and in the weeks before in its time zone: the
    digest's figures.

    The digest job and `/voix digest now` post every team's digest from one session:
    `teams_week` runs once for all of them, its result kept in the session for the period."""
    known: dict[tuple[int, datetime, datetime, tuple[datetime, ...]], dict[int, TeamWeek]] = \
        session.info.setdefault("teams_week", {})
    earlier = earlier_weeks(start, tz_name)
    key = (workspace_id, start, end, tuple(earlier))
    if team_id not in known.get(key, {}):
        known[key] = await teams_week(session, workspace_id, start, end, earlier)
    return known[key].get(team_id) or TeamWeek([], 0, 0, None, 0, [])
