"""Planning one post for 100,000 eligible volunteers: time and peak memory of the process.

Each case gets a fresh database (a SQLite file; a database of its own on the PostgreSQL
server of PORTEVOIX_BENCH_DATABASE_URL, dropped afterwards) holding one workspace, 10 %
more members who may not be nudged, a history of two older posts (half the volunteers
nudged three days ago, a tenth yesterday, one in twenty with a nudge still pending) and
one live post. The plan job then runs in a subprocess of its own, so that its peak RSS
(VmHWM) is the planning's and nothing else's; the baseline is 10,000 volunteers.

Also home of what the other scale benchmarks share: `scratch_database` and `seed_members`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bench.__main__ import Row
from storage.db import make_engine, upgrade
from storage.models import Delivery, Member, Post, Team, Workspace

TIMEOUT = 300.0
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent
CHARTER = "bench-1"
# Monday 30 November 2026, 10:00 in Paris, 04:00 in Montreal, 17:00 in Singapore.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ZONES = ("Europe/Paris", "America/Montreal", "Asia/Singapore", "Europe/London", None)
SIZES = (10_000, 100_000)
CHUNK = 10_000
TARGET_SECONDS, TARGET_MB = 10.0, 300.0


class Unavailable(Exception):
    """The database server for this case cannot be used; its rows are skipped."""


def bench_pg_url() -> str:
    return os.environ.get("PORTEVOIX_BENCH_DATABASE_URL", PG_DEFAULT)


@contextlib.asynccontextmanager
async def scratch_database(kind: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one case, removed afterwards; yields its URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pv-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            await _migrate(url)
            yield url
        return
    server = make_url(bench_pg_url())
    name = f"pv_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        await admin.dispose()
        raise Unavailable(f"PostgreSQL at {server.render_as_string(hide_password=True)}: "
                          f"{type(error).__name__}") from error
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        await _migrate(url)
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def bulk(conn: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in chunks (multi-row VALUES on both databases)."""
    for start in range(0, len(rows), CHUNK):
        await conn.execute(insert(table), rows[start:start + CHUNK])


