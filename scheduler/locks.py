"""One replica at a time for the singleton jobs: a PostgreSQL advisory lock per job name.

`singleton(rt, name)` opens a dedicated connection, begins a transaction on it and tries
`pg_try_advisory_xact_lock(key)`, where `key` is a stable signed 64-bit hash of the job
name (the first 8 bytes of SHA-256, the same in every process, unlike `hash()`). It
never waits: it yields True when this replica holds the lock and runs the job, False
when another replica does (the caller skips this run and tries again at its next
interval). The connection stays open, idle in its transaction, for the job's duration.

Why a transaction-level lock: PostgreSQL releases it when that transaction ends, however
it ends. Leaving the block rolls the transaction back (lock released, whether the job
returned or raised); if the process dies (SIGKILL, crash, OOM), its socket closes, the
server ends the backend and the lock goes with it, so the next replica's next run takes
over. A session-level lock could instead leak into the connection pool when an unlock
is skipped or fails, and would not survive a transaction-pooling proxy (PgBouncer).

A host that vanishes without closing its sockets (power loss, partition) leaves an
orphaned backend that the server only notices through TCP keepalives (hours by default).
So the lock transaction sets `idle_in_transaction_session_timeout` to SILENT_LIMIT and a
heartbeat runs `SELECT 1` on the lock connection every HEARTBEAT seconds while the job
runs: a live replica keeps its lock however long its job takes, a silent one loses it
after SILENT_LIMIT. A replica whose event loop stalls longer than that also loses it
mid-job; the block still finishes and logs a warning. Overlap is then possible but not
harmful to the data: planning inserts with insert-or-ignore on (post, member), digests
are unique per (team, period), maintenance is idempotent. The lock is what keeps the
work from being done twice and a volunteer from being planned two nudges at once.

On SQLite there is nothing to lock against: SQLite serves one process (DESIGN.md), and
within it APScheduler runs at most one instance of each job (`max_instances=1`), so the
lock is always held and no connection is opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.runtime import Runtime

log = logging.getLogger(__name__)
NAMESPACE = "porte-voix:job:"
HEARTBEAT = 20.0  # seconds between two pings on a held lock's connection
SILENT_LIMIT = 90  # seconds of silence after which the server drops a holder's session

_TRY = text("SELECT set_config('idle_in_transaction_session_timeout', :limit, true), "
            "pg_try_advisory_xact_lock(CAST(:key AS bigint))")
_HOLDER = text("SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
               "WHERE d.datname = current_database() AND l.locktype = 'advisory' "
               "AND l.granted AND l.objsubid = 1 "
               "AND l.classid::bigint = :high AND l.objid::bigint = :low")


def lock_key(name: str) -> int:
    """The advisory lock key of a job: a signed 64-bit integer, stable across processes."""
    digest = hashlib.sha256((NAMESPACE + name).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _on_postgresql(rt: Runtime) -> bool:
    return rt.engine.dialect.name == "postgresql"


@contextlib.asynccontextmanager
async def singleton(rt: Runtime, name: str) -> AsyncIterator[bool]:
    """Hold job `name`'s lock for the block if no other replica does; yields whether held."""
    if not _on_postgresql(rt):
        yield True
        return
    conn = await rt.engine.connect()
    try:
        row = (await conn.execute(_TRY, {"limit": str(SILENT_LIMIT * 1000),
                                         "key": lock_key(name)})).one()
        held = bool(row[1])
    except BaseException:
        await _release(conn, name)
        raise
    stop = asyncio.Event()
    beat = asyncio.create_task(_heartbeat(conn, name, stop)) if held else None
    try:
        yield held
    finally:
        stop.set()
        if beat is not None:
            await beat  # never cancelled mid-query: it returns at its next wake-up
        await _release(conn, name)


async def _heartbeat(conn: AsyncConnection, name: str, stop: asyncio.Event) -> None:
    """Keep a held lock's session from looking idle while the job runs."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HEARTBEAT)
        if stop.is_set():
            return
        try:
            await conn.execute(text("SELECT 1"))
        except Exception as error:  # the connection is gone, and the lock with it
            log.warning("job %s: lost its lock connection (%s); another replica may run it",
                        name, error)
            return


async def _release(conn: AsyncConnection, name: str) -> None:
    """End the lock's transaction (releasing it) and give the connection back.

    A connection that died first (killed backend, timeout, network) already lost the
    lock on the server; the job's own work is done, so that is logged, not raised."""
    try:
        await conn.rollback()
        await conn.close()
    except Exception as error:
        log.warning("job %s: its lock connection was lost before release (%s)", name, error)
        with contextlib.suppress(Exception):
            await conn.invalidate()
        with contextlib.suppress(Exception):
            await conn.close()


async def holder(rt: Runtime, name: str) -> int | None:
    """The server process id holding job `name`'s lock in this database, if any (None on
    SQLite): which replica runs the job, for operators and tests."""
    if not _on_postgresql(rt):
        return None
    key = lock_key(name) & 0xFFFF_FFFF_FFFF_FFFF
    async with rt.engine.connect() as conn:
        pid = await conn.scalar(_HOLDER, {"high": key >> 32, "low": key & 0xFFFF_FFFF})
    return int(pid) if pid is not None else None
