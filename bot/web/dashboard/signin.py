"""Signing in by a one-time link, switching the language, signing out: the dashboard's only
requests that change anything, the last two POSTs that carry the session's CSRF token."""

from __future__ import annotations

from aiohttp import web

from bot.texts import LOCALES
from bot.web import onetime
from bot.web.dashboard.access import (
    LINK_MINUTES,
    ROOT,
    clear_session,
    set_session,
    sign_in,
    viewing,
)
from bot.web.dashboard.access import sign_out as end_session
from bot.web.dashboard.pages import message
from bot.web.keys import RUNTIME

MAX_FORM = 4096  # bytes: the dashboard's forms are a few short fields


async def login(request: web.Request) -> web.StreamResponse:
    """Spend the link, set the session cookie, and leave the token's URL at once (303)."""
    rt = request.app[RUNTIME]
    try:
        member_id, locale = await sign_in(rt, request.match_info["token"])
    except onetime.Refused as refused:
        values = {"minutes": LINK_MINUTES} if refused.reason == "expired" else {}
        return message(request, f"link_{refused.reason}",
                       404 if refused.reason == "invalid" else 410, refused.locale, None,
                       **values)
    response = web.Response(status=303, headers={"Location": ROOT})
    set_session(rt, request, response, member_id, locale, rt.clock.now())
    response.headers.update({"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
    return response


async def _form(request: web.Request) -> dict[str, str]:
    if (request.content_length or 0) > MAX_FORM:
        return {}
    return {key: value for key, value in (await request.post()).items()
            if isinstance(value, str)}


async def language(request: web.Request) -> web.StreamResponse:
    """The same session in another language; back to the page it was asked from."""
    rt = request.app[RUNTIME]
    form = await _form(request)
    async with viewing(rt, request) as viewer:
        if viewer is None:
            return message(request, "no_session", 401)
        if not viewer.checks(form.get("csrf", "")):
            return message(request, "bad_form", 403, viewer.locale, viewer)
        chosen = form.get("lang", "")
        back = form.get("next", "")
        if not back.startswith(ROOT) or back.startswith("//") or "\\" in back:
            back = ROOT
        response = web.Response(status=303, headers={"Location": back})
        if chosen in LOCALES:
            set_session(rt, request, response, viewer.member.id, chosen, rt.clock.now(),
                        nonce=viewer.nonce, csrf=viewer.csrf, expires=viewer.expires)
        return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    rt = request.app[RUNTIME]
    form = await _form(request)
    async with viewing(rt, request) as viewer:
        if viewer is None:
            return message(request, "no_session", 401)
        if not viewer.checks(form.get("csrf", "")):
            return message(request, "bad_form", 403, viewer.locale, viewer)
        locale = viewer.locale
        await end_session(rt, viewer)
    response = message(request, "signed_out", 200, locale)
    clear_session(response)
    return response
