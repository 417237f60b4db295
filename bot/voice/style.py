"""A volunteer's habits, read from what they shared before, in three plain rules.

- Someone who kept shortening the texts (most of their last shares under 80 % of the
  suggestion's length) gets the short suggestions first.
- Someone who adds the same closing line (a sign-off, an emoji) to most of their shares
  sees it already there.
- Someone who rewrites everything (median edit ratio of 0.7 or more) is offered
  "write my own" first."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

LOOKBACK = 5  # the last shares considered
MIN_SHARES = 2
SHORTER = 0.8
REWRITER = 0.7
MAX_SIGN_OFF = 80
_TAGS_OR_LINKS = re.compile(r"^(?:\s*(?:#\w+|https?://\S+))+\s*$")
_EMOJI_TAIL = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]+$")


@dataclass(frozen=True)
class Style:
    short_first: bool = False
    sign_off: str = ""
    own_first: bool = False


@dataclass(frozen=True)
class PastShare:
    suggested: str
    final: str
    edit_ratio: float


def _body_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if line.strip() and not _TAGS_OR_LINKS.match(line)]


def _closing(share: PastShare) -> str:
    """The closing the volunteer added: their last line when the suggestion had no such
    line, else an emoji they put at the end."""
    lines = _body_lines(share.final)
    if not lines:
        return ""
    last = lines[-1]
    if last not in _body_lines(share.suggested) and len(last) <= MAX_SIGN_OFF and len(lines) > 1:
        return last
    emoji = _EMOJI_TAIL.search(last)
    return emoji.group(0) if emoji and emoji.group(0) not in share.suggested else ""


def learn(shares: list[PastShare]) -> Style:
    """The style of a volunteer from their shares, newest first (a text of their own, with
    no suggestion behind it, counts as rewritten entirely)."""
    recent = shares[:LOOKBACK]
    if len(recent) < MIN_SHARES:
        return Style()
    edited = [share for share in recent if share.suggested]
    shorter = sum(len(s.final) < SHORTER * len(s.suggested) for s in edited)
    closings = Counter(c for c in map(_closing, edited) if c)
    closing, seen = closings.most_common(1)[0] if closings else ("", 0)
    return Style(
        short_first=len(edited) >= MIN_SHARES and shorter * 2 > len(edited),
        sign_off=closing if seen >= MIN_SHARES else "",
        own_first=statistics.median(
            s.edit_ratio if s.suggested else 1.0 for s in recent) >= REWRITER,
    )
