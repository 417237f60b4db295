"""Reading and checking what an admin gives to queue a post, from a command or a form."""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from bot.services.timeparse import BadTime, parse_moment, parse_when
from bot.services.urls import UnsafeUrl, check_post_url

MAX_TITLE = 200
MAX_SUMMARY = 1000
MAX_POINTS = 5
MAX_POINT = 300
MAX_TAGS = 10
_TAG = re.compile(r"^[\w-]{1,50}$")


class BadPostInput(ValueError):
    """`key` names the message that explains the problem; `values` fill it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass
class PostInput:
    url: str
    title: str
    summary: str = ""
    key_points: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    publish_at: datetime | None = None
    expires_at: datetime | None = None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise BadPostInput("admin.queue_usage", detail=message)


def _parser() -> _Parser:
    parser = _Parser(prog="/voix queue", add_help=False, allow_abbrev=False)
    parser.add_argument("url")
    parser.add_argument("--title", default="")
    parser.add_argument("--summary", default="")
    parser.add_argument("--points", default="")
    parser.add_argument("--hashtags", default="")
    parser.add_argument("--topics", default="")
    parser.add_argument("--teams", default="")
    parser.add_argument("--at", default="")
    parser.add_argument("--expires", default="")
    return parser


def _split(value: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in value.split(sep) if part.strip()]


def title_from_url(url: str) -> str:
    """A readable title from the URL's last path segment, for when none is given."""
    parts = urlsplit(url)
    segment = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    segment = re.sub(r"\.\w{2,5}$", "", segment)
    words = re.sub(r"[-_+]+", " ", segment).strip()
    return (words[:1].upper() + words[1:]) if words else (parts.hostname or url)


def from_fields(values: dict[str, str], now: datetime, tz: ZoneInfo) -> PostInput:
    """Check every field; raise BadPostInput on the first problem."""
    try:
        url = check_post_url(values.get("url", ""))
    except UnsafeUrl:
        raise BadPostInput("admin.bad_url", url=values.get("url", "")[:100]) from None
    title = " ".join(values.get("title", "").split()) or title_from_url(url)
    if len(title) > MAX_TITLE:
        raise BadPostInput("admin.title_too_long", limit=MAX_TITLE, length=len(title))
    summary = values.get("summary", "").strip()
    if len(summary) > MAX_SUMMARY:
        raise BadPostInput("admin.summary_too_long", limit=MAX_SUMMARY)
    points = _split(values.get("points", ""), ";")
    if len(points) > MAX_POINTS or any(len(p) > MAX_POINT for p in points):
        raise BadPostInput("admin.too_many_points", count=MAX_POINTS, limit=MAX_POINT)
    tags = [t.lstrip("#") for t in _split(values.get("hashtags", "").replace(" ", ","))]
    topics = [t.lstrip("#").lower() for t in _split(values.get("topics", ""))]
    for tag in tags + topics:
        if not _TAG.match(tag):
            raise BadPostInput("admin.bad_tag", tag=tag[:60])
    if len(tags) > MAX_TAGS or len(topics) > MAX_TAGS:
        raise BadPostInput("admin.bad_tag", tag=f"> {MAX_TAGS}")
    publish_at = expires_at = None
    try:
        if values.get("at", "").strip():
            publish_at = parse_moment(values["at"], tz)
        if values.get("expires", "").strip():
            expires_at = parse_when(values["expires"], publish_at or now, tz)
    except BadTime as bad:
        raise BadPostInput("admin.bad_date", value=str(bad)[:60]) from None
    if expires_at and expires_at <= max(publish_at or now, now):
        raise BadPostInput("admin.expires_before", value=values.get("expires", "")[:60])
    return PostInput(url=url, title=title, summary=summary, key_points=points, hashtags=tags,
                     topics=list(dict.fromkeys(topics)),
                     teams=[t.lstrip("#").lower() for t in _split(values.get("teams", ""))],
                     publish_at=publish_at, expires_at=expires_at)


def from_command(text: str, now: datetime, tz: ZoneInfo) -> PostInput:
    """`<url> [--title ..] [--topics a,b] ...` as typed after `/voix queue`."""
    try:
        args = _parser().parse_args(shlex.split(text))
    except ValueError as bad:
        if isinstance(bad, BadPostInput):
            raise
        raise BadPostInput("admin.queue_usage", detail=str(bad)) from None
    return from_fields({k: v for k, v in vars(args).items() if isinstance(v, str)}, now, tz)
