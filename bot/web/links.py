"""GET /r/<token>: count a tracked link's click and redirect to the post's own URL."""

from __future__ import annotations

from aiohttp import web

from bot.clicks import ClickCounter
from bot.runtime import Runtime
from bot.texts import normalize_locale
from bot.web.keys import CLICKS, RUNTIME

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def redirect(request: web.Request) -> web.StreamResponse:
    target = await request.app[CLICKS].follow(request.match_info["token"],
                                              request.headers.get("User-Agent"))
    if target is None:
        rt = request.app[RUNTIME]
        # The visitor's first language (a link may be opened by anyone, anywhere).
        first = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0]
        locale = normalize_locale(first.strip(), rt.settings.default_locale)
        raise web.HTTPNotFound(text=rt.texts.say(locale, "errors.unknown_link") + "\n",
                               headers={"Content-Language": locale})
    return web.Response(status=302, headers={"Location": target, **NO_STORE})


async def _start_clicks(app: web.Application) -> None:
    app[CLICKS].start()


async def _flush_clicks(app: web.Application) -> None:
    """After the last request was answered: write the clicks still in memory."""
    await app[CLICKS].close()


def add_links(app: web.Application, rt: Runtime) -> None:
    """Serve /r/<token> from `app`, with its buffered click counter."""
    app[CLICKS] = ClickCounter(rt)
    app.on_startup.append(_start_clicks)
    app.on_cleanup.append(_flush_clicks)
    app.router.add_get("/r/{token}", redirect)
