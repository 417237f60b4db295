"""What works: per topic and per kind of post, how often a nudge is shared, the clicks a
share draws and how much people make the text their own.

Five grouped queries per view, whatever the number of posts. A post counts under each of
its topics (a JSON list, unnested in SQL: json_each on SQLite, json_array_elements_text on
PostgreSQL), and under none when it has no topic. `since` keeps the posts published since
then, so that every rate compares the same posts' deliveries, shares and clicks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from bot.stats import RECEIVED, _medians
from storage.models import Click, Delivery, Post, Share


@dataclass(frozen=True)
class Works:
    name: str  # the topic, or the kind code (bot/voice/kinds.py)
    posts: int
    delivered: int  # deliveries that reached someone (bot/stats.py RECEIVED)
    shares: int  # deliveries shared, once however many networks they went to
    clicks: int  # human clicks (Click.is_bot false) on those shares' links
    edit_ratio: float | None  # median Share.edit_ratio, None without shares

    @property
    def share_rate(self) -> float | None:
        return self.shares / self.delivered if self.delivered else None

    @property
    def clicks_per_share(self) -> float | None:
        return self.clicks / self.shares if self.shares else None


def _topic(session: AsyncSession) -> ColumnElement[Any]:
    """One row per topic of each post, as a column to group by."""
    unnest = (func.json_array_elements_text if session.get_bind().dialect.name == "postgresql"
              else func.json_each)
    return unnest(Post.topics).table_valued("value", joins_implicitly=True).c.value


async def _works(session: AsyncSession, key: ColumnElement[Any] | QueryableAttribute[Any],
                 workspace_id: int, since: datetime | None) -> list[Works]:
    posts = [Post.workspace_id == workspace_id]
    if since is not None:
        posts.append(Post.publish_at >= since)

    def grouped(*columns: Any) -> Select[Any]:
        return select(key, *columns).select_from(Post).where(*posts).group_by(key)

    counted = dict((await session.execute(grouped(func.count(distinct(Post.id))))).all())
    delivered = dict((await session.execute(
        grouped(func.count(Delivery.id)).join(Delivery, Delivery.post_id == Post.id)
        .where(Delivery.status.in_(RECEIVED)))).all())
    shares = dict((await session.execute(
        grouped(func.count(distinct(Share.delivery_id)))
        .join(Share, Share.post_id == Post.id))).all())
    clicks = dict((await session.execute(
        grouped(func.count(Click.id)).join(Share, Share.post_id == Post.id)
        .join(Click, Click.share_id == Share.id).where(Click.is_bot.is_(False)))).all())
    medians = await _medians(session, select(key, Share.edit_ratio).select_from(Post)
                             .join(Share, Share.post_id == Post.id).where(*posts))
    return [Works(str(name), count, delivered.get(name, 0), shares.get(name, 0),
                  clicks.get(name, 0), medians.get((name,)))
            for name, count in sorted(counted.items())]


async def by_topic(session: AsyncSession, workspace_id: int,
                   since: datetime | None = None) -> list[Works]:
    """Each topic's figures, by topic name."""
    return await _works(session, _topic(session), workspace_id, since)


async def by_kind(session: AsyncSession, workspace_id: int,
                  since: datetime | None = None) -> list[Works]:
    """Each kind's figures (news, job, event...), by kind code."""
    return await _works(session, Post.kind, workspace_id, since)
