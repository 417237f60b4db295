"""The HTTP server: tracked links, health and metrics; adapters add their own routes."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bot.clicks import ClickCounter
from bot.metrics import REGISTRY, observe_queue
from bot.runtime import Runtime

log = logging.getLogger(__name__)
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)
CLICKS: web.AppKey[ClickCounter] = web.AppKey("clicks", ClickCounter)
QUEUE_QUERY_TIMEOUT = 2.0  # seconds: /metrics answers without the queue figures after that
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def redirect(request: web.Request) -> web.StreamResponse:
    target = await request.app[CLICKS].follow(request.match_info["token"],
                                              request.headers.get("User-Agent"))
    if target is None:
        raise web.HTTPNotFound(text="This link is unknown or has been removed.\n")
    return web.Response(status=302, headers={"Location": target, **NO_STORE})


async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[RUNTIME].engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "database unreachable"}, status=503)
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    try:
        await asyncio.wait_for(observe_queue(rt.engine, rt.clock.now()), QUEUE_QUERY_TIMEOUT)
    except Exception:  # the other metrics are still worth serving
        log.exception("metrics: outbox queue figures not refreshed")
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _start_clicks(app: web.Application) -> None:
    app[CLICKS].start()


async def _flush_clicks(app: web.Application) -> None:
    """After the last request was answered: write the clicks still in memory."""
    await app[CLICKS].close()


def make_app(rt: Runtime) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[RUNTIME] = rt
    app[CLICKS] = ClickCounter(rt)
    app.on_startup.append(_start_clicks)
    app.on_cleanup.append(_flush_clicks)
    app.router.add_get("/r/{token}", redirect)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
