"""Reading and checking what an admin gives to queue a post, from a command or a form."""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from bot.services.preview import Preview
from bot.services.timeparse import BadTime, parse_moment, parse_when
from bot.services.urls import UnsafeUrl, check_post_url
from bot.texts import LOCALES
from bot.voice.angles import KINDS

MAX_TITLE = 200
MAX_SUMMARY = 1000
MAX_POINTS = 5
MAX_POINT = 300
MAX_TAGS = 10
_TAG = re.compile(r"^[\w-]{1,50}$")
AUTO = "auto"  # the form's "detect for me" choice of language and kind


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
    # None: detected from the text (language) or inferred from it (kind) when queued.
    language: str | None = None
    kind: str | None = None
    # No title was given: this one was made from the URL and waits for the admin's word.
    title_from_url: bool = False
    # What was read from the page's preview rather than given: "title", "summary", "language".
    prefilled: tuple[str, ...] = ()
    hashtags: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    publish_at: datetime | None = None
    expires_at: datetime | None = None


class CommandParser(argparse.ArgumentParser):
    """Options of an admin command; a mistake raises BadPostInput(usage_key, detail=..)."""

    def __init__(self, prog: str, usage_key: str) -> None:
        super().__init__(prog=prog, add_help=False, allow_abbrev=False)
        self.usage_key = usage_key

    def error(self, message: str) -> None:  # type: ignore[override]
        raise BadPostInput(self.usage_key, detail=message)

    def read(self, text: str) -> dict[str, str]:
        """The options as typed; quotes that do not close are a usage error too."""
        try:
            words = shlex.split(text)
        except ValueError as bad:
            raise BadPostInput(self.usage_key, detail=str(bad)) from None
        return {k: v for k, v in vars(self.parse_args(words)).items() if isinstance(v, str)}


def _parser() -> CommandParser:
    parser = CommandParser("/voix queue", "admin.queue_usage")
    parser.add_argument("url")
    parser.add_argument("--title", default="")
    parser.add_argument("--summary", default="")
    parser.add_argument("--points", default="")
    parser.add_argument("--hashtags", default="")
    parser.add_argument("--topics", default="")
    parser.add_argument("--teams", default="")
    parser.add_argument("--at", default="")
    parser.add_argument("--expires", default="")
    parser.add_argument("--lang", default="")
    parser.add_argument("--kind", default="")
    return parser


def _translate_parser() -> CommandParser:
    parser = CommandParser("/voix translate", "admin.translate_usage")
    parser.add_argument("--title", default="")
    parser.add_argument("--summary", default="")
    parser.add_argument("--points", default="")
    return parser


EDITABLE = ("title", "summary", "points", "hashtags", "topics", "expires")
EDITED = ("title", "summary", "key_points", "hashtags", "topics", "expires_at")  # Post's names


def _edit_parser() -> CommandParser:
    parser = CommandParser("/voix edit", "edit.usage")
    for name in EDITABLE:
        parser.add_argument(f"--{name}", default=None)  # None: not given, kept as it is
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


def _title(value: str) -> str:
    title = " ".join(value.split())
    if len(title) > MAX_TITLE:
        raise BadPostInput("admin.title_too_long", limit=MAX_TITLE, length=len(title))
    return title


def _summary(value: str) -> str:
    summary = value.strip()
    if len(summary) > MAX_SUMMARY:
        raise BadPostInput("admin.summary_too_long", limit=MAX_SUMMARY)
    return summary


def _points(value: str) -> list[str]:
    points = _split(value, ";")
    if len(points) > MAX_POINTS or any(len(p) > MAX_POINT for p in points):
        raise BadPostInput("admin.too_many_points", count=MAX_POINTS, limit=MAX_POINT)
    return points


def _choice(value: str, allowed: tuple[str, ...], key: str) -> str | None:
    """One of `allowed`, or None for "detect for me" (empty or auto)."""
    value = value.strip().lower()
    if value in ("", AUTO):
        return None
    if value not in allowed:
        raise BadPostInput(key, value=value[:20], known=", ".join(allowed))
    return value


def language_choice(value: str) -> str | None:
    return _choice(value, LOCALES, "admin.bad_language")


def _checked_tags(tags: list[str]) -> list[str]:
    for tag in tags:
        if not _TAG.match(tag):
            raise BadPostInput("admin.bad_tag", tag=tag[:60])
    if len(tags) > MAX_TAGS:
        raise BadPostInput("admin.bad_tag", tag=f"> {MAX_TAGS}")
    return tags


def _hashtags(value: str) -> list[str]:
    return _checked_tags([t.lstrip("#") for t in _split(value.replace(" ", ","))])


def _topics(value: str) -> list[str]:
    return _checked_tags(list(dict.fromkeys(t.lstrip("#").lower() for t in _split(value))))


