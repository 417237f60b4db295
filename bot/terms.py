"""Blocked terms: words a workspace never wants in a shared text."""

from __future__ import annotations

import re


def find_blocked(text: str, terms: list[str]) -> str | None:
    """The first blocked term found as a whole word or phrase, case-insensitively."""
    for term in terms:
        term = term.strip()
        if term and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE):
            return term
    return None
