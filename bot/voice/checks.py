"""What a finished suggestion must never show: template artefacts, the headline, other
languages."""

from __future__ import annotations

import re

from bot.voice.language import sentence_languages

_ARTEFACTS = (
    ("doubled space", re.compile(r"[^\S\n]{2,}")),
    ("empty brackets", re.compile(r"\(\s*\)|\[\s*\]|«[\s\u00a0\u202f]*»|\"\s*\"|“\s*”")),
    ("None", re.compile(r"[\w,:] (?:None|null|undefined)\b")),
    ("no space after a full stop", re.compile(r"[a-zà-ÿ]{2}[.!?][A-ZÀ-Ý][a-zà-ÿ]")),
    ("lowercase after a full stop", re.compile(r"[.!?]\s+[a-zà-ÿ]")),
    ("space before a comma or stop", re.compile(r"\s[,.](?!\.)")),
    ("doubled punctuation", re.compile(r"[,;:]\s*[,;:.]|\.\s*\.(?!\.)|,\s*$")),
    ("template markup", re.compile(r"\{\{|\}\}|\{%|%\}")),
    ("doubled word", re.compile(r"\b(?!nous\b|vous\b)(\w+)\s+\1\b", re.IGNORECASE)),
)


def artefacts(text: str) -> list[str]:
    """The names of the artefacts found in `text` (empty when it reads clean)."""
    return [name for name, pattern in _ARTEFACTS if pattern.search(text)]


def normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def repeats_headline(text: str, title: str) -> bool:
    """True when the text holds the headline word for word (case and punctuation aside)."""
    headline = normal(title)
    return bool(headline) and f" {headline} " in f" {normal(text)} "


def foreign_sentences(text: str, language: str) -> int:
    """How many of the text's sentences are in a language other than `language`."""
    return sum(1 for found in sentence_languages(text) if found != language)
