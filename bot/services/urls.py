"""Which URLs a post may point to, and the UTM tags of tracked links."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MAX_URL_LENGTH = 2048


class UnsafeUrl(ValueError):
    """The URL is not a plain web address Porte-Voix may send people to."""


def check_post_url(url: str) -> str:
    """Return the URL if it is an absolute http(s) URL with a host, else raise UnsafeUrl."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(url)
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UnsafeUrl(url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise UnsafeUrl(url)
    if parts.username or parts.password:
        raise UnsafeUrl(url)
    return url


def web_url(url: str, limit: int) -> str | None:
    """`url` if it is an absolute http(s) address of at most `limit` characters (share links
    may be longer than a post's URL), else None."""
    url = url.strip()
    if len(url) > limit or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:  # scheme, host and userinfo all lie in the first MAX_URL_LENGTH characters
        return url if check_post_url(url[:MAX_URL_LENGTH]) else None
    except UnsafeUrl:
        return None


def with_utm(url: str, *, source: str, campaign: str, content: str) -> str:
    """The post URL with utm_* tags set (existing utm_* tags are replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith("utm_")]
    query += [
        ("utm_source", source),
        ("utm_medium", "employee_advocacy"),
        ("utm_campaign", campaign),
        ("utm_content", content),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
