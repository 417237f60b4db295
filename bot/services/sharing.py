"""Share links and the measure of how much a volunteer made a text their own."""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote, urlencode

from rapidfuzz.distance import Indel

from bot.services.textfit import cut_on_word

X_LIMIT = 280
X_URL_WEIGHT = 23  # X counts every link as 23 characters, whatever its length
LINKEDIN_LIMIT = 3000
_TOKENS = re.compile(r"\w+|[^\w\s]")


def edit_ratio(suggested: str, final: str) -> float:
    """0.0 for the suggestion untouched, 1.0 for a text sharing no word with it."""
    a = _TOKENS.findall(suggested.lower())
    b = _TOKENS.findall(final.lower())
    return round(Indel.normalized_distance(a, b), 3)


def new_link_token() -> str:
    return secrets.token_urlsafe(9)


def linkedin_share_url(link: str) -> str:
    return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": link})


def x_text(text: str) -> str:
    """The text cut so that text, a space and the link fit in one post on X."""
    return cut_on_word(text, X_LIMIT - X_URL_WEIGHT - 1)


def x_intent_url(text: str, link: str) -> str:
    return (
        "https://x.com/intent/post?text="
        + quote(x_text(text), safe="")
        + "&url="
        + quote(link, safe="")
    )
