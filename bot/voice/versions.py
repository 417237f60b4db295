"""A post in each of its languages: the version queued, and those an admin added."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.models import Post


@dataclass(frozen=True)
class Version:
    language: str
    title: str
    summary: str = ""
    key_points: list[str] = field(default_factory=list)


def languages(post: Post) -> list[str]:
    """The post's languages, the queued one first."""
    return list(dict.fromkeys([post.language, *sorted(post.versions or {})]))


def version(post: Post, language: str | None) -> Version:
    """The post in `language` when it has that version, else as queued."""
    other = (post.versions or {}).get(language or "")
    if language and language != post.language and isinstance(other, dict):
        return Version(language, str(other.get("title") or post.title),
                       str(other.get("summary") or ""),
                       [str(point) for point in other.get("key_points") or []])
    return Version(post.language, post.title, post.summary,
                   [str(point) for point in post.key_points or []])


def pick_language(post_languages: list[str], member_languages: list[str]) -> str | None:
    """The first of the member's languages the post has, or None: then it is not for them."""
    return next((lang for lang in member_languages if lang in post_languages), None)
