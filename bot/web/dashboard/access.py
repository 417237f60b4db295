"""Who may see the dashboard: one-time sign-in links, the signed session cookie checked on
every request (still an admin of that workspace, not stopped nor erased), CSRF tokens,
sign-out, and the headers every page carries.

No password: `/voix dashboard` mints a link (LINK_MINUTES, usable once, bot/web/onetime.py);
following it sets a cookie for SESSION_HOURS and redirects, so that the token leaves the
address bar. A session signed out is remembered (InboundEvent, a day: longer than any
session) so that a copy of its cookie opens nothing either."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dedupe import first_time
from bot.runtime import Runtime
from bot.texts import normalize_locale
from bot.web import onetime
from storage.models import AuditLog, InboundEvent, Member, Workspace

LINK_MINUTES = 15
SESSION_HOURS = 4
LINK_SALT = "porte-voix dashboard link"
SESSION_SALT = "porte-voix dashboard session"
USED = "dashboard-link"  # InboundEvent's namespaces: links used, sessions signed out
SIGNED_OUT = "dashboard-out"
COOKIE = "pv_dashboard"
ROOT = "/dashboard/"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Content-Security-Policy": CSP}


def mint(rt: Runtime, member_id: int, locale: str, now: datetime) -> str:
    """A sign-in link for `member_id`, usable once before `now` + LINK_MINUTES."""
    token = onetime.sign(rt, LINK_SALT, {"m": member_id, "l": locale,
                                         "n": secrets.token_urlsafe(12)},
                         now + timedelta(minutes=LINK_MINUTES))
    return f"{rt.settings.public_url.rstrip('/')}{ROOT}login/{token}"


def may_see(member: Member | None) -> bool:
    return member is not None and member.is_admin and member.status not in ("stopped",
                                                                             "erased")


@dataclass
class Viewer:
    """The admin looking, within one database session, and their session's claims."""

    session: AsyncSession
    member: Member
    workspace: Workspace
    locale: str
    csrf: str
    nonce: str
    expires: datetime

    def checks(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.csrf.encode())


def _secure(rt: Runtime, request: web.Request) -> bool:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return rt.settings.public_url.startswith("https://") or request.secure \
        or forwarded == "https"


def set_session(rt: Runtime, request: web.Request, response: web.StreamResponse,
                member_id: int, locale: str, now: datetime, *, nonce: str = "",
                csrf: str = "", expires: datetime | None = None) -> None:
    """Put a (new, or the same with another language) session cookie on `response`."""
    until = expires or now + timedelta(hours=SESSION_HOURS)
    value = onetime.sign(rt, SESSION_SALT, {"m": member_id, "l": locale,
                                            "n": nonce or secrets.token_urlsafe(12),
                                            "c": csrf or secrets.token_urlsafe(24)}, until)
    response.set_cookie(COOKIE, value, max_age=int((until - now).total_seconds()),
                        path=ROOT, httponly=True, samesite="Lax",
                        secure=_secure(rt, request))


def clear_session(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path=ROOT)


async def _signed_out(session: AsyncSession, nonce: str) -> bool:
    return await session.scalar(select(InboundEvent.id).where(
        InboundEvent.platform == SIGNED_OUT, InboundEvent.event_id == nonce)) is not None


@asynccontextmanager
async def viewing(rt: Runtime, request: web.Request) -> AsyncIterator[Viewer | None]:
    """The viewer of `request` (None: no valid session), with a database session open."""
    now = rt.clock.now()
    async with rt.sessions() as session:
        try:
            claims = onetime.read(rt, SESSION_SALT, request.cookies.get(COOKIE, ""), now)
            member_id, nonce = int(claims["m"]), str(claims["n"])
            csrf, locale = str(claims["c"]), str(claims["l"])
        except (onetime.Refused, KeyError, TypeError, ValueError):
            yield None
            return
        member = await session.get(Member, member_id)
        if not may_see(member) or await _signed_out(session, nonce):
            yield None
            return
        assert member is not None
        workspace = await session.get(Workspace, member.workspace_id)
        assert workspace is not None
        yield Viewer(session, member, workspace, normalize_locale(locale, workspace.locale),
                     csrf, nonce, datetime.fromtimestamp(int(claims["x"]), now.tzinfo))


async def sign_in(rt: Runtime, token: str) -> tuple[int, str]:
    """Spend a sign-in link: the member and language it opens a session for; raises
    onetime.Refused when it is altered, expired, used, or its admin is no longer one."""
    now = rt.clock.now()
    claims = onetime.read(rt, LINK_SALT, token, now)
    try:
        member_id, locale, nonce = int(claims["m"]), str(claims["l"]), str(claims["n"])
    except (KeyError, TypeError, ValueError):
        raise onetime.Refused("invalid") from None
    async with rt.sessions() as session:
        member = await session.get(Member, member_id)
        if not may_see(member):
            raise onetime.Refused("invalid", locale)
        assert member is not None
        await onetime.use(rt, USED, nonce, locale)
        session.add(AuditLog(workspace_id=member.workspace_id, actor_id=member.id,
                             action="dashboard.signin", detail={}, at=now))
        await session.commit()
    return member_id, locale


async def sign_out(rt: Runtime, viewer: Viewer) -> None:
    """Remember the session as ended: its cookie, or any copy of it, opens nothing now."""
    await first_time(rt, SIGNED_OUT, viewer.nonce)
