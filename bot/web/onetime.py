"""Signed tokens that expire, and the single use of a one-time link across replicas: what a
member's export links (bot/privacy/links.py) and the dashboard's sign-in links and session
cookies (bot/web/dashboard/) share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

from bot.dedupe import first_time
from bot.runtime import Runtime

MAX_TOKEN = 400  # characters: a longer one was not made here


class Refused(Exception):
    """A token that gives nothing: `reason` is invalid (altered, unknown), expired or used."""

    def __init__(self, reason: str, locale: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locale = locale


def _serializer(rt: Runtime, salt: str) -> URLSafeSerializer | None:
    secret = rt.settings.link_secret
    return URLSafeSerializer(secret.get_secret_value(), salt=salt) if secret else None


def can_sign(rt: Runtime) -> bool:
    """Whether PORTEVOIX_LINK_SECRET is set: without it, no link or session is made."""
    return rt.settings.link_secret is not None


def sign(rt: Runtime, salt: str, claims: dict[str, Any], expires: datetime) -> str:
    """`claims` signed for `salt`, valid until `expires` ("x"); "l" may name a language."""
    signer = _serializer(rt, salt)
    assert signer is not None, "check can_sign first"
    return str(signer.dumps({**claims, "x": int(expires.timestamp())}))


def read(rt: Runtime, salt: str, token: str, now: datetime) -> dict[str, Any]:
    """The claims of `token` if it is genuine, signed for `salt` and not expired at `now`;
    raises Refused otherwise (with the language it names, when it is genuine)."""
    signer = _serializer(rt, salt)
    if signer is None or len(token) > MAX_TOKEN:
        raise Refused("invalid")
    try:
        claims = signer.loads(token)
        expires = datetime.fromtimestamp(int(claims["x"]), now.tzinfo)
    except (BadData, KeyError, TypeError, ValueError, OverflowError, OSError):
        raise Refused("invalid") from None
    if not isinstance(claims, dict):
        raise Refused("invalid")
    locale = claims.get("l") if isinstance(claims.get("l"), str) else None
    if now >= expires:
        raise Refused("expired", locale)
    return claims


async def use(rt: Runtime, namespace: str, nonce: str, locale: str | None = None) -> None:
    """Record the single use of the link whose nonce is `nonce`; raises Refused ("used") when
    it was used before. InboundEvent's rows live a day: longer than any link."""
    if not await first_time(rt, namespace, nonce):
        raise Refused("used", locale)
