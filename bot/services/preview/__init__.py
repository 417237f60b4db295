"""Link previews: what a page says about itself, fetched without letting a URL reach inside.

`fetch_preview` never raises: a refused, slow, oversized, non-HTML or silent page is None,
and the post is queued as typed. The guard (guard.py) checks the URL and each redirect, and
every address DNS answers, before any connection; `host_warning` needs no network."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.services.preview.fetch import fetch_page
from bot.services.preview.guard import Lookup, system_lookup
from bot.services.preview.homograph import host_warning
from bot.services.preview.parse import parse_page

__all__ = ["Preview", "fetch_preview", "host_warning"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preview:
    url: str  # the page read, after redirects
    title: str
    summary: str
    image: str  # an absolute http(s) address, or ""
    site: str
    language: str  # the primary subtag ("fr", "de"), or ""
    warning: str  # the host in punycode when it mixes scripts (host_warning), else ""


async def fetch_preview(url: str, settings: Settings, *,
                        lookup: Lookup = system_lookup) -> Preview | None:
    """The page's preview, or None when nothing could be read from it (never raises).
    `lookup` resolves names (a fake in tests)."""
    if not settings.previews:
        return None
    try:
        async with asyncio.timeout(settings.preview_timeout):
            page = await fetch_page(url, timeout=settings.preview_timeout,
                                    limit=settings.preview_max_bytes, lookup=lookup,
                                    allowed=settings.preview_test_allow)
            if page is None:
                return None
            meta = await asyncio.to_thread(parse_page, page.body, page.url, page.encoding)
    except Exception as error:  # any failure only means no preview
        log.info("No preview for %s: %s", url[:200], type(error).__name__)
        return None
    if not (meta.title or meta.summary):
        return None
    return Preview(url=page.url, title=meta.title, summary=meta.summary, image=meta.image,
                   site=meta.site, language=meta.language, warning=host_warning(url) or "")
