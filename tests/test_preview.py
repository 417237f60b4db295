"""Link previews: what a page says about itself, and the SSRF guard that keeps fetches public."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.config import Settings
from bot.services.preview import Preview, fetch_preview, host_warning

OG = """<!doctype html><html lang="fr-FR"><head><title>Ignored title</title>
<meta property="og:title" content="  Nouveau bureau
  à Lyon ">
<meta property="og:description" content="Nous ouvrons un bureau à Lyon.">
<meta property="og:image" content="/img/lyon.jpg">
<meta property="og:site_name" content="Acme Blog">
</head><body>Hello</body></html>"""
TWITTER = """<html><head><meta name="twitter:title" content="Data engineer wanted">
<meta name="twitter:description" content="Join the data team.">
<meta name="twitter:image" content="https://cdn.acme.com/job.png"></head></html>"""
TITLE_ONLY = "<html><head><title>Just a &amp; title</title></head><body></body></html>"
OG_LOCALE = """<html><head><meta property="og:locale" content="en_GB">
<meta name="description" content="Plain description."><title>T</title></head></html>"""
PADDING = b"<!-- " + b"x" * 300_000 + b" -->"


@dataclass
class Pages:
    """A local page server; `hits` counts the requests it answered."""

    server: TestServer
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    @property
    def allow(self) -> str:
        return f"127.0.0.1:{self.server.port}"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def answer(response: Callable[[], web.StreamResponse]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return response()

    return handler


def html(body: str | bytes, content_type: str = "text/html") -> Handler:
    data = body.encode() if isinstance(body, str) else body
    return answer(lambda: web.Response(body=data, content_type=content_type, charset="utf-8"))


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(3)
    return web.Response(text=OG, content_type="text/html")


async def _huge(request: web.Request) -> web.StreamResponse:
    """Five megabytes, streamed without a length; the title comes only at the end."""
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    try:
        for _ in range(50):
            await response.write(b"<p>" + b"y" * 100_000 + b"</p>")
        await response.write(b"<title>Far away</title>")
    except (ConnectionResetError, RuntimeError):
        pass  # the reader stopped at its cap
    return response


def _redirect(to: str) -> Handler:
    return answer(lambda: web.Response(status=302, headers={"Location": to}))


def build_pages() -> web.Application:
    app = web.Application()
    routes = {
        "/og": html(OG),
        "/twitter": html(TWITTER),
        "/title": html(TITLE_ONLY),
        "/locale": html(OG_LOCALE),
        "/xhtml": html(TITLE_ONLY, "application/xhtml+xml"),
        "/json": answer(lambda: web.json_response({"title": "not html"})),
        "/png": html(b"\x89PNG", "image/png"),
        "/missing": answer(lambda: web.Response(status=404, text="<title>404</title>",
                                                content_type="text/html")),
        "/empty": html("<html><body>nothing to say</body></html>"),
        "/head-then-padding": html(OG.encode() + PADDING * 10),
        "/padding-then-head": html(PADDING + OG.encode()),
        "/slow": _slow,
        "/huge": _huge,
        "/hop/1": _redirect("/hop/2"),
        "/hop/2": _redirect("/hop/3"),
        "/hop/3": _redirect("/og"),
        "/hops/0": _redirect("/hop/1"),  # four hops in all
        "/to-private": _redirect("http://10.0.0.7/admin"),
        "/to-metadata": _redirect("http://169.254.169.254/latest/meta-data"),
        "/to-file": _redirect("file:///etc/passwd"),
        "/to-gopher": _redirect("gopher://127.0.0.1:25/_HELO"),
        "/to-localhost": _redirect("http://localhost/og"),
        "/to-credentials": _redirect("http://user:pass@127.0.0.1/og"),
    }
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    return app


@pytest.fixture
async def pages() -> AsyncIterator[Pages]:
    app = build_pages()
    found = Pages(TestServer(app, host="127.0.0.1"))

    @web.middleware
    async def count(request: web.Request, handler):  # type: ignore[no-untyped-def]
        found.hits.append(request.path)
        return await handler(request)

    app.middlewares.append(count)
    await found.server.start_server()
    yield found
    await found.server.close()


def allowing(pages: Pages, **more: object) -> Settings:
    return Settings(preview_test_allow=[pages.allow], **more)  # type: ignore[arg-type]


# What a page says


async def test_open_graph_tags_fill_the_preview(pages):
    preview = await fetch_preview(pages.url("/og"), allowing(pages))
    assert preview == Preview(url=pages.url("/og"), title="Nouveau bureau à Lyon",
                              summary="Nous ouvrons un bureau à Lyon.",
                              image=pages.url("/img/lyon.jpg"), site="Acme Blog",
                              language="fr", warning="")


async def test_twitter_card_tags_when_there_is_no_open_graph(pages):
    preview = await fetch_preview(pages.url("/twitter"), allowing(pages))
    assert preview is not None
    assert (preview.title, preview.summary, preview.image, preview.site, preview.language) == (
        "Data engineer wanted", "Join the data team.", "https://cdn.acme.com/job.png", "", "")


async def test_only_a_title_tag(pages):
    preview = await fetch_preview(pages.url("/title"), allowing(pages))
    assert preview is not None
    assert (preview.title, preview.summary, preview.image) == ("Just a & title", "", "")


async def test_language_from_og_locale_and_description_from_meta(pages):
    preview = await fetch_preview(pages.url("/locale"), allowing(pages))
    assert preview is not None
    assert (preview.language, preview.summary) == ("en", "Plain description.")


async def test_xhtml_is_read_and_other_types_are_not(pages):
    assert await fetch_preview(pages.url("/xhtml"), allowing(pages)) is not None
    for path in ("/json", "/png", "/missing", "/empty"):
        assert await fetch_preview(pages.url(path), allowing(pages)) is None, path


async def test_a_big_page_is_read_up_to_the_cap_only(pages):
    settings = allowing(pages, preview_max_bytes=100_000)
    head_first = await fetch_preview(pages.url("/head-then-padding"), settings)
    assert head_first is not None and head_first.title == "Nouveau bureau à Lyon"
    assert await fetch_preview(pages.url("/padding-then-head"), settings) is None
    started = time.monotonic()
    assert await fetch_preview(pages.url("/huge"), allowing(pages)) is None  # title past 1 MB
    assert time.monotonic() - started < 3


async def test_a_slow_page_times_out(pages):
    started = time.monotonic()
    assert await fetch_preview(pages.url("/slow"), allowing(pages, preview_timeout=0.3)) is None
    assert time.monotonic() - started < 2


async def test_previews_can_be_turned_off(pages):
    assert await fetch_preview(pages.url("/og"), allowing(pages, previews=False)) is None
    assert pages.hits == []


# The test allowance


async def test_the_default_settings_refuse_the_local_server(pages):
    assert await fetch_preview(pages.url("/og"), Settings()) is None
    assert pages.hits == []


async def test_the_allowance_is_for_that_port_only(pages):
    other = f"http://127.0.0.1:{pages.server.port + 1}/og"
    assert await fetch_preview(other, allowing(pages)) is None
    assert pages.hits == []


# Redirects


async def test_up_to_three_redirects_are_followed(pages):
    preview = await fetch_preview(pages.url("/hop/1"), allowing(pages))
    assert preview is not None and preview.url == pages.url("/og")
    assert pages.hits == ["/hop/1", "/hop/2", "/hop/3", "/og"]


async def test_a_fourth_redirect_is_not(pages):
    assert await fetch_preview(pages.url("/hops/0"), allowing(pages)) is None
    assert "/og" not in pages.hits


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata", "/to-file", "/to-gopher",
                                  "/to-localhost", "/to-credentials"])
async def test_each_redirect_is_checked_again(pages, path, connections):
    assert await fetch_preview(pages.url(path), allowing(pages)) is None
    assert pages.hits == [path]
    assert connections == [("127.0.0.1", pages.server.port)]  # only the allowed server


# Hostile URLs: each refused before any connection


async def fake_lookup(host: str, port: int) -> list[tuple[int, str]]:
    """DNS as an attacker would set it up; a name not in the table does not exist."""
    table = {
        "intranet.acme.com": ["10.1.2.3"],
        "router.acme.com": ["192.168.1.1"],
        "carrier.acme.com": ["100.64.0.1"],
        "meta.acme.com": ["169.254.169.254"],
        "loop.acme.com": ["127.0.0.1"],
        "v6loop.acme.com": ["::1"],
        "mapped.acme.com": ["::ffff:10.0.0.1"],
        "ula.acme.com": ["fd00::1"],
        "linklocal6.acme.com": ["fe80::1"],
        "sixtofour.acme.com": ["2002:7f00:1::1"],
        "teredo.acme.com": ["2001:0:4136:e378:8000:63bf:f5ff:fffe"],  # client 10.0.0.1
        "nat64.acme.com": ["64:ff9b::a00:1"],
        "multicast.acme.com": ["224.0.0.1"],
        "zero.acme.com": ["0.0.0.0"],
        "mixed.acme.com": ["93.184.216.34", "10.0.0.1"],  # one bad answer spoils the name
        "news.acme.com": ["93.184.216.34"],  # public: the control case
    }
    return [(socket.AF_INET6 if ":" in a else socket.AF_INET, a) for a in table.get(host, [])]


HOSTILE = [
    "http://127.0.0.1/", "http://127.1/", "http://2130706433/", "http://0x7f000001/",
    "http://0x7f.1/", "http://0177.0.0.1/", "http://017700000001/", "http://[::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::127.0.0.1]/",
    "http://[0:0:0:0:0:ffff:169.254.169.254]/", "http://[2002:7f00:1::]/",
    "http://[fe80::1%25eth0]/", "http://[fc00::1]/", "http://0.0.0.0/", "http://[::]/",
    "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/", "http://172.16.0.1/",
    "http://192.168.0.1/", "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/",
    "http://255.255.255.255/", "http://localhost/", "http://localhost:8080", "http://a.localhost/",
    "http://printer.local/", "http://db.internal/", "http://intranet/", "http://acme.example/",
    "http://example.com/", "http://router.home.arpa/", "file:///etc/passwd",
    "gopher://news.acme.com:70/", "ftp://news.acme.com/", "dict://news.acme.com:11211/",
    "javascript:alert(1)", "http://user:pass@news.acme.com/", "http://user@news.acme.com/",
    "http://news.acme.com:8080/", "http://news.acme.com:22/", "https://news.acme.com:8443/",
    "http://news.acme.com:0/", "http://intranet.acme.com/", "http://router.acme.com/",
    "http://carrier.acme.com/", "http://meta.acme.com/latest/meta-data",
    "http://loop.acme.com/", "http://v6loop.acme.com/", "http://mapped.acme.com/",
    "http://ula.acme.com/", "http://linklocal6.acme.com/", "http://sixtofour.acme.com/",
    "http://teredo.acme.com/", "http://nat64.acme.com/", "http://multicast.acme.com/",
    "http://zero.acme.com/", "http://mixed.acme.com/", "http://nowhere.acme.com/",
]


@pytest.fixture
async def connections(monkeypatch) -> list[tuple[str, int]]:
    """Every socket connection attempted, refused unless it is to this machine's loopback."""
    made: list[tuple[str, int]] = []
    loop = asyncio.get_running_loop()
    real = loop.sock_connect

    async def sock_connect(sock: socket.socket, address: tuple) -> None:  # type: ignore[type-arg]
        made.append((address[0], address[1]))
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError(address)  # never the internet, whatever happens
        await real(sock, address)

    monkeypatch.setattr(loop, "sock_connect", sock_connect)
    return made


