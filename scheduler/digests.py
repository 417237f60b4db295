"""The digest job: each team's weekly digest, at its slot in the team's time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.digest import post_digest
from bot.runtime import Runtime
from bot.services.timeparse import zone
from storage.models import Team, Workspace

LATE_LIMIT = timedelta(days=1)  # a digest more than a day late is not worth posting


def last_slot(now: datetime, weekday: int, hour: int, tz_name: str) -> datetime:
    """The latest weekly slot (weekday at hour, local time) at or before `now`."""
    tz = zone(tz_name)
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    slot = datetime.combine(day, time(hour), tzinfo=tz)
    if slot > local:
        slot = datetime.combine(day - timedelta(days=7), time(hour), tzinfo=tz)
    return slot.astimezone(now.tzinfo)


async def run_digests(rt: Runtime) -> dict[str, int]:
    now = rt.clock.now()
    outcomes: dict[str, int] = {}
    async with rt.sessions() as session:
        rows = (await session.execute(
            select(Team, Workspace).join(Workspace, Workspace.id == Team.workspace_id))).all()
        for team, workspace in rows:
            slot = last_slot(now, workspace.digest_weekday, workspace.digest_hour,
                             team.timezone or workspace.timezone)
            if now - slot > LATE_LIMIT or slot - timedelta(days=7) < team.created_at:
                continue
            outcome = await post_digest(rt, session, team, slot - timedelta(days=7), slot,
                                        "scheduled")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
