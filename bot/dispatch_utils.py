"""Small text helpers for reading what people type."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on PostgreSQL


def parse_id(text: str) -> int | None:
    """A database id as typed ('12', '#12'), or None for anything else."""
    text = text.strip().lstrip("#")
    if not (text.isascii() and text.isdecimal()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def rest_of(text: str) -> str:
    """Everything after the first word."""
    return text.strip().partition(" ")[2].strip()
