"""What a page says about itself: Open Graph, Twitter card, <title>, <html lang>."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from bot.services.urls import MAX_URL_LENGTH, web_url

_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
MAX_TEXT = 2000  # a page's description longer than that is not a summary


@dataclass(frozen=True)
class PageMeta:
    title: str = ""
    summary: str = ""
    image: str = ""
    site: str = ""
    language: str = ""


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_TEXT]


def _metas(soup: BeautifulSoup) -> dict[str, str]:
    """The first value of each <meta property|name=...> (lower-cased key), as authors mix the
    two attributes for Open Graph and Twitter tags."""
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        if not isinstance(meta, Tag):
            continue
        key = meta.get("property") or meta.get("name") or meta.get("http-equiv")
        value = _clean(str(meta.get("content") or ""))
        if isinstance(key, str) and value:
            found.setdefault(key.strip().lower(), value)
    return found


def _first(metas: dict[str, str], *keys: str) -> str:
    return next((metas[key] for key in keys if metas.get(key)), "")


def language_code(value: str) -> str:
    """The primary language subtag of "fr-FR", "en_GB", "de" ("" if none is readable)."""
    match = _LANGUAGE.match(value.strip())
    return match.group(1).lower() if match else ""


def parse_page(html: bytes, page_url: str, encoding: str | None = None) -> PageMeta:
    """The preview fields of an HTML page; relative image addresses are read from `page_url`."""
    soup = BeautifulSoup(html, "html.parser", from_encoding=encoding)
    metas = _metas(soup)
    title_tag = soup.find("title")
    title = _first(metas, "og:title", "twitter:title") or _clean(
        title_tag.get_text() if title_tag else "")
    image = _first(metas, "og:image:secure_url", "og:image", "og:image:url", "twitter:image",
                   "twitter:image:src")
    image = (web_url(urljoin(page_url, image), MAX_URL_LENGTH) or "") if image else ""
    root = soup.find("html")
    lang = root.get("lang") if isinstance(root, Tag) else None
    language = language_code(lang if isinstance(lang, str) else "") or language_code(
        _first(metas, "og:locale", "content-language", "language"))
    return PageMeta(
        title=title,
        summary=_first(metas, "og:description", "twitter:description", "description"),
        image=image, site=_first(metas, "og:site_name", "application-name"),
        language=language)
