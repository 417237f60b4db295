"""Small text helpers for reading what people type."""

from __future__ import annotations


def rest_of(text: str) -> str:
    """Everything after the first word."""
    return text.strip().partition(" ")[2].strip()
