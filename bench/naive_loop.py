"""The naive baseline in a process of its own: a sequential loop of chat_postMessage.

    python -m bench.naive_loop --slack-url URL --n N

sends N DMs (keys naive-0 … naive-N-1 in the message metadata, as the product tags its
nudges) on slack_sdk's default AsyncWebClient (its default retry handlers, its 30 s
timeout), one after the other, and prints one JSON line: seconds, CPU seconds of the loop
(user + system of this process, imports excluded) and the client errors by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from collections import Counter
from dataclasses import asdict, dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.messenger import API_ERRORS, METADATA_EVENT
from bench.limited_slack import TOKEN


def naive_key(i: int) -> str:
    return f"naive-{i}"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Result:
    seconds: float
    cpu: float  # user + system seconds of the loop
    failures: dict[str, int]  # client errors by kind


async def loop(slack_url: str, n: int) -> Result:
    failures: Counter[str] = Counter()
    client = AsyncWebClient(token=TOKEN, base_url=slack_url)
    started, cpu = time.monotonic(), _cpu()
    for i in range(n):
        try:
            await client.chat_postMessage(
                channel=f"U{i:08d}", text="Our Lyon office opens: share it?",
                metadata={"event_type": METADATA_EVENT, "event_payload": {"key": naive_key(i)}})
        except SlackApiError as error:
            failures[f"HTTP {error.response.status_code}"] += 1
        except API_ERRORS as error:
            failures[type(error).__name__] += 1
    return Result(time.monotonic() - started, _cpu() - cpu, dict(failures))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slack-url", required=True)
    parser.add_argument("--n", type=int, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(asdict(asyncio.run(loop(args.slack_url, args.n)))), flush=True)


if __name__ == "__main__":
    main()
