"""An OpenAI-compatible chat-completions server on 127.0.0.1, for the tests and the bench.

It answers POST /v1/chat/completions as OpenAI, vLLM or Ollama do: a `chat.completion`
object with `choices[0].message.content` and `usage`, or an error object with its HTTP
status (429 with Retry-After, 500, 400 for a `response_format` the server does not take).
What each request gets is decided by `reply(body) -> Reply`: the tests script it, the bench
draws it. Every request is recorded (its JSON body and headers) for the assertions.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Reply:
    content: str | None = None  # the assistant message; None with an error status
    status: int = 200
    retry_after: float | None = None
    delay: float = 0.0  # seconds before answering (a hang: longer than the client waits)
    raw: str | None = None  # a body that is not a completion at all
    prompt_tokens: int = 0
    completion_tokens: int = 0


def drafts(*texts: str) -> Reply:
    """The answer asked for: {"drafts": [...]} as the message content."""
    content = json.dumps({"drafts": list(texts)}, ensure_ascii=False)
    return Reply(content, prompt_tokens=420, completion_tokens=len(content) // 4)


def error(status: int, message: str, retry_after: float | None = None) -> Reply:
    return Reply(status=status, retry_after=retry_after, raw=json.dumps({"error": {
        "message": message, "type": "rate_limit_error" if status == 429 else "server_error",
        "code": None}}))


@dataclass(frozen=True)
class Received:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float

    @property
    def user_prompt(self) -> str:
        return "\n".join(m.get("content", "") for m in self.body.get("messages", [])
                         if m.get("role") == "user")

    @property
    def prompt(self) -> str:
        return "\n".join(m.get("content", "") for m in self.body.get("messages", []))


@dataclass
class FakeModel:
    reply: Callable[[dict[str, Any]], Reply]
    json_schema: bool = True  # False: a 400 for response_format json_schema, as some servers
    hold: asyncio.Event | None = None  # given: answers wait until it is set (still writing)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.received.append(Received(body, dict(request.headers), time.monotonic()))
        kind = (body.get("response_format") or {}).get("type")
        if kind == "json_schema" and not self.json_schema:
            return web.json_response({"error": {
                "message": "response_format json_schema is not supported",
                "type": "invalid_request_error", "code": None}}, status=400)
        if self.hold is not None:
            await self.hold.wait()
        answer = self.reply(body)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        headers = {}
        if answer.retry_after is not None:
            headers["Retry-After"] = f"{answer.retry_after:g}"
        if answer.raw is not None:
            return web.Response(text=answer.raw, status=answer.status, headers=headers,
                                content_type="application/json")
        return web.json_response({
            "id": f"chatcmpl-{len(self.received)}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", ""),
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": answer.content}}],
            "usage": {"prompt_tokens": answer.prompt_tokens,
                      "completion_tokens": answer.completion_tokens,
                      "total_tokens": answer.prompt_tokens + answer.completion_tokens},
        }, status=answer.status, headers=headers)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
