"""`porte-voix serve` in a child process, driven from outside as Slack would drive it.

`Served` starts the product exactly as an operator does (the `porte-voix` entry point,
settings in environment variables, nothing patched), pointed at a mock Slack Web API by
SLACK_API_URL, on free ports of 127.0.0.1; its log goes to a file. `SlackSide` posts signed
requests to its /slack/events (payloads from tests/adapters/slack/payloads.py). The
product's CPU time is read from /proc while it runs; every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

from bench.limited_slack import ROOT, TOKEN
from tests.adapters.slack import payloads

SECRET = "bench-signing-secret-0123456789abcdef"
ADMIN = "U0ADMIN"
CHANNEL = "C0BENCH"  # where the admin types commands
START_TIMEOUT = 60.0  # seconds for serve to answer /healthz (imports and migrations)
STOP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
# The product's own environment is ours to set: nothing of the caller's leaks in.
OWN_PREFIXES = ("PORTEVOIX_", "SLACK_", "TEAMS_")
TICKS = os.sysconf("SC_CLK_TCK")
ENTRY_POINT = "import sys; from bot.cli import main; sys.exit(main(['serve']))"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, all its threads (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


class Served:
    """One `porte-voix serve` process; `async with Served(...)` starts it and makes sure it
    is gone afterwards."""

    def __init__(self, database_url: str, slack_url: str, log: Path,
                 settings: dict[str, str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.metrics_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
        self.env |= {
            "PORTEVOIX_DATABASE_URL": database_url, "PORTEVOIX_HOST": "127.0.0.1",
            "PORTEVOIX_PORT": str(self.port), "PORTEVOIX_PUBLIC_URL": self.url,
            "PORTEVOIX_METRICS_PORT": str(self.metrics_port), "PORTEVOIX_ADMINS": ADMIN,
            "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack_url, **(settings or {}),
        }
        self.process: asyncio.subprocess.Process | None = None
        self.spawned = 0.0  # monotonic time of the spawn
        self.ready = 0.0  # monotonic time /healthz first answered 200

    async def start(self, timeout: float = START_TIMEOUT) -> Served:
        with self.log.open("ab") as out:
            self.spawned = time.monotonic()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", ENTRY_POINT, cwd=ROOT, env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out)
        await self._healthy(timeout)
        return self

    async def _healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise RuntimeError(f"porte-voix serve exited ({self.process.returncode}): "
                                       f"{self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(f"{self.url}/healthz") as answer:
                        if answer.status == 200:
                            self.ready = time.monotonic()
                            return
                await asyncio.sleep(0.1)
        raise TimeoutError(f"porte-voix serve did not answer /healthz within {timeout:.0f} s: "
                           f"{self.log_tail()}")

    def log_tail(self, lines: int = 5) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return " | ".join(text.strip().splitlines()[-lines:])

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    async def stop(self, timeout: float = STOP_TIMEOUT) -> float | None:
        """SIGTERM, then SIGKILL after `timeout`: seconds it took to exit, None if killed."""
        if self.process is None or self.process.returncode is not None:
            return 0.0
        asked = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), timeout)
            return time.monotonic() - asked
        await self.kill()
        return None

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def metrics(self, hints: tuple[str, ...]) -> dict[str, float] | None:
        """Samples of /metrics whose name holds one of `hints` (None: no /metrics at all).

        The private listener (PORTEVOIX_METRICS_PORT) first, then the public one."""
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for url in (f"http://127.0.0.1:{self.metrics_port}/metrics", f"{self.url}/metrics"):
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(url) as answer:
                        if answer.status == 200:
                            return _samples(await answer.text(), hints)
        return None

    async def __aenter__(self) -> Served:
        try:
            return await self.start()
        except BaseException:
            await self.kill()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def _samples(text: str, hints: tuple[str, ...]) -> dict[str, float]:
    """The samples of the metrics named like `hints`; a metric declared without a sample
    yet (a labelled counter never incremented) reads as one sample of 0."""
    declared: dict[str, float] = {}
    samples: dict[str, float] = {}
    for line in text.splitlines():
        words = line.split()
        if line.startswith("# TYPE ") and len(words) > 2:
            if any(hint in words[2] for hint in hints):
                declared[words[2]] = 0.0
        elif words and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            metric = name.split("{")[0]
            # A counter's `_created` sample is a timestamp, not a count.
            if any(hint in metric for hint in hints) and not metric.endswith("_created"):
                with contextlib.suppress(ValueError):
                    samples[name] = float(value)
    return samples or declared


class SlackSide:
    """Slack's side of the product's /slack/events: signed events and slash commands."""

    def __init__(self, served: Served, respond_url: str) -> None:
        self.events_url = f"{served.url}/slack/events"
        self.respond_url = respond_url
        self._http: aiohttp.ClientSession | None = None
        self._commands = 0

    async def __aenter__(self) -> SlackSide:
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.close()

    async def _post(self, body: str, content_type: str) -> int:
        assert self._http is not None
        headers = payloads.signed_headers(body, SECRET, content_type=content_type)
        async with self._http.post(self.events_url, data=body.encode(),
                                   headers=headers) as answer:
            await answer.read()
            return answer.status

    async def dm(self, user: str, text: str) -> int:
        """`user` writes `text` in their DM with the bot; the HTTP status of the ack."""
        return await self._post(json.dumps(payloads.event_callback(
            payloads.message_im(user, text))), payloads.JSON)

    async def command(self, text: str, user: str = ADMIN, channel: str = CHANNEL) -> int:
        """`/voix <text>` typed in `channel`; the HTTP status of the ack. Its response_url
        is the mock's, which records what is posted there as a call about `channel`."""
        self._commands += 1
        return await self._post(payloads.slash_command(
            user, text, channel_id=channel, response_url=self.respond_url + channel,
            trigger_id=f"{self._commands}.{time.time_ns()}.bench"), payloads.FORM)
