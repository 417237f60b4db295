"""The HTTP server: tracked links, health and metrics; adapters add their own routes."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bot.clicks import follow
from bot.metrics import REGISTRY
from bot.runtime import Runtime

log = logging.getLogger(__name__)
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)


async def redirect(request: web.Request) -> web.StreamResponse:
    target = await follow(request.app[RUNTIME], request.match_info["token"],
                          request.headers.get("User-Agent"))
    if target is None:
        raise web.HTTPNotFound(text="This link is unknown or has been removed.\n")
    return web.Response(status=302, headers={
        "Location": target, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


async def healthz(request: web.Request) -> web.Response:
    try:
        async with request.app[RUNTIME].engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "database unreachable"}, status=503)
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def make_app(rt: Runtime) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[RUNTIME] = rt
    app.router.add_get("/r/{token}", redirect)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
