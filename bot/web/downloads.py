"""GET /data/<token>: a member's export through a one-time signed link (bot/privacy/links.py).

An altered or unknown link is 404; an expired or already used one is 410, with a sentence
in the member's language saying what to do."""

from __future__ import annotations

from aiohttp import web

from bot.privacy import links
from bot.privacy.export import FILE_NAME, as_files, export
from bot.texts import normalize_locale
from bot.web.keys import RUNTIME
from storage.models import Member

PATH = "/data/{token}"
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff"}
TYPES = {"json": "application/json", "csv": "text/csv"}


def _refusal(request: web.Request, refused: links.Refused) -> web.Response:
    rt = request.app[RUNTIME]
    first = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
    locale = normalize_locale(refused.locale or first, rt.settings.default_locale)
    values = {"minutes": links.LINK_MINUTES} if refused.reason == "expired" else {}
    text = rt.texts.say(locale, f"privacy.link_{refused.reason}", **values)
    return web.Response(status=404 if refused.reason == "invalid" else 410, text=text + "\n",
                        headers={"Content-Language": locale, **PRIVATE})


async def download(request: web.Request) -> web.Response:
    rt = request.app[RUNTIME]
    now = rt.clock.now()
    try:
        grant = links.read(rt, request.match_info["token"], now)
        async with rt.sessions() as session:
            member = await session.get(Member, grant.member_id)
            if member is None or member.status == "erased":
                raise links.Refused("invalid", grant.locale)
            await links.use(rt, grant)
            data = await export(session, member, rt.settings.public_url, now)
    except links.Refused as refused:
        return _refusal(request, refused)
    disposition = f'attachment; filename="{FILE_NAME}.{grant.format}"'
    return web.Response(body=as_files(data)[grant.format], headers={
        "Content-Type": f"{TYPES[grant.format]}; charset=utf-8",
        "Content-Disposition": disposition, **PRIVATE})


def add_downloads(app: web.Application) -> None:
    """Serve /data/<token> from `app` (its RUNTIME set)."""
    app.router.add_get(PATH, download)
