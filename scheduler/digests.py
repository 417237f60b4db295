"""The digest job: each team's weekly digest, at its slot in the team's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.digest import post_digest
from bot.runtime import Runtime
from bot.services.timeparse import zone
from storage.models import Team, Workspace

LATE_LIMIT = timedelta(days=1)  # a digest more than a day late is not worth posting


def last_period(now: datetime, weekday: int, hour: int, tz_name: str
                ) -> tuple[datetime, datetime]:
    """The latest full week ending on a slot (weekday at hour, local time) at or before `now`.

    Both ends are computed on the local calendar, so a week spanning a clock change is
    167 or 169 hours long and consecutive periods meet exactly."""
    tz = zone(tz_name)
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    if datetime.combine(day, time(hour), tzinfo=tz) > local:
        day -= timedelta(days=7)
    end = datetime.combine(day, time(hour), tzinfo=tz)
    begin = datetime.combine(day - timedelta(days=7), time(hour), tzinfo=tz)
    return begin.astimezone(UTC), end.astimezone(UTC)


async def run_digests(rt: Runtime) -> dict[str, int]:
    now = rt.clock.now()
    outcomes: dict[str, int] = {}
    async with rt.sessions() as session:
        rows = (await session.execute(
            select(Team, Workspace).join(Workspace, Workspace.id == Team.workspace_id))).all()
        for team, workspace in rows:
            start, end = last_period(now, workspace.digest_weekday, workspace.digest_hour,
                                     team.timezone or workspace.timezone)
            if now - end > LATE_LIMIT or end <= team.created_at:
                continue
            outcome = await post_digest(rt, session, team, start, end, "scheduled")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
