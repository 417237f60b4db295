"""GET /healthz: 200 only when the schema can be read, 503 when the database fails."""

from __future__ import annotations

import asyncio
import logging
import os
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import Select, column, literal, select, table
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.models import Base

log = logging.getLogger(__name__)
TIMEOUT = 2.0  # seconds: a database slower than this is reported down
PROBE: web.AppKey[AsyncEngine] = web.AppKey("health probe", AsyncEngine)
_ALEMBIC = table("alembic_version", column("version_num"))


def schema_query() -> Select[tuple[object, ...]]:
    """The migrated version and one row of every table: fails if any table is missing."""
    return select(_ALEMBIC.c.version_num, *(
        select(literal(1)).select_from(model).limit(1).scalar_subquery()
        for model in Base.metadata.sorted_tables))


def probe_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine health checks run on. On a SQLite file, a fresh connection each time,
    opened without creating the file: a pooled one keeps using a file deleted under it."""
    url = engine.url
    if (url.get_backend_name() != "sqlite" or url.query.get("uri")
            or url.database in (None, "", ":memory:")):
        return engine
    path = "file:" + quote(os.path.abspath(str(url.database)))
    return create_async_engine(url.set(database=path).update_query_dict(
        {"uri": "true", "mode": "rw"}), poolclass=NullPool)


async def check(engine: AsyncEngine) -> None:
    """Raise unless the schema answers within TIMEOUT."""
    async with asyncio.timeout(TIMEOUT), engine.connect() as conn:
        if (await conn.execute(schema_query())).first() is None:
            raise LookupError("the schema was never migrated (no alembic version)")


def _reason(exc: BaseException) -> str:
    """The exception's class and the first line of the driver's message."""
    detail = str(getattr(exc, "orig", None) or exc)
    return f"{type(exc).__name__}: {detail.splitlines()[0]}" if detail else type(exc).__name__


async def healthz(request: web.Request) -> web.Response:
    try:
        await check(request.app[PROBE])
    except Exception as exc:  # whatever the driver raises, the answer is the same
        # One line, no traceback: probes repeat every few seconds while it lasts.
        log.warning("health check failed: %s", _reason(exc))
        return web.json_response({"status": "database unavailable"}, status=503,
                                 headers={"Cache-Control": "no-store"})
    return web.json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


def add_health(app: web.Application, engine: AsyncEngine) -> None:
    """Serve /healthz from `app`, checking the database behind `engine`."""
    probe = app[PROBE] = probe_engine(engine)
    if probe is not engine:
        async def dispose(_: web.Application) -> None:
            await probe.dispose()
        app.on_cleanup.append(dispose)
    app.router.add_get("/healthz", healthz)
