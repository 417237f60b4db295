"""Workspaces, members and teams: finding and creating them from platform identities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, Team, Workspace
from storage.upsert import insert_ignore


async def get_or_create_workspace(
    session: AsyncSession, platform: str, external_id: str, now: datetime,
    *, locale: str, timezone: str,
) -> Workspace:
    query = select(Workspace).where(Workspace.platform == platform,
                                    Workspace.external_id == external_id)
    found = await session.scalar(query)
    if found:
        return found
    # Two first events of a new workspace may race: insert-or-ignore, then read.
    await session.execute(insert_ignore(session, Workspace).values(
        platform=platform, external_id=external_id, locale=locale, timezone=timezone,
        created_at=now))
    return (await session.scalars(query)).one()


async def get_or_create_member(
    session: AsyncSession, workspace: Workspace, external_id: str, now: datetime,
    profile: dict[str, str | None],
) -> Member:
    """The member with this platform id, refreshed with the non-empty `profile` fields
    (display_name, locale, timezone, email)."""
    member = await find_member(session, workspace.id, external_id)
    if member is None:
        await session.execute(insert_ignore(session, Member).values(
            workspace_id=workspace.id, external_id=external_id, created_at=now))
        member = await find_member(session, workspace.id, external_id)
        assert member is not None
    for name, value in profile.items():
        if value:  # a platform's profile is not ours to trust with our column sizes
            setattr(member, name, value[:_length(name)])
    await session.flush()
    return member


def _length(column: str) -> int | None:
    return getattr(Member.__table__.c[column].type, "length", None)


async def find_member(session: AsyncSession, workspace_id: int, external_id: str) -> Member | None:
    return await session.scalar(
        select(Member).where(Member.workspace_id == workspace_id,
                             Member.external_id == external_id)
    )


async def get_or_create_team(
    session: AsyncSession, workspace: Workspace, external_id: str, name: str,
    channel: dict[str, object], now: datetime,
) -> Team:
    query = select(Team).where(Team.workspace_id == workspace.id,
                               Team.external_id == external_id)
    team = await session.scalar(query)
    if team is None:
        await session.execute(insert_ignore(session, Team).values(
            workspace_id=workspace.id, external_id=external_id, name=name, channel=channel,
            created_at=now))
        team = (await session.scalars(query)).one()
    team.name = name or team.name
    team.channel = channel or team.channel
    await session.flush()
    return team


async def teams_by_name(session: AsyncSession, workspace_id: int) -> dict[str, Team]:
    """Teams of a workspace keyed by lower-case name without a leading '#'."""
    teams = (await session.scalars(select(Team).where(Team.workspace_id == workspace_id))).all()
    return {team.name.lower().lstrip("#"): team for team in teams}


async def admins_of(session: AsyncSession, workspace_id: int) -> list[Member]:
    """The workspace's admins, in the order they were met."""
    return list((await session.scalars(select(Member).where(
        Member.workspace_id == workspace_id, Member.is_admin.is_(True))
        .order_by(Member.id))).all())
