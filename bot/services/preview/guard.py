"""The SSRF guard of link previews: which URLs, names and addresses Porte-Voix may fetch.

Every check runs before a connection: `check_url` on the URL (and on each redirect), then
`GuardedResolver` on what DNS answers. aiohttp connects only to the addresses the resolver
returns, so a second DNS answer (rebinding) never reaches a socket."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Collection

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

PORTS = (80, 443)
SCHEMES = ("http", "https")
# Names that never lead to a public page: loopback, mDNS, private zones, documentation.
_SPECIAL_SUFFIXES = ("localhost", "local", "internal", "intranet", "lan", "home.arpa", "arpa",
                     "test", "invalid", "example", "onion", "example.com", "example.net",
                     "example.org")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
# 64:ff9b::/96 (NAT64) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> [(family, address)]: the DNS lookup, replaced by a fake one in tests.
Lookup = Callable[[str, int], Awaitable[list[tuple[int, str]]]]


class Refused(Exception):
    """This URL, name or address is not one a preview may be fetched from."""


def public(address: Address) -> bool:
    """Whether an address is a public unicast one, also once unwrapped from IPv6 forms that
    embed an IPv4 address (mapped and compatible ones are refused whatever they carry)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None or int(address) >> 32 == 0:
            return False  # ::ffff:a.b.c.d, ::a.b.c.d (and ::, ::1)
        embedded = [address.sixtofour]
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(inner is not None and not public(inner) for inner in embedded):
            return False
    return address.is_global and not (
        address.is_multicast or address.is_private or address.is_loopback
        or address.is_link_local or address.is_reserved or address.is_unspecified)


def _address(host: str) -> Address | None:
    """The host as an IP address when it is one; IPv4 in any other form than a.b.c.d
    (2130706433, 0x7f.1, 0177.0.0.1) and IPv6 zones are refused outright."""
    if "%" in host:
        raise Refused(host)
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        raise Refused(host)  # no top-level domain is numeric: an IPv4 address in disguise
    return None


def _special(name: str) -> bool:
    return "." not in name or any(name == suffix or name.endswith("." + suffix)
                                  for suffix in _SPECIAL_SUFFIXES)


def check_url(url: URL, allowed: Collection[str] = ()) -> None:
    """Refuse (raise Refused) anything but http(s) to a public name or address on port 80 or
    443 without credentials. `allowed` lists "host:port" pairs exempt (tests only)."""
    host = (url.raw_host or "").lower()
    if url.scheme not in SCHEMES or not host or url.user is not None or url.password is not None:
        raise Refused(str(url))
    if f"{host}:{url.port}" in allowed:
        return
    if url.port not in PORTS:
        raise Refused(str(url))
    address = _address(host)
    if address is None and _special(host.rstrip(".")):
        raise Refused(host)
    if address is not None and not public(address):
        raise Refused(host)


async def system_lookup(host: str, port: int) -> list[tuple[int, str]]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG)
    return [(family, str(sockaddr[0])) for family, _, _, _, sockaddr in infos
            if family in (socket.AF_INET, socket.AF_INET6)]


class GuardedResolver(AbstractResolver):
    """Resolves a name and returns its addresses only if every one of them is public: a name
    with a single private address is refused whole. Names in `allowed` (tests) pass."""

    def __init__(self, lookup: Lookup = system_lookup, allowed: Collection[str] = ()) -> None:
        self._lookup = lookup
        self._allowed = allowed

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        answers = await self._lookup(host, port)
        if not answers:
            raise Refused(host)
        results: list[ResolveResult] = []
        for kind, text in answers:
            address = ipaddress.ip_address(text)
            if f"{host}:{port}" not in self._allowed and not public(address):
                raise Refused(host)
            results.append(ResolveResult(hostname=host, host=str(address), port=port,
                                         family=kind, proto=socket.IPPROTO_TCP,
                                         flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV))
        return results

    async def close(self) -> None:
        return None

