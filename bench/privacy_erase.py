"""Forget me at scale: the time to erase a member with BENCH_ERASE_SHARES shares (default
1,000, each with its delivery and three clicks) on SQLite, against the erasure of a member
with none in the same database (the baseline). Target: under a second."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from sqlalchemy import insert, select

from bench.__main__ import Row
from bench.planning import scratch_database
from bot.privacy.erase import erase
from storage.db import make_engine, make_sessions
from storage.models import Click, Delivery, Member, Post, Share, Workspace

SHARES = int(os.environ.get("BENCH_ERASE_SHARES", "1000"))
TARGET = 1.0  # seconds
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _seed(session, workspace_id: int, user: str, shares: int) -> int:
    member = Member(workspace_id=workspace_id, external_id=user, display_name=user.title(),
                    email=f"{user}@acme.example", job_title="Engineer",
                    conversation={"conversation_id": f"D{user}"}, status="stopped",
                    created_at=NOW)
    session.add(member)
    await session.flush()
    if not shares:
        return member.id
    posts = (await session.scalars(insert(Post).returning(Post.id), [
        {"workspace_id": workspace_id, "url": f"https://example.com/{user}/{i}",
         "title": f"Post {i}", "publish_at": NOW, "created_at": NOW}
        for i in range(shares)])).all()
    deliveries = (await session.scalars(insert(Delivery).returning(Delivery.id), [
        {"post_id": post, "member_id": member.id, "status": "shared", "due_at": NOW,
         "sent_at": NOW, "message_ref": {"message_id": str(post)},
         "suggestions": [{"text": f"Idea for {post}"}], "created_at": NOW}
        for post in posts])).all()
    share_ids = (await session.scalars(insert(Share).returning(Share.id), [
        {"delivery_id": delivery, "post_id": post, "member_id": member.id,
         "network": "linkedin", "suggested_text": "Suggested", "final_text": f"Mine {post}",
         "edit_ratio": 0.3, "link_token": f"{user}-{post}", "created_at": NOW}
        for post, delivery in zip(posts, deliveries, strict=True)])).all()
    await session.execute(insert(Click), [{"share_id": share, "at": NOW}
                                          for share in share_ids for _ in range(3)])
    return member.id


async def _timed(sessions, member_id: int) -> float:
    async with sessions() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        began = time.perf_counter()
        await erase(session, member)
        await session.commit()
        return time.perf_counter() - began


async def run() -> list[Row]:
    async with scratch_database("sqlite") as url:
        engine = make_engine(url)
        sessions = make_sessions(engine)
        async with sessions() as session:
            session.add(Workspace(platform="slack", external_id="T1", created_at=NOW))
            await session.flush()
            workspace = await session.scalar(select(Workspace.id))
            assert workspace is not None
            empty = await _seed(session, workspace, "nobody", 0)
            busy = await _seed(session, workspace, "busy", SHARES)
            await session.commit()
        baseline = await _timed(sessions, empty)
        measured = await _timed(sessions, busy)
        await engine.dispose()
    return [Row("privacy erase", f"SQLite, member with {SHARES:,} shares", measured * 1000,
                "ms", baseline * 1000, f"< {TARGET * 1000:,.0f} ms", measured < TARGET)]

