"""What the model is told: a brief of the post and the volunteer (never their name, e-mail
or ids), rendered as chat messages from message_templates/<locale>/ai.j2."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.texts import Texts
from bot.voice.engine import Request
from bot.voice.person import about_sentence
from bot.voice.stored import Suggestion

MAX_EXAMPLES = 3
MAX_EXAMPLE = 400  # characters of one past text shown as an example
_LINKS_AND_TAGS = re.compile(r"https?://\S+|(?<!\w)#\w+")


@dataclass(frozen=True)
class Brief:
    language: str
    kind: str
    title: str
    summary: str
    key_points: tuple[str, ...]
    hashtags: tuple[str, ...]  # as they read: "#lyon"
    role: str
    team: str
    about: str
    angles: tuple[str, ...]  # the labels of the angles the engine assigned, one per draft
    examples: tuple[str, ...]
    blocked: tuple[str, ...]
    limit: int
    short: bool = False  # they keep shortening suggestions (bot/voice/style.py)


def example(text: str) -> str:
    """A past shared text as a style example: its words, without link or hashtags."""
    words = " ".join(_LINKS_AND_TAGS.sub(" ", text).split())
    return words[:MAX_EXAMPLE].rsplit(" ", 1)[0] if len(words) > MAX_EXAMPLE else words


def brief(request: Request, assigned: list[Suggestion], *, hashtags: list[str],
          blocked: list[str], examples: list[str], limit: int) -> Brief:
    version, person = request.version, request.person
    return Brief(
        language=version.language, kind=request.kind, title=version.title,
        summary=version.summary, key_points=tuple(version.key_points),
        hashtags=tuple("#" + tag.lstrip("#") for tag in hashtags if tag.strip("# ")),
        role=person.role, team=person.team_name,
        about=about_sentence(person.about, version.language),
        angles=tuple(s.label or s.angle for s in assigned),
        examples=tuple(filter(None, map(example, examples[:MAX_EXAMPLES]))),
        blocked=tuple(blocked), limit=limit, short=request.style.short_first)


def messages(texts: Texts, brief: Brief) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": texts.say(brief.language, "ai.system",
                                                count=len(brief.angles), limit=brief.limit)},
        {"role": "user", "content": texts.say(brief.language, "ai.request", b=brief)},
    ]