async def seed_members(conn: AsyncConnection, volunteers: int, teams: int,
                       others: int = 0) -> tuple[int, list[int]]:
    """A workspace with `teams` teams and `volunteers` eligible members spread over them
    and over time zones (one in five with preferences of their own), plus `others` who
    are not eligible. Returns the workspace id and the volunteers' ids, in order."""
    workspace = (await conn.execute(insert(Workspace).values(
        platform="console", external_id=f"bench-{uuid.uuid4().hex[:6]}", name="Bench",
        created_at=NOW - timedelta(days=90)).returning(Workspace.id))).scalar_one()
    team_ids = list((await conn.execute(insert(Team).returning(Team.id), [
        {"workspace_id": workspace, "external_id": f"T{t}", "name": f"#team-{t}",
         "created_at": NOW - timedelta(days=90)} for t in range(teams)])).scalars())
    special = [{"quiet_start": "21:00", "quiet_end": "11:30"}, {"weekly_cap": 3},
               {"topics": ["hiring"]}, {"weekends": True}, {"in_digest": True}]
    rows = [{"workspace_id": workspace, "external_id": f"U{i:07d}", "display_name": f"V{i}",
             "timezone": ZONES[i % len(ZONES)], "team_id": team_ids[i % teams],
             "status": "active" if i < volunteers else ("stopped", "new")[i % 2],
             "charter_version": CHARTER if i < volunteers else None,
             "opted_in_at": NOW - timedelta(days=30 + i % 60),
             "prefs": special[(i // 5) % len(special)] if i % 5 == 0 else {},
             "conversation": {"platform": "console", "conversation_id": f"D{i}"},
             "created_at": NOW - timedelta(days=60)} for i in range(volunteers + others)]
    await bulk(conn, Member, rows)
    ids = list((await conn.execute(
        text("SELECT id FROM members WHERE workspace_id = :w AND status = 'active' "
             "ORDER BY id"), {"w": workspace})).scalars())
    return workspace, ids


async def seed_planning(url: str, volunteers: int) -> None:
    """The planning case: history of two older posts, one live post (see module doc)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            workspace, ids = await seed_members(conn, volunteers, teams=20,
                                                others=volunteers // 10)
            old = list((await conn.execute(insert(Post).returning(Post.id), [
                {"workspace_id": workspace, "url": f"https://acme.example/old-{n}",
                 "title": f"Old {n}", "status": "expired", "publish_at": NOW - timedelta(days=9),
                 "created_at": NOW - timedelta(days=9)} for n in range(2)])).scalars())
            await conn.execute(insert(Post).values(
                workspace_id=workspace, url="https://acme.example/news/lyon",
                title="Our Lyon office", status="active", publish_at=NOW - timedelta(hours=1),
                created_at=NOW - timedelta(hours=1)))
            history: list[dict[str, Any]] = []
            for i, member_id in enumerate(ids):
                if i % 2 == 0:
                    sent = NOW - timedelta(days=3)
                    history.append(_delivery(old[0], member_id, "sent", sent, sent))
                if i % 10 == 1:
                    sent = NOW - timedelta(hours=20)
                    history.append(_delivery(old[1], member_id, "shared", sent, sent))
                elif i % 20 == 3:
                    history.append(_delivery(old[1], member_id, "planned",
                                             NOW + timedelta(hours=2), None))
            await bulk(conn, Delivery, history)
    finally:
        await engine.dispose()


def _delivery(post_id: int, member_id: int, status: str, due: datetime,
              sent: datetime | None) -> dict[str, Any]:
    return {"post_id": post_id, "member_id": member_id, "status": status, "due_at": due,
            "sent_at": sent, "attempts": 1 if sent else 0, "message_ref": {},
            "suggestions": [], "created_at": due - timedelta(hours=1)}


def _memory_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process, in kB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _child(url: str) -> None:
    """Runs in the measured subprocess: the plan job once; prints figures as JSON."""
    import time

    from scheduler.plan import plan
    from storage.db import make_sessions

    engine = make_engine(url)
    sessions = make_sessions(engine)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    before = _memory_kb("VmRSS")
    started = time.perf_counter()
    async with sessions() as session:
        created = await plan(session, CHARTER, NOW)
    seconds = time.perf_counter() - started
    await engine.dispose()
    print(json.dumps({"seconds": seconds, "created": created, "rss_before_kb": before,
                      "peak_kb": _memory_kb("VmHWM")}))


async def _measure(url: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.planning", "child", url, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"planning subprocess failed: {err.decode()[-500:]}")
    figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return figures


async def _case(kind: str, volunteers: int) -> dict[str, Any]:
    async with scratch_database(kind) as url:
        await seed_planning(url, volunteers)
        return await _measure(url)


def expected_created(volunteers: int) -> int:
    """Everyone is offered the live post except the one in twenty with a nudge pending."""
    return sum(1 for i in range(volunteers) if i % 20 != 3)


async def run() -> list[Row]:
    rows: list[Row] = []
    for kind in ("sqlite", "postgresql"):
        name = f"planning ({'SQLite' if kind == 'sqlite' else 'PostgreSQL'})"
        try:
            small = await _case(kind, SIZES[0])
            large = await _case(kind, SIZES[1])
        except Unavailable as error:
            rows.append(Row(name, "skipped", None, note=f"{name}: skipped, {error}."))
            continue
        wrong = [f"{size:,}: {case['created']:,} created, {expected_created(size):,} expected"
                 for size, case in zip(SIZES, (small, large), strict=True)
                 if case["created"] != expected_created(size)]
        rows += [
            Row(name, f"{SIZES[1]:,} volunteers: time", large["seconds"], "s",
                small["seconds"], f"< {TARGET_SECONDS:.0f} s",
                large["seconds"] < TARGET_SECONDS and not wrong,
                note=f"{name}: baseline = {SIZES[0]:,} volunteers; deliveries created as "
                     f"expected: {'no, ' + '; '.join(wrong) if wrong else 'yes'}."),
            Row(name, f"{SIZES[1]:,} volunteers: peak RSS", large["peak_kb"] / 1024, "MB",
                small["peak_kb"] / 1024, f"< {TARGET_MB:.0f} MB",
                large["peak_kb"] / 1024 < TARGET_MB),
            Row(name, "RSS before planning (imports, engine)",
                large["rss_before_kb"] / 1024, "MB"),
        ]
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        asyncio.run(_child(sys.argv[2]))
    else:
        from bench.__main__ import render
        render(asyncio.run(run()))
