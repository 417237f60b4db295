"""One-time signed links to a member's export: valid LINK_MINUTES, usable once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeSerializer

from bot.dedupe import first_time
from bot.runtime import Runtime

LINK_MINUTES = 15
FORMATS = ("json", "csv")
SALT = "porte-voix export link"
USED = "export-link"  # InboundEvent's namespace of links used (its rows live a day)
MAX_TOKEN = 400  # characters: a longer one was not made here


@dataclass(frozen=True)
class Grant:
    """What a valid link gives: one member's export in one format, in their language."""

    member_id: int
    format: str
    locale: str
    expires: datetime
    nonce: str


class Refused(Exception):
    """A link that gives nothing: `reason` is invalid (altered, unknown), expired or used."""

    def __init__(self, reason: str, locale: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locale = locale


def _serializer(rt: Runtime) -> URLSafeSerializer | None:
    secret = rt.settings.link_secret
    return URLSafeSerializer(secret.get_secret_value(), salt=SALT) if secret else None


def can_sign(rt: Runtime) -> bool:
    return _serializer(rt) is not None


def mint(rt: Runtime, member_id: int, locale: str, now: datetime) -> dict[str, str]:
    """A link per format, each usable once before `now` + LINK_MINUTES."""
    signer = _serializer(rt)
    assert signer is not None, "check can_sign first"
    expires = int((now + timedelta(minutes=LINK_MINUTES)).timestamp())
    base = rt.settings.public_url.rstrip("/") + "/data/"
    return {fmt: base + str(signer.dumps({"m": member_id, "f": fmt, "l": locale, "x": expires,
                                           "n": secrets.token_urlsafe(12)}))
            for fmt in FORMATS}


def read(rt: Runtime, token: str, now: datetime) -> Grant:
    """The grant of `token` if it is genuine and still valid; raises Refused otherwise."""
    signer = _serializer(rt)
    if signer is None or len(token) > MAX_TOKEN:
        raise Refused("invalid")
    try:
        claims = signer.loads(token)
        grant = Grant(int(claims["m"]), str(claims["f"]), str(claims["l"]),
                      datetime.fromtimestamp(int(claims["x"]), now.tzinfo), str(claims["n"]))
    except (BadData, KeyError, TypeError, ValueError):
        raise Refused("invalid") from None
    if grant.format not in FORMATS:
        raise Refused("invalid", grant.locale)
    if now >= grant.expires:
        raise Refused("expired", grant.locale)
    return grant


async def use(rt: Runtime, grant: Grant) -> None:
    """Record the link's single use; raises Refused when it was used before."""
    if not await first_time(rt, USED, grant.nonce):
        raise Refused("used", grant.locale)
