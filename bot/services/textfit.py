"""Cutting text to a platform limit on a word boundary, with an ellipsis."""

from __future__ import annotations

from collections.abc import Callable

ELLIPSIS = "…"


def cut_on_word(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its longest word prefix plus '…'."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    head = text[: limit - len(ELLIPSIS)]
    cut_mid_word = not text[len(head)].isspace()
    space = head.rfind(" ")
    if cut_mid_word and space > limit // 2:
        head = head[:space]
    return head.rstrip(" \n,;:.-") + ELLIPSIS


def fit(text: str, limit: int, shape: Callable[[str], str]) -> str:
    """shape(text cut on a word), the cut chosen so that the shaped result (escaped for a
    platform, which lengthens it) still fits in `limit` characters."""
    size = limit
    while size > 0:
        out = shape(cut_on_word(text, size))
        if len(out) <= limit:
            return out
        size = min(size - 1, size * limit // len(out))
    return shape("")
