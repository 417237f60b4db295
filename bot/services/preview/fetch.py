"""Fetching one HTML page through the guard: own redirects, a size cap, a time limit."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import aiohttp
from yarl import URL

from bot.services.preview.guard import GuardedResolver, Lookup, Refused, check_url

MAX_REDIRECTS = 3
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 16 * 1024
USER_AGENT = "Porte-Voix link preview"


@dataclass(frozen=True)
class Page:
    url: str  # where the page was read, after redirects
    body: bytes  # at most the cap: the rest is never read
    encoding: str | None


async def _body(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """At most `limit` bytes of the body, read in chunks; the connection is dropped after."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        body += chunk[: limit - len(body)]
        if len(body) >= limit:
            break
    return bytes(body)


async def fetch_page(url: str, *, timeout: float, limit: int, lookup: Lookup,
                     allowed: Collection[str] = ()) -> Page | None:
    """The HTML page at `url`, or None when it is not one (status, type) or redirects more
    than MAX_REDIRECTS times. Raises Refused or aiohttp/asyncio errors on the way."""
    target = URL(url)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(lookup, allowed),
                                     use_dns_cache=False, force_close=True)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"}
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout,
                                     headers=headers, trust_env=False,
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(target, allowed)
            async with session.get(target, allow_redirects=False) as response:
                if response.status in REDIRECTS and "Location" in response.headers:
                    target = target.join(URL(response.headers["Location"]))
                    continue
                if response.status != 200 or response.content_type not in HTML_TYPES:
                    return None
                return Page(str(target), await _body(response, limit), response.charset)
    raise Refused(f"more than {MAX_REDIRECTS} redirects")
