"""The milestones of a volunteer's lifetime, each noted once: first share, 10 shares, the
first 10 human clicks on their links."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Click, Share

# name: (shares needed, human clicks needed), in the order a person reaches them.
MILESTONES: dict[str, tuple[int, int]] = {
    "first_share": (1, 0), "clicks_10": (0, 10), "shares_10": (10, 0)}


def reached(shares: int, clicks: int) -> list[str]:
    return [name for name, (need_shares, need_clicks) in MILESTONES.items()
            if shares >= need_shares and clicks >= need_clicks]


async def totals(session: AsyncSession, member_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per member: their shares and the human clicks on their links, over their lifetime."""
    if not member_ids:
        return {}
    shares = dict((await session.execute(
        select(Share.member_id, func.count(Share.id)).where(Share.member_id.in_(member_ids))
        .group_by(Share.member_id))).all())
    clicks = dict((await session.execute(
        select(Share.member_id, func.count(Click.id)).join(Click, Click.share_id == Share.id)
        .where(Share.member_id.in_(member_ids), Click.is_bot.is_(False))
        .group_by(Share.member_id))).all())
    return {member_id: (shares.get(member_id, 0), clicks.get(member_id, 0))
            for member_id in member_ids}
