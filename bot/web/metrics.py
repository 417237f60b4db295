"""GET /metrics: the Prometheus registry of bot/metrics.py, behind a bearer token if one is set."""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.config import Settings
from bot.metrics import REGISTRY, observe_queue
from bot.web.keys import RUNTIME

log = logging.getLogger(__name__)
QUEUE_QUERY_TIMEOUT = 2.0  # seconds: /metrics answers without the queue figures after that


def required_token(settings: Settings) -> str | None:
    """The bearer token /metrics asks for; an empty PORTEVOIX_METRICS_TOKEN is no token."""
    secret = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    return secret or None


def authorized(request: web.Request, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    # aiohttp keeps header bytes that are not UTF-8 as surrogates: give them back as bytes.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode("utf-8", "surrogateescape"), token.encode())


async def metrics(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    token = required_token(rt.settings)
    if token is not None and not authorized(request, token):
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    try:
        await asyncio.wait_for(observe_queue(rt.engine, rt.clock.now()), QUEUE_QUERY_TIMEOUT)
    except Exception:  # the other metrics are still worth serving
        log.exception("metrics: outbox queue figures not refreshed")
    return web.Response(body=generate_latest(REGISTRY),
                        headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
