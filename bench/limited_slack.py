"""A Slack Web API on 127.0.0.1 that limits and faults every method it answers, as Slack does.

Limits, each answered with HTTP 429, `{"ok": false, "error": "ratelimited"}` and a
Retry-After in whole seconds: chat.postMessage one a second per channel and a workspace
ceiling (a token bucket of `ceiling` a second holding `burst_seconds` of them);
conversations.history `history_per_minute` (Tier 3: 50; apps distributed outside the Slack
Marketplace since 2025: 1) and at most `history_page` messages a page (since 2025: 15);
every other method its tier (TIERS). Faults, drawn from a seeded generator for every call
before its limits are checked: 429 with Retry-After, HTTP 500, and the connection lost
(`p_timeout`: dropped at once for `reset_share` of them, else held `hang` seconds, longer
than the product's client waits, then 504). A share of those happen after the call took
effect (a message posted, then its answer lost), which is what exactly-once delivery must
survive.

Every call is recorded with its arrival and answer times (bench/slack_record.py); a slash
command's answer posted to its response_url, `<base>/_bench/respond/<channel>`, is recorded
as a call about that channel. `python -m bench.limited_slack` serves the mock in its own
process (Slack is another machine) and prints its base URL; `/_bench/report` returns the
record and `/_bench/next` waits for a call.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol

import aiohttp
from aiohttp import web

from bench.slack_record import Call, Payload, Report
from bench.slack_workspace import SlackWorkspace, dm_channel

TOKEN = "xoxb-bench-token"
ROOT = Path(__file__).resolve().parents[1]  # child processes run `python -m bench.…` here
# Requests a minute per method and workspace, as Slack's tiers allow (Tier 2: 20, Tier 3: 50,
# Tier 4: 100); chat.postMessage and conversations.history have limits of their own.
TIERS = {"auth.test": 100.0, "users.info": 100.0, "conversations.open": 50.0,
         "conversations.info": 50.0, "conversations.members": 100.0, "chat.update": 50.0,
         "chat.postEphemeral": 100.0, "chat.delete": 50.0, "views.open": 100.0,
         "views.publish": 100.0, "views.update": 100.0}
# A per-minute limit lets half a minute's calls come at once (Slack tolerates bursts).
BURST_MINUTES = 0.5
WAIT_LIMIT = 120.0  # seconds /_bench/next holds a request at most


@dataclass(frozen=True)
class Limits:
    """What the mock enforces and injects; probabilities are per call, on every method."""

    ceiling: float = 20.0  # chat.postMessage a second, workspace-wide
    burst_seconds: float = 1.0  # the ceiling's bucket holds this many seconds of messages
    per_channel: float = 1.0  # chat.postMessage a second in one channel
    history_per_minute: float = 50.0
    history_page: int = 999
    p_429: float = 0.05
    p_500: float = 0.02
    p_timeout: float = 0.01  # connections lost: dropped, or held then 504
    reset_share: float = 0.5  # of those, dropped at once
    timeout_accepts: float = 0.5  # of those, after the call took effect
    hang: float = 12.0  # seconds a held request waits (the product's client gives up at 10)
    latency: float = 0.02  # seconds every answer takes, once decided
    retry_after: int = 1  # seconds, for the injected 429s
    seed: int = 1

    def without_faults(self) -> Limits:
        """The same limits, nothing injected."""
        return replace(self, p_429=0.0, p_500=0.0, p_timeout=0.0)


class _Bucket:
    """A token bucket on monotonic time: `take` answers 0 (taken) or the seconds until a
    token is there."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, max(1.0, burst)
        self.tokens, self.at = self.burst, time.monotonic()

    def take(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def per_minute(calls: float) -> _Bucket:
    return _Bucket(calls / 60, calls * BURST_MINUTES)


def _where(method: str, params: Payload) -> str:
    """The channel a call is about: a user's DM (D…) for the methods that take a user."""
    if method == "users.info":
        return str(params.get("user") or "")
    if method == "conversations.open":
        return dm_channel(str(params.get("users") or "").split(",")[0])
    if method == "views.publish":
        return dm_channel(str(params.get("user_id") or ""))
    channel = str(params.get("channel") or "")
    # chat.postMessage to a user id posts in their DM, as Slack does.
    return dm_channel(channel) if method.startswith("chat.") else channel


def _key(params: Payload) -> str:
    metadata = params.get("metadata")
    if isinstance(metadata, dict):
        return str((metadata.get("event_payload") or {}).get("key") or "")
    return ""


def _rate_limited(seconds: float) -> web.Response:
    return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                             headers={"Retry-After": str(max(1, math.ceil(seconds)))})


