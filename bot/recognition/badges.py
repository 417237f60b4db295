"""Badges and the monthly streak, read from a volunteer's own shares and clicks.

A streak counts consecutive months of their time zone with at least one share, up to this
month (or the last one, while this one has none yet). A streak that broke is simply not
shown: it is never announced as a loss."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.impact.figures import month_start, previous_month
from bot.impact.milestones import MILESTONES
from storage.models import Click, Share

OWN_WORDS_RATIO = 0.5  # half the text or more their own
OWN_WORDS_SHARES = 3
BADGES = (*MILESTONES, "own_words")
MIN_STREAK = 2  # a single month is not a streak yet


@dataclass(frozen=True)
class Recognition:
    earned: dict[str, datetime]  # badge -> when it was earned, in BADGES order
    streak: int  # months in a row with a share; 0 when fewer than MIN_STREAK


def earned(shares: list[tuple[datetime, float]], clicks: list[datetime]) -> dict[str, datetime]:
    """When each badge was earned, from the (time, edit ratio) of each share and the time of
    each human click on their links."""
    shares, clicks = sorted(shares), sorted(clicks)
    own = [at for at, ratio in shares if ratio >= OWN_WORDS_RATIO]
    found: dict[str, datetime] = {}
    for name, (need_shares, need_clicks) in MILESTONES.items():
        if len(shares) < need_shares or len(clicks) < need_clicks:
            continue
        # Earned with the share or the click that reached the last threshold it needs.
        times = [shares[need_shares - 1][0]] if need_shares else []
        times += [clicks[need_clicks - 1]] if need_clicks else []
        found[name] = max(times)
    if len(own) >= OWN_WORDS_SHARES:
        found["own_words"] = own[OWN_WORDS_SHARES - 1]
    return {name: found[name] for name in BADGES if name in found}


def streak(share_times: list[datetime], now: datetime, tz: ZoneInfo) -> int:
    months = {month_start(at.astimezone(tz).date()) for at in share_times}
    current = month_start(now.astimezone(tz).date())
    if current not in months:
        current = previous_month(current)
    count = 0
    while current in months:
        count += 1
        current = previous_month(current)
    return count if count >= MIN_STREAK else 0


async def recognition(session: AsyncSession, member_id: int, now: datetime,
                      tz: ZoneInfo) -> Recognition:
    shares = [(at, ratio) for at, ratio in (await session.execute(
        select(Share.created_at, Share.edit_ratio).where(Share.member_id == member_id))).all()]
    clicks = list((await session.scalars(
        select(Click.at).join(Share, Share.id == Click.share_id)
        .where(Share.member_id == member_id, Click.is_bot.is_(False)))).all())
    return Recognition(earned(shares, clicks), streak([at for at, _ in shares], now, tz))
