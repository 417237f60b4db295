"""JSON from strangers, as both webhooks read it: malformed, nested past a sane depth (the
json module and the SDKs' walks over a payload recurse, and 100,000 brackets crash them), or
holding strings that no platform sends and that neither the database nor an encoder takes."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # Slack's and Teams' own payloads stay under 20


class UnreadableJson(ValueError):
    """The body is not JSON Porte-Voix will read; the message says why, for the log."""


def _clean(text: str) -> bool:
    """No NUL (PostgreSQL refuses it) and no half of a surrogate pair (not UTF-8 at all)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unusable(value: object, limit: int = MAX_DEPTH) -> str | None:
    """Why a parsed body cannot be used, or None: lists and objects nested more than
    `limit` levels, or a key or string holding NUL or a lone surrogate. No recursion."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Any
        if isinstance(item, str):
            if not _clean(item):
                return "a string holds NUL or a lone surrogate"
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return f"JSON nested deeper than {limit}"
        stack.extend((child, depth + 1) for child in children)
    return None


def read_json(text: str | bytes) -> Any:
    """The parsed value, or UnreadableJson."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise UnreadableJson("JSON nested too deep") from None
    except ValueError as error:  # UnicodeDecodeError included
        raise UnreadableJson(f"malformed JSON ({type(error).__name__})") from None
    problem = unusable(value)
    if problem:
        raise UnreadableJson(problem)
    return value
