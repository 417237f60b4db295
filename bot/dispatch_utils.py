"""Small text helpers for reading what people type."""

from __future__ import annotations

import re

from bot.errors import UserError
from bot.services.urls import MAX_URL_LENGTH, web_url

# A person as an admin names them: "<@U123|alice>", "@alice", "alice", an Entra id.
MENTION = re.compile(r"^<?@?([\w.\-]+)(?:\|[^>]*)?>?$")
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


def link_then_words(text: str, usage: str, bad_url: str) -> tuple[str, str]:
    """What follows the first word: a web address, then free words ("suggest <url> why"),
    the words on one line; refused with `usage` when there is none, `bad_url` when the
    address is not one people may be sent to."""
    typed_url, _, words = rest_of(text).partition(" ")
    if not typed_url:
        raise UserError(usage)
    url = web_url(typed_url, MAX_URL_LENGTH)
    if url is None:
        raise UserError(bad_url, url=typed_url[:100])
    return url, " ".join(words.split())
