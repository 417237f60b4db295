"""A benchmark's set-up, inserted in the database before the product runs: the Slack
workspace of the mock, volunteers who may be nudged at any hour, a post due to each.

Only set-up goes this way (what the issue allows "for set-up at scale"): the measured action
is always driven from outside. Volunteers are active under the current charter, reachable in
their DM, with preferences that make them eligible whatever the time and day of the run (no
quiet hours, weekends allowed); `topics` keeps each one to the posts meant for them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.slack.inbound import user_dm
from bot.refs import conversation_to_json
from bot.services.charter import load_charter
from scheduler.outbox import delivery_key
from storage.db import make_engine, make_sessions
from storage.models import Delivery, Member, Post, Workspace
from storage.upsert import insert_ignore_rows
from tests.adapters.slack.mock_slack import TEAM

ANY_TIME = {"quiet_start": "00:00", "quiet_end": "00:00", "weekends": True}


@dataclass(frozen=True)
class Nudge:
    """A due delivery as the platform will see it: its metadata key, to whom."""

    key: str
    user: str

    @property
    def channel(self) -> str:
        return "D" + self.user[1:]


def volunteer_id(i: int) -> str:
    return f"U{i:08d}"


async def _workspace(session: AsyncSession, now: datetime) -> int:
    found = await session.scalar(select(Workspace.id).where(
        Workspace.platform == "slack", Workspace.external_id == TEAM["id"]))
    if found is not None:
        return int(found)
    workspace = Workspace(platform="slack", external_id=TEAM["id"], name=TEAM["name"],
                          created_at=now)
    session.add(workspace)
    await session.flush()
    return workspace.id


async def _volunteers(session: AsyncSession, workspace: int, users: Sequence[str],
                      topics: Sequence[str] | None, now: datetime) -> None:
    version = load_charter().version
    await insert_ignore_rows(session, Member, [{
        "workspace_id": workspace, "external_id": user, "display_name": f"Volunteer {user}",
        "locale": "en", "timezone": "Europe/Paris", "status": "active",
        "charter_version": version, "opted_in_at": now, "created_at": now,
        "prefs": ANY_TIME | ({"topics": [topics[i]]} if topics else {}),
        "conversation": conversation_to_json(user_dm(TEAM["id"], user)),
    } for i, user in enumerate(users)])


async def seed_volunteers(url: str, users: Sequence[str],
                          topics: Sequence[str] | None = None) -> None:
    """The workspace and these volunteers (each wanting only `topics[i]`, if given)."""
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            now = datetime.now(UTC)
            await _volunteers(session, await _workspace(session, now), users, topics, now)
            await session.commit()
    finally:
        await engine.dispose()


async def seed_fanout(url: str, n: int) -> list[Nudge]:
    """The workspace, n volunteers and one post due to each of them now, in the order the
    outbox takes them (due time, then id)."""
    engine = make_engine(url)
    users = [volunteer_id(i) for i in range(n)]
    try:
        async with make_sessions(engine)() as session:
            now = datetime.now(UTC)
            workspace = await _workspace(session, now)
            await _volunteers(session, workspace, users, None, now)
            post = Post(workspace_id=workspace, url="https://acme.example/news/lyon",
                        title="Our Lyon office opens", summary="Two hundred jobs in Lyon.",
                        key_points=["200 jobs", "Opening in June"], hashtags=["#AcmeLyon"],
                        publish_at=now - timedelta(minutes=1), created_at=now)
            session.add(post)
            await session.flush()
            members = dict((await session.execute(select(Member.id, Member.external_id).where(
                Member.workspace_id == workspace))).all())
            await insert_ignore_rows(session, Delivery, [{  # as the plan makes them
                "post_id": post.id, "member_id": member, "status": "planned", "due_at": now,
                "attempts": 0, "message_ref": {}, "suggestions": [], "language": "en",
                "slot": slot, "created_at": now,
            } for slot, member in enumerate(members)])
            rows = (await session.execute(select(Delivery.id, Delivery.member_id).where(
                Delivery.post_id == post.id).order_by(Delivery.id))).all()
            await session.commit()
    finally:
        await engine.dispose()
    return [Nudge(delivery_key(i), members[member]) for i, member in rows]


async def statuses(url: str, users: Sequence[str] | None = None) -> Counter[str]:
    """Deliveries per status at the end (of these volunteers only, if given)."""
    engine = make_engine(url)
    query: Any = select(Delivery.status, func.count()).group_by(Delivery.status)
    if users is not None:
        query = query.join(Member, Member.id == Delivery.member_id).where(
            Member.external_id.in_(list(users)))
    try:
        async with engine.connect() as conn:
            return Counter({str(status): int(count)
                            for status, count in (await conn.execute(query)).all()})
    finally:
        await engine.dispose()
