"""A Slack Web API on 127.0.0.1 that enforces chat.postMessage limits and injects faults.

Limits: one message a second per channel and a workspace-wide ceiling (a token bucket of
`ceiling` messages a second holding `burst_seconds` of them, one second's worth by default);
a message over either gets HTTP 429 with Retry-After, as Slack answers. Faults, drawn from
a seeded generator for each chat.postMessage before the limits are checked: 429 with
Retry-After, HTTP 500, and timeouts (the request is held `hang` seconds, longer than the
clients wait, then answered 504). A share of the timeouts happen after the message was
posted, as when Slack's answer is lost on the way back: the sender cannot know, which is
what exactly-once delivery must survive.

Every accepted message is recorded with its delivery key (message metadata) and the time,
so that a benchmark counts duplicates and losses from the platform's side. It also answers
conversations.open (U… → D…), conversations.history (with include_all_metadata and
oldest), auth.test and users.info. `python -m bench.limited_slack` serves it in its own
process (Slack is another machine) and prints its base URL; `/_bench/report` returns the
record.
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from tests.adapters.slack.mock_slack import AUTH_TEST, BOT, TEAM

TOKEN = "xoxb-bench-token"
ROOT = Path(__file__).resolve().parents[1]  # child processes run `python -m bench.…` here
Payload = dict[str, Any]


@dataclass(frozen=True)
class Limits:
    """What the mock enforces and injects; probabilities are per chat.postMessage."""

    ceiling: float = 100.0  # messages a second, workspace-wide
    per_channel: float = 1.0  # messages a second in one channel
    p_429: float = 0.05
    p_500: float = 0.02
    p_timeout: float = 0.01
    timeout_accepts: float = 0.5  # share of timeouts where the message was posted anyway
    hang: float = 4.0  # seconds a timed-out request is held before a 504
    latency: float = 0.02  # seconds every chat.postMessage answer takes, once decided
    retry_after: int = 1  # seconds, for the injected 429s
    seed: int = 1
    # The ceiling is a token bucket holding this many seconds' worth of messages: Slack
    # allows bursts; 0.1 refuses any burst beyond a tenth of a second's worth.
    burst_seconds: float = 1.0

    @property
    def burst(self) -> float:
        return max(1.0, self.ceiling * self.burst_seconds)


@dataclass
class Report:
    """Every accepted message as (key, channel, monotonic time), and counts per outcome."""

    accepted: list[tuple[str, str, float]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def keys(self) -> Counter[str]:
        return Counter(key for key, _, _ in self.accepted)

    def duplicates(self) -> int:
        """Messages beyond the first for the same key: DMs a volunteer got twice."""
        return sum(n - 1 for n in self.keys().values() if n > 1)

    def lost(self, expected: set[str]) -> int:
        return len(expected - set(self.keys()))

    def steady_rate(self, low: float = 0.1, high: float = 0.9) -> float:
        """Accepted a second between the `low` and `high` quantiles of acceptance times."""
        times = sorted(at for _, _, at in self.accepted)
        if len(times) < 10:
            return 0.0
        first, last = int(len(times) * low), int(len(times) * high) - 1
        span = times[last] - times[first]
        return (last - first) / span if span > 0 else 0.0

    @classmethod
    def from_json(cls, data: Payload) -> Report:
        return cls([(str(k), str(c), float(t)) for k, c, t in data["accepted"]],
                   dict(data["counts"]))


class _Bucket:
    """A token bucket on monotonic time: `take` answers 0 (taken) or the seconds until a
    token is there."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def take(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def _retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def dm_channel(user_or_channel: str) -> str:
    return "D" + user_or_channel[1:] if user_or_channel[:1] in ("U", "W") else user_or_channel


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
        self._ceiling = _Bucket(self.limits.ceiling, self.limits.burst)
        self._last_in_channel: dict[str, float] = {}
        self._history: dict[str, list[Payload]] = defaultdict(list)
        self._last_ts = 0.0
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self, port: int = 0) -> LimitedSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get("/_bench/report", self._report)
        app.router.add_get("/_bench/accepted", self._accepted)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port, backlog=1024).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/api/"
        return self

    async def close(self) -> None:
        self._closing.set()  # held requests answer at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LimitedSlack:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def accepted(self) -> int:
        return len(self.record.accepted)

    async def report(self) -> Report:
        return Report(list(self.record.accepted), dict(self.counts))

    async def _report(self, request: web.Request) -> web.Response:
        return web.json_response(asdict(await self.report()))

    async def _accepted(self, request: web.Request) -> web.Response:
        return web.json_response({"accepted": await self.accepted()})

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
        if isinstance(params.get("metadata"), str):
            with contextlib.suppress(ValueError):
                params["metadata"] = json.loads(params["metadata"])
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        self.counts[f"calls {method}"] += 1
        if token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "chat.postMessage":
            response = await self._post_message(params)
            # The way back: a sender killed now has posted without knowing it.
            await asyncio.sleep(self.limits.latency)
            return response
        answers = {"auth.test": lambda: dict(AUTH_TEST), "users.info": lambda: self._user(params),
                   "conversations.open": lambda: self._open(params),
                   "conversations.history": lambda: self._history_page(params)}
        answer = answers.get(method)
        return web.json_response(answer() if answer else {"ok": False, "error": "unknown_method"})

    def _over_limit(self, channel: str, now: float) -> web.Response | None:
        last = self._last_in_channel.get(channel)
        gap = 1 / self.limits.per_channel
        if last is not None and now - last < gap - self.CHANNEL_SLACK:
            self.counts["429 channel limit"] += 1
            return self._rate_limited(gap - (now - last))
        if (wait := self._ceiling.take(now)) > 0:
            self.counts["429 workspace ceiling"] += 1
            return self._rate_limited(wait)
        self._last_in_channel[channel] = now
        return None

    @staticmethod
    def _rate_limited(seconds: float) -> web.Response:
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                 headers={"Retry-After": _retry_after(seconds)})

    async def _hang(self) -> web.Response:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), self.limits.hang)
        return web.Response(status=504, text="Gateway Timeout")

    async def _post_message(self, params: Payload) -> web.Response:
        channel = dm_channel(str(params.get("channel") or ""))
        if not channel or not (params.get("text") or params.get("blocks")):
            self.counts["400 invalid"] += 1
            return web.json_response({"ok": False, "error": "no_text"})
        limits, draw = self.limits, self._random.random()
        if draw < limits.p_429:
            self.counts["429 injected"] += 1
            return self._rate_limited(limits.retry_after)
        draw -= limits.p_429
        if draw < limits.p_500:
            self.counts["500 injected"] += 1
            return web.Response(status=500, text="Internal Server Error")
        draw -= limits.p_500
        timeout = draw < limits.p_timeout
        if timeout and self._random.random() >= limits.timeout_accepts:
            self.counts["timeout before posting"] += 1
            return await self._hang()
        now = time.monotonic()
        if refused := self._over_limit(channel, now):
            return refused
        message = self._accept(channel, params, now)
        if timeout:
            self.counts["timeout after posting"] += 1
            return await self._hang()
        self.counts["200 ok"] += 1
        return web.json_response({"ok": True, "channel": channel, "ts": message["ts"],
                                  "message": message})

    def _accept(self, channel: str, params: Payload, now: float) -> Payload:
        self._last_ts = max(time.time(), self._last_ts + 1e-6)
        metadata = params.get("metadata")
        key = ""
        if isinstance(metadata, dict):
            key = str((metadata.get("event_payload") or {}).get("key") or "")
        message: Payload = {"type": "message", "user": BOT["user_id"], "bot_id": BOT["bot_id"],
                   "app_id": BOT["app_id"], "team": TEAM["id"], "ts": f"{self._last_ts:.6f}",
                   "text": str(params.get("text") or "")}
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        self._history[channel].append(message)
        self.record.accepted.append((key, channel, now))
        return message

    @staticmethod
    def _user(params: Payload) -> Payload:
        user = str(params.get("user") or "")
        if not user.startswith(("U", "W")):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {
            "id": user, "team_id": TEAM["id"], "name": user.lower(), "real_name": user,
            "tz": "Europe/Paris", "tz_offset": 3600, "locale": "en-US", "deleted": False,
            "is_bot": False, "profile": {"real_name": user, "display_name": user.lower()}}}

    def _open(self, params: Payload) -> Payload:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) != 1:
            return {"ok": False, "error": "users_list_not_supplied"}
        channel = dm_channel(users[0])
        return {"ok": True, "no_op": channel in self._history, "already_open": False,
                "channel": {"id": channel}}

    def _history_page(self, params: Payload) -> Payload:
        channel = str(params.get("channel") or "")
        if not channel or channel[:1] in ("U", "W"):
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or math.inf)
        limit = int(params.get("limit") or 100)
        metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        found = [{k: v for k, v in m.items() if metadata or k != "metadata"}
                 for m in reversed(self._history.get(channel, []))
                 if oldest < float(m["ts"]) < latest]
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit,
                "pin_count": 0, "response_metadata": {"next_cursor": ""}}


class RemoteSlack:
    """LimitedSlack in a child process, so that its work takes no CPU from the app's loop."""

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
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 30)
        if not line.startswith(b"http"):
            raise RuntimeError(f"the limited Slack mock did not start: {line!r}")
        self.base_url = line.decode().strip()
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
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

    async def _get(self, path: str) -> Payload:
        assert self._http is not None
        async with self._http.get(self.base_url.replace("/api/", path)) as response:
            data: Payload = await response.json()
            return data

    async def accepted(self) -> int:
        return int((await self._get("/_bench/accepted"))["accepted"])

    async def report(self) -> Report:
        return Report.from_json(await self._get("/_bench/report"))


class SlackUnderTest(Protocol):
    """What a benchmark needs of the mock, wherever it runs."""

    base_url: str

    async def accepted(self) -> int: ...

    async def report(self) -> Report: ...


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
