"""Asking an OpenAI-compatible chat-completions server for three drafts, through the
official `openai` SDK, and reading its answer whatever shape it takes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import openai
from openai import AsyncOpenAI

from bot.config import Settings

DRAFTS = 3
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"drafts": {"type": "array", "items": {"type": "string"},
                              "minItems": DRAFTS, "maxItems": DRAFTS}},
    "required": ["drafts"],
    "additionalProperties": False,
}
STRUCTURED = {"type": "json_schema",
              "json_schema": {"name": "drafts", "strict": True, "schema": SCHEMA}}
MAX_TOKENS = 900  # three short drafts, in any language, with room for JSON
TEMPERATURE = 0.8  # colleagues' drafts should differ; the checks keep them to the facts
_FENCE = re.compile(r"^```[\w-]*\s*|\s*```$")
_ITEM = re.compile(r"^\s*(?:\d{1,2}[.):]|[-•*])\s+", re.MULTILINE)
_PARAGRAPH = re.compile(r"\n\s*\n")


class Unavailable(Exception):
    """The model gave no usable answer this time: why (a metric label), and when to ask
    again if it said so."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class Answer:
    drafts: list[str] | None  # None: the text could not be read as drafts
    prompt_tokens: int = 0
    completion_tokens: int = 0


def read_drafts(content: str | None) -> list[str] | None:
    """The drafts in a model's answer: the JSON asked for ({"drafts": [...]} or a bare
    list, fenced or not), else a numbered or bulleted list, else paragraphs. None for
    broken JSON or nothing at all."""
    text = _FENCE.sub("", (content or "").strip()).strip()
    if not text:
        return None
    if text[0] in "{[":
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, dict):
            value = value.get("drafts")
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return None
        drafts = [item.strip() for item in value if item.strip()]
    elif _ITEM.search(text):
        drafts = [_first_paragraph(part) for part in _ITEM.split(text) if part.strip()]
        if not _ITEM.match(text):  # an introduction before the list ("Here are…")
            drafts = drafts[1:]
    else:
        drafts = [part.strip() for part in _PARAGRAPH.split(text) if part.strip()]
        # What a chatty model says around them ("Sure! Here are three drafts:") is no draft.
        while len(drafts) > DRAFTS and drafts[0].endswith(":"):
            drafts = drafts[1:]
    return drafts[:DRAFTS] or None


def _first_paragraph(item: str) -> str:
    """A list item up to its first blank line: after the last one, models add a word of
    their own ("Let me know if…")."""
    return _PARAGRAPH.split(item.strip(), maxsplit=1)[0].strip()


def _retry_after(error: openai.APIStatusError) -> float | None:
    """Retry-After in seconds, or as an HTTP date; None when absent or unreadable."""
    value = error.response.headers.get("retry-after", "").strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0) if when.tzinfo else None


class Model:
    """One configured model. It is asked for structured JSON until the server refuses
    `response_format`; from then on in plain text, which `read_drafts` reads too."""

    def __init__(self, settings: Settings) -> None:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "unused"
        # No retries in the SDK: a refusal is backed off by the writer, with its budget.
        self.client = AsyncOpenAI(base_url=settings.llm_url, api_key=key,
                                  timeout=settings.llm_timeout, max_retries=0)
        self.name = str(settings.llm_model)
        self.structured = True

    async def ask(self, messages: list[dict[str, str]]) -> Answer:
        try:
            completion = await self._complete(messages)
        except openai.RateLimitError as error:
            raise Unavailable("rate_limited", _retry_after(error)) from None
        except openai.APITimeoutError:
            raise Unavailable("timeout") from None
        except openai.APIConnectionError:
            raise Unavailable("unreachable") from None
        except openai.APIStatusError as error:
            reason = "server_error" if error.status_code >= 500 else "refused"
            raise Unavailable(reason, _retry_after(error)) from None
        except (openai.APIResponseValidationError, ValueError, TypeError):
            raise Unavailable("garbage") from None  # not a chat completion at all
        choices = getattr(completion, "choices", None) or []
        content = choices[0].message.content if choices and choices[0].message else None
        usage = getattr(completion, "usage", None)
        return Answer(read_drafts(content),
                      int(getattr(usage, "prompt_tokens", 0) or 0),
                      int(getattr(usage, "completion_tokens", 0) or 0))

    async def _complete(self, messages: list[dict[str, str]]) -> Any:
        # The SDK types messages and formats as TypedDicts: plain dicts are what they are.
        create: Any = self.client.chat.completions.create
        if self.structured:
            try:
                return await create(model=self.name, messages=messages,
                                    response_format=STRUCTURED, max_tokens=MAX_TOKENS,
                                    temperature=TEMPERATURE)
            except openai.BadRequestError:
                pass  # a server without JSON schemas: asked again in plain text
        completion = await create(model=self.name, messages=messages, max_tokens=MAX_TOKENS,
                                  temperature=TEMPERATURE)
        self.structured = False
        return completion

    async def close(self) -> None:
        await self.client.close()