class LimitedSlack:
    """The mock; `async with LimitedSlack(limits) as slack:` serves it on `slack.base_url`."""

    CHANNEL_SLACK = 0.05  # tolerance on the 1 s a channel gap: network jitter, not abuse

    def __init__(self, limits: Limits | None = None, token: str = TOKEN) -> None:
        self.limits = limits or Limits()
        self.token = token
        self.base_url = ""
        self.record = Report()
        self.counts: Counter[str] = Counter()
        self._random = random.Random(self.limits.seed)
        limits = self.limits
        self._ceiling = _Bucket(limits.ceiling, limits.ceiling * limits.burst_seconds)
        self._methods = {name: per_minute(calls) for name, calls in TIERS.items()}
        self._methods["conversations.history"] = per_minute(self.limits.history_per_minute)
        self._last_in_channel: dict[str, float] = {}
        self.workspace = SlackWorkspace(self.limits.history_page)
        self._by_channel: dict[str, list[Call]] = defaultdict(list)
        self._news = asyncio.Condition()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self, port: int = 0) -> LimitedSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/_bench/respond/{channel}", self._respond)
        app.router.add_get("/_bench/report", self._report)
        app.router.add_get("/_bench/accepted", self._accepted)
        app.router.add_get("/_bench/next", self._next)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port, backlog=1024).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/api/"
        return self

    async def close(self) -> None:
        self._closing.set()  # held requests answer at once
        async with self._news:
            self._news.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LimitedSlack:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- what benchmarks read ------------------------------------------------------------

    @property
    def respond_url(self) -> str:
        return self.base_url.replace("/api/", "/_bench/respond/")

    async def accepted(self) -> int:
        """Nudges the platform accepted, a volunteer's second one included."""
        return len(self.record.nudges())

    async def delivered(self) -> int:
        """Volunteers who received their nudge (distinct keys)."""
        return len(self.record.keys())

    async def report(self) -> Report:
        return Report(list(self.record.calls), dict(self.counts))

    async def next_call(self, channel: str, after: float, *, nudge: bool | None = None,
                        timeout: float = 10.0) -> Call | None:
        """The first call about `channel` (any, if "") that arrived at or after `after` and
        took effect (a nudge, or anything but one, or either when `nudge` is None), waiting
        up to `timeout` seconds for it."""
        def found() -> Call | None:
            calls = self._by_channel.get(channel, []) if channel else self.record.calls
            return next((call for call in calls
                         if call.arrived >= after and call.done
                         and (nudge is None or call.nudge == nudge)), None)

        deadline = time.monotonic() + timeout
        async with self._news:
            while (call := found()) is None and not self._closing.is_set() \
                    and (left := deadline - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._news.wait(), left)
        return call

    async def _report(self, request: web.Request) -> web.Response:
        return web.json_response((await self.report()).to_json())

    async def _accepted(self, request: web.Request) -> web.Response:
        return web.json_response({"accepted": await self.accepted(),
                                  "delivered": await self.delivered()})

    async def _next(self, request: web.Request) -> web.Response:
        query = request.query
        nudge = {"1": True, "0": False}.get(query.get("nudge", ""))
        call = await self.next_call(query.get("channel", ""), float(query["after"]),
                                    nudge=nudge,
                                    timeout=min(float(query.get("timeout", 10)), WAIT_LIMIT))
        return web.json_response({"call": asdict(call) if call else None})

    # -- the Web API -----------------------------------------------------------------------

    @staticmethod
    async def _params(request: web.Request) -> Payload:
        params: Payload = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                with contextlib.suppress(ValueError):
                    body = await request.json()
                    params.update(body if isinstance(body, dict) else {})
            else:
                params.update(await request.post())
        for name in ("metadata", "blocks"):
            if isinstance(params.get(name), str):
                with contextlib.suppress(ValueError):
                    params[name] = json.loads(params[name])
        return params

    def _log(self, call: Call) -> None:
        self.record.calls.append(call)
        self._by_channel[call.channel].append(call)

    async def _settled(self, call: Call) -> None:
        call.answered = time.monotonic()
        self.counts[f"{call.method} {call.outcome}"] += 1
        async with self._news:
            self._news.notify_all()

    async def _respond(self, request: web.Request) -> web.Response:
        """A slash command's answer, posted by the product to its response_url."""
        await request.read()
        call = Call("response_url", request.match_info["channel"], "", time.monotonic(),
                    "ok", True)
        self._log(call)
        await self._settled(call)
        return web.Response(text="ok")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, _where(method, params), _key(params), time.monotonic())
        self._log(call)
        try:
            return await self._answer(request, method, params, call)
        finally:
            await self._settled(call)

    def _fault(self) -> tuple[str, bool] | None:
        """What goes wrong with this call, and whether it happens after the call's effect."""
        limits, draw = self.limits, self._random.random()
        if draw < limits.p_429:
            return "429 injected", False
        if draw < limits.p_429 + limits.p_500:
            return "500 injected", False
        if draw < limits.p_429 + limits.p_500 + limits.p_timeout:
            kind = "reset" if self._random.random() < limits.reset_share else "timeout"
            return kind, self._random.random() < limits.timeout_accepts
        return None

    async def _lose(self, request: web.Request, kind: str) -> web.Response:
        """The connection is dropped, or held until the client has given up."""
        if kind == "reset":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=204)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), self.limits.hang)
        return web.Response(status=504, text="Gateway Timeout")

    async def _answer(self, request: web.Request, method: str, params: Payload,
                      call: Call) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        if token != self.token:
            call.outcome = "invalid_auth"
            return web.json_response({"ok": False, "error": "invalid_auth"})
        fault = self._fault()
        if fault is not None and not fault[1]:
            call.outcome = fault[0]
            if fault[0] == "429 injected":
                return _rate_limited(self.limits.retry_after)
            if fault[0] == "500 injected":
                return web.Response(status=500, text="Internal Server Error")
            return await self._lose(request, fault[0])
        wait, limit = self._over_limit(method, call.channel, time.monotonic())
        if wait > 0:
            call.outcome = f"429 {limit}"
            return _rate_limited(wait)
        answer = self.workspace.answer(method, call.channel, params)
        call.done = bool(answer.get("ok"))
        if fault is not None:
            call.outcome = f"{fault[0]} after"
            return await self._lose(request, fault[0])
        call.outcome = "ok" if call.done else str(answer.get("error"))
        await asyncio.sleep(self.limits.latency)  # the way back: a sender killed now has
        return web.json_response(answer)  # posted without knowing it

    def _over_limit(self, method: str, channel: str, now: float) -> tuple[float, str]:
        """Seconds to wait and the limit passed when this call is over one, else 0 (taken)."""
        if method != "chat.postMessage":
            bucket = self._methods.get(method)
            return (bucket.take(now) if bucket is not None else 0.0), "method limit"
        last = self._last_in_channel.get(channel)
        gap = 1 / self.limits.per_channel
        if last is not None and now - last < gap - self.CHANNEL_SLACK:
            return gap - (now - last), "channel limit"
        if (wait := self._ceiling.take(now)) > 0:
            return wait, "workspace ceiling"
        self._last_in_channel[channel] = now
        return 0.0, ""

