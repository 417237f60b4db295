"""One-time signed links to a member's export: valid LINK_MINUTES, usable once
(bot/web/onetime.py signs them and records their use)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime import Runtime
from bot.web.onetime import Refused, can_sign, sign
from bot.web.onetime import read as read_claims
from bot.web.onetime import use as use_once

__all__ = ["FORMATS", "LINK_MINUTES", "Grant", "Refused", "can_sign", "mint", "read", "use"]

LINK_MINUTES = 15
FORMATS = ("json", "csv")
SALT = "porte-voix export link"
USED = "export-link"  # InboundEvent's namespace of links used (its rows live a day)


@dataclass(frozen=True)
class Grant:
    """What a valid link gives: one member's export in one format, in their language."""

    member_id: int
    format: str
    locale: str
    expires: datetime
    nonce: str


def mint(rt: Runtime, member_id: int, locale: str, now: datetime) -> dict[str, str]:
    """A link per format, each usable once before `now` + LINK_MINUTES."""
    expires = now + timedelta(minutes=LINK_MINUTES)
    base = rt.settings.public_url.rstrip("/") + "/data/"
    return {fmt: base + sign(rt, SALT, {"m": member_id, "f": fmt, "l": locale,
                                        "n": secrets.token_urlsafe(12)}, expires)
            for fmt in FORMATS}


def read(rt: Runtime, token: str, now: datetime) -> Grant:
    """The grant of `token` if it is genuine and still valid; raises Refused otherwise."""
    claims = read_claims(rt, SALT, token, now)
    try:
        grant = Grant(int(claims["m"]), str(claims["f"]), str(claims["l"]),
                      datetime.fromtimestamp(int(claims["x"]), now.tzinfo), str(claims["n"]))
    except (KeyError, TypeError, ValueError):
        raise Refused("invalid") from None
    if grant.format not in FORMATS:
        raise Refused("invalid", grant.locale)
    return grant


async def use(rt: Runtime, grant: Grant) -> None:
    """Record the link's single use; raises Refused when it was used before."""
    await use_once(rt, USED, grant.nonce, grant.locale)
