"""The AI writer: the model's drafts for one delivery, each checked by code and replaced by
the template engine's when refused, within a request budget, backing off a failing model."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable

from bot.config import Settings
from bot.metrics import AI_DRAFTS, AI_REQUESTS, AI_TOKENS
from bot.texts import Texts
from bot.voice.ai.client import Model, Unavailable
from bot.voice.ai.prompt import Brief, messages
from bot.voice.guard import Facts
from bot.voice.phrasing import finish
from bot.voice.stored import AI, Suggestion

log = logging.getLogger(__name__)
_TAGS_ONLY = re.compile(r"^\s*(?:#\w+[\s,.]*)+$")
BACKOFF = 2.0  # seconds after a first failure, doubled at each failure in a row...
MAX_BACKOFF = 300.0  # ...up to this


class Writer:
    """Asks the model, at most `llm_concurrency` requests at a time, each after waiting
    for the seconds `reserve` books in the request budget (the caller's rate limiter);
    after any failure (a 429, a 5xx, another refusal, an unreadable answer, a timeout, no
    connection) asks nothing more until its pause is over: the Retry-After it was given,
    else BACKOFF doubling, never more than MAX_BACKOFF."""

    def __init__(self, settings: Settings, texts: Texts, reserve: Callable[[], float],
                 model: Model | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.model = model or Model(settings)
        self.texts = texts
        self.reserve = reserve
        self.clock = clock
        self.gate = asyncio.Semaphore(settings.llm_concurrency)
        self.paused_until = 0.0
        self._failures = 0

    def pause_left(self) -> float:
        """Seconds before the model may be asked again (0.0: now)."""
        return max(0.0, self.paused_until - self.clock())

    async def ask(self, brief: Brief) -> list[str] | None:
        """The model's drafts for one brief, unchecked ([] when its answer could not be
        read); None when it could not be asked or did not answer."""
        async with self.gate:
            if self.pause_left():
                return None
            await asyncio.sleep(self.reserve())
            if self.pause_left():  # another request failed meanwhile
                return None
            try:
                answer = await self.model.ask(messages(self.texts, brief))
            except Unavailable as error:
                AI_REQUESTS.labels(error.reason).inc()
                self._back_off(error.reason, error.retry_after)
                return None
        AI_TOKENS.labels("prompt").inc(answer.prompt_tokens)
        AI_TOKENS.labels("completion").inc(answer.completion_tokens)
        if answer.drafts is None:
            AI_REQUESTS.labels("garbage").inc()
            self._back_off("garbage", None)
            return []
        AI_REQUESTS.labels("ok").inc()
        self._failures = 0
        return answer.drafts

    def _back_off(self, reason: str, retry_after: float | None) -> None:
        self._failures += 1
        pause = min(MAX_BACKOFF, retry_after if retry_after is not None
                    else BACKOFF * 2 ** (self._failures - 1))
        self.paused_until = max(self.paused_until, self.clock() + pause)
        log.warning("AI model %s: %s; asking again in %.0f s", self.model.name, reason, pause)

    async def close(self) -> None:
        await self.model.close()


def tidy(draft: str, language: str) -> str:
    """Spaces, lines and typography as the engine's; a closing line of hashtags dropped
    (the product adds the post's own when sharing)."""
    lines = draft.strip().splitlines()
    while lines and _TAGS_ONLY.match(lines[-1]):
        lines.pop()
    return finish("\n".join(lines), language)


def checked(drafts: list[str], assigned: list[Suggestion], facts: Facts, language: str,
            sign_off: str = "") -> list[Suggestion]:
    """Each draft tidied and checked; one refused (or missing) gives way to the engine's
    suggestion of the same angle. Every outcome is counted; an unreadable answer (no
    drafts) leaves the engine's three. The volunteer's usual closing line, which the
    engine's suggestions carry, ends the drafts kept too."""
    if not drafts:
        return list(assigned)
    kept = []
    for index, fallback in enumerate(assigned):
        text = tidy(drafts[index], language) if index < len(drafts) else ""
        reason = facts.refusal(text) if text else "missing"
        AI_DRAFTS.labels(reason or "accepted").inc()
        if reason:
            kept.append(fallback)
            continue
        if sign_off and sign_off not in text:
            text = f"{text}\n\n{sign_off}"
        kept.append(Suggestion(text, fallback.angle, fallback.label, AI))
    return kept