def test_the_table_is_large():
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("url", HOSTILE)
async def test_a_hostile_url_is_refused_without_a_connection(url, connections):
    assert await fetch_preview(url, Settings(), lookup=fake_lookup) is None
    assert connections == []


async def test_a_public_name_is_connected_to_the_address_checked(connections):
    """The control case: the guard lets a public address through, to that address only."""
    assert await fetch_preview("http://news.acme.com/", Settings(), lookup=fake_lookup) is None
    assert connections == [("93.184.216.34", 80)]


async def test_a_second_dns_answer_never_reaches_a_socket(connections):
    """DNS rebinding: the name answers public once, private after; only the first is used."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[tuple[int, str]]:
        return [(socket.AF_INET, a) for a in next(answers, ["127.0.0.1"])]

    assert await fetch_preview("https://news.acme.com/", Settings(), lookup=rebinding) is None
    assert connections == [("93.184.216.34", 443)]


# Homograph hosts


@pytest.mark.parametrize(("url", "punycode"), [
    ("https://pаypal.com/login", "xn--pypal-4ve.com"),  # Cyrillic а
    ("https://xn--pypal-4ve.com/", "xn--pypal-4ve.com"),  # typed in punycode
    ("https://аррӏе.com/", "xn--80ak6aa92e.com"),  # all Cyrillic, with a Latin .com
    ("https://gοogle.com/", "xn--gogle-rce.com"),  # Greek ο
])
def test_a_host_mixing_scripts_is_shown_in_punycode(url, punycode):
    assert host_warning(url) == punycode


@pytest.mark.parametrize("url", [
    "https://paypal.com/", "https://bücher.de/", "https://straße.de/", "https://яндекс.рф/",
    "https://日本語.jp/", "https://例え.テスト/", "https://한국.kr/", "https://123-go.com/",
    "not a url", "",
])
def test_a_host_in_one_script_is_not(url):
    assert host_warning(url) is None