def _expiry(value: str, base: datetime, floor: datetime, tz: ZoneInfo) -> datetime | None:
    """When a post ends, typed as a moment or a delay from `base`; after `floor`, or none."""
    if not value.strip():
        return None
    try:
        expires_at = parse_when(value, base, tz)
    except BadTime as bad:
        raise BadPostInput("admin.bad_date", value=str(bad)[:60]) from None
    if expires_at <= floor:
        raise BadPostInput("admin.expires_before", value=value[:60])
    return expires_at


def from_fields(values: dict[str, str], now: datetime, tz: ZoneInfo) -> PostInput:
    """Check every field; raise BadPostInput on the first problem."""
    try:
        url = check_post_url(values.get("url", ""))
    except UnsafeUrl:
        raise BadPostInput("admin.bad_url", url=values.get("url", "")[:100]) from None
    title = _title(values.get("title", ""))
    derived = not title
    title = title or _title(title_from_url(url))
    summary = _summary(values.get("summary", ""))
    points = _points(values.get("points", ""))
    tags = _hashtags(values.get("hashtags", ""))
    topics = _topics(values.get("topics", ""))
    publish_at = None
    try:
        if values.get("at", "").strip():
            publish_at = parse_moment(values["at"], tz)
    except BadTime as bad:
        raise BadPostInput("admin.bad_date", value=str(bad)[:60]) from None
    expires_at = _expiry(values.get("expires", ""), publish_at or now,
                         max(publish_at or now, now), tz)
    return PostInput(url=url, title=title, summary=summary, key_points=points, hashtags=tags,
                     topics=topics,
                     teams=[t.lstrip("#").lower() for t in _split(values.get("teams", ""))],
                     publish_at=publish_at, expires_at=expires_at,
                     language=language_choice(values.get("lang", "")),
                     kind=_choice(values.get("kind", ""), KINDS, "admin.bad_kind"),
                     title_from_url=derived)


def wants_preview(data: PostInput) -> bool:
    """Whether the page may fill in what the admin left out (a title or a summary)."""
    return data.title_from_url or not data.summary


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-") + "…"


def prefill(data: PostInput, preview: Preview) -> PostInput:
    """The post with what the admin left out taken from the page: its title (then the post
    still waits for their word, as one made from the URL) with its language, and summary."""
    title = data.title_from_url and bool(preview.title)
    summary = not data.summary and bool(preview.summary)
    # The page's language describes its own words: the admin's title is read for its own.
    language = title and data.language is None and preview.language in LOCALES
    return replace(
        data, title=_clip(preview.title, MAX_TITLE) if title else data.title,
        title_from_url=data.title_from_url and not title,
        summary=_clip(preview.summary, MAX_SUMMARY) if summary else data.summary,
        language=preview.language if language else data.language,
        prefilled=tuple(name for name, filled in (("title", title), ("summary", summary),
                                                  ("language", language)) if filled))


def from_command(text: str, now: datetime, tz: ZoneInfo) -> PostInput:
    """`<url> [--title ..] [--topics a,b] ...` as typed after `/voix queue`."""
    return from_fields(_parser().read(text), now, tz)


def version_from_fields(values: dict[str, str]) -> dict[str, object]:
    """A post's version in another language, checked like a queued post; a title is needed."""
    title = _title(values.get("title", ""))
    if not title:
        raise BadPostInput("admin.translate_needs_title")
    return {"title": title, "summary": _summary(values.get("summary", "")),
            "key_points": _points(values.get("points", ""))}


def version_from_command(text: str) -> dict[str, object]:
    """`--title .. --summary .. --points "a; b"` as typed after `/voix translate <id> <lang>`."""
    return version_from_fields(_translate_parser().read(text))


def edit_from_fields(values: dict[str, str], start: datetime, tz: ZoneInfo) -> dict[str, object]:
    """The fields of a post `values` gives (those it leaves out stay), checked as when it was
    queued, as the post's attributes: an empty expiry means none; a delay counts from
    `start` (its publication, or now once it is out)."""
    read = {"title": _title, "summary": _summary, "points": _points, "hashtags": _hashtags,
            "topics": _topics, "expires": lambda value: _expiry(value, start, start, tz)}
    changes: dict[str, object] = {}
    for name, attribute in zip(EDITABLE, EDITED, strict=True):
        if name in values:
            changes[attribute] = read[name](values[name])
    if changes.get("title") == "":
        raise BadPostInput("edit.needs_title")
    return changes


def edit_from_command(text: str, start: datetime, tz: ZoneInfo) -> dict[str, object]:
    """`--title .. --expires ..` as typed after `/voix edit <id>`."""
    return edit_from_fields(_edit_parser().read(text), start, tz)