class RemoteSlack:
    """LimitedSlack in a child process, so that its work takes no CPU from the product's."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.base_url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RemoteSlack:
        args = [f"--{name.replace('_', '-')}={value}"
                for name, value in asdict(self.limits).items()]
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.limited_slack", *args, cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE)
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 30)
        if not line.startswith(b"http"):
            raise RuntimeError(f"the limited Slack mock did not start: {line!r}")
        self.base_url = line.decode().strip()
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT_LIMIT + 30))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self._process is not None and self._process.returncode is None:
            self._process.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._process.wait(), 5)
            if self._process.returncode is None:
                self._process.kill()
                await self._process.wait()

    @property
    def respond_url(self) -> str:
        return self.base_url.replace("/api/", "/_bench/respond/")

    async def _get(self, path: str, **query: str) -> Payload:
        assert self._http is not None
        async with self._http.get(self.base_url.replace("/api/", path), params=query) as answer:
            data: Payload = await answer.json()
            return data

    async def accepted(self) -> int:
        return int((await self._get("/_bench/accepted"))["accepted"])

    async def delivered(self) -> int:
        return int((await self._get("/_bench/accepted"))["delivered"])

    async def report(self) -> Report:
        return Report.from_json(await self._get("/_bench/report"))

    async def next_call(self, channel: str, after: float, *, nudge: bool | None = None,
                        timeout: float = 10.0) -> Call | None:
        flag = {True: "1", False: "0", None: ""}[nudge]
        deadline = time.monotonic() + timeout
        while True:  # the mock holds one request WAIT_LIMIT seconds at most
            left = min(deadline - time.monotonic(), WAIT_LIMIT)
            found = (await self._get("/_bench/next", channel=channel, after=repr(after),
                                     nudge=flag, timeout=str(max(left, 0.0))))["call"]
            if found or left <= 0 or time.monotonic() >= deadline:
                return Call.from_json(found) if found else None


class SlackUnderTest(Protocol):
    """What a benchmark needs of the mock, wherever it runs."""

    base_url: str

    @property
    def respond_url(self) -> str: ...

    async def accepted(self) -> int: ...

    async def delivered(self) -> int: ...

    async def report(self) -> Report: ...

    async def next_call(self, channel: str, after: float, *, nudge: bool | None = None,
                        timeout: float = 10.0) -> Call | None: ...


async def until_received(slack: SlackUnderTest, count: int, timeout: float) -> int:
    """Wait until the mock has accepted `count` nudges, or `timeout`: how many it has."""
    deadline = time.monotonic() + timeout
    while (received := await slack.accepted()) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return received


@contextlib.asynccontextmanager
async def limited_slack(limits: Limits, *, remote: bool) -> AsyncIterator[SlackUnderTest]:
    """The mock in this process (tests) or in a child process (benchmarks)."""
    if remote:
        async with RemoteSlack(limits) as slack:
            yield slack
    else:
        async with LimitedSlack(limits) as local:
            yield local


async def _serve(limits: Limits) -> None:
    slack = await LimitedSlack(limits).start()
    print(slack.base_url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await slack.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in asdict(Limits()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    asyncio.run(_serve(Limits(**vars(parser.parse_args(argv)))))


if __name__ == "__main__":
    main()
