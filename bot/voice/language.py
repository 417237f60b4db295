"""Which of our languages a text is written in, with py3langid (langid.py's maintained fork).

Chosen because it is small (a 4 MB model, numpy only), deterministic, fast (well under a
millisecond per sentence) and can be restricted to the languages we write in."""

from __future__ import annotations

import re
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from bot.texts import LOCALES

_SENTENCES = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORDS = re.compile(r"[^\W\d_]{2,}")
MIN_WORDS = 4  # below this a sentence says too little to be told apart ("Data Engineer")


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LOCALES))
    return identifier


def detect(text: str, fallback: str | None = None) -> str | None:
    """The language of `text` among ours, or `fallback` when it is too short to tell."""
    if len(_WORDS.findall(text)) < MIN_WORDS // 2:
        return fallback
    language, _ = _identifier().classify(text)
    return str(language)


def sentence_languages(text: str) -> list[str]:
    """The language of each sentence long enough to tell (hashtags and links left out)."""
    found = []
    for part in _SENTENCES.split(text):
        words = [w for w in part.split() if not w.startswith(("#", "http", "@"))]
        if len(_WORDS.findall(" ".join(words))) >= MIN_WORDS:
            found.append(str(_identifier().classify(" ".join(words))[0]))
    return found
