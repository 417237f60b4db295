"""The two HTTP listeners `porte-voix serve` runs.

- public (PORTEVOIX_HOST:PORTEVOIX_PORT): /r/<token>, /data/<token>, /dashboard/, /healthz
  and the platform webhooks the adapters add; never /metrics, except when there is no
  operations listener (PORTEVOIX_METRICS_PORT=0) and a token guards it;
- operations (PORTEVOIX_METRICS_HOST:PORTEVOIX_METRICS_PORT, loopback by default): /metrics,
  behind PORTEVOIX_METRICS_TOKEN when set, and /healthz for the orchestrator's probes.
"""

from __future__ import annotations

import ipaddress
import logging

from aiohttp import web

from bot.plugins import Cleanup
from bot.runtime import Runtime
from bot.web.dashboard.routes import add_dashboard
from bot.web.downloads import add_downloads
from bot.web.health import add_health
from bot.web.keys import RUNTIME
from bot.web.links import add_links
from bot.web.metrics import metrics, required_token

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024  # bytes, for the webhooks' requests


def make_app(rt: Runtime) -> web.Application:
    """The public application; adapters add their webhook routes to it."""
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = rt
    add_links(app, rt)
    add_downloads(app)
    add_dashboard(app)
    add_health(app, rt.engine)
    if rt.settings.metrics_port == 0 and required_token(rt.settings):
        app.router.add_get("/metrics", metrics)
    return app


def make_operations_app(rt: Runtime) -> web.Application:
    """What the operations listener serves: /metrics and /healthz."""
    app = web.Application()
    app[RUNTIME] = rt
    add_health(app, rt.engine)
    app.router.add_get("/metrics", metrics)
    return app


async def start_operations(rt: Runtime) -> Cleanup:
    """Start the operations listener, if PORTEVOIX_METRICS_PORT is not 0: what stops it."""
    settings = rt.settings
    token = required_token(settings)
    if not settings.metrics_port:
        if not token:
            log.warning("metrics are served nowhere: with PORTEVOIX_METRICS_PORT=0 they need "
                        "PORTEVOIX_METRICS_TOKEN, and are then on the public listener")
        return _nothing
    runner = web.AppRunner(make_operations_app(rt))
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
    except OSError as error:
        await runner.cleanup()
        raise SystemExit(f"cannot listen on {settings.metrics_host}:{settings.metrics_port} "
                         f"for metrics ({error.strerror or error}): set another "
                         "PORTEVOIX_METRICS_PORT, or 0 for none") from None
    log.info("metrics and health on http://%s:%s/", settings.metrics_host, settings.metrics_port)
    if not token and not _loopback(settings.metrics_host):
        log.warning("metrics are open to anyone reaching %s: set PORTEVOIX_METRICS_TOKEN",
                    settings.metrics_host)
    return runner.cleanup


async def _nothing() -> None:
    """Stops the operations listener that was not started."""


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
