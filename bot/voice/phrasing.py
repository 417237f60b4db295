"""One phrasing of one angle rendered for one person, and the finishing every text gets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.texts import Texts

_VARIANT = re.compile(r"^v(\d+)$")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SPACE_BEFORE_STOP = re.compile(r" +([.,])")
# French typography: a no-break space before : and inside « », a narrow one before ; ! ?
_FR_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]*:(?=\s|$)")
_FR_BEFORE_MARK = re.compile(r"(?<=\w|\)|»)[ \u00a0\u202f]*([;!?])")
_FR_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_FR_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]*»")


@dataclass(frozen=True)
class Params:
    """What a phrasing may say (docs/voice.md): every field a string, empty when unknown."""

    lead: str = ""
    first_name: str = ""
    role: str = ""
    as_role: str = ""
    team_name: str = ""
    team: str = ""
    our_team: str = ""
    about: str = ""
    gist: str = ""
    point: str = ""
    point2: str = ""
    date: str = ""
    when: str = ""
    place: str = ""
    where: str = ""
    job: str = ""


def variants(texts: Texts, locale: str, kind: str, angle: str) -> list[str]:
    """The phrasing macros of an angle, in order: ['v1', 'v2', 'v3', ...]."""
    module = texts.module(locale, f"voice/{kind}/{angle}.j2")
    found = [name for name in dir(module) if _VARIANT.match(name)]
    return sorted(found, key=lambda name: int(name[1:]))


def label(texts: Texts, locale: str, kind: str, angle: str) -> str:
    return str(texts.module(locale, f"voice/{kind}/{angle}.j2").label()).strip()


def leads(texts: Texts, locale: str) -> list[str]:
    """The lead-ins of a language, each followed by a space, '' (no lead) first."""
    lines = str(texts.module(locale, "voice/leads.j2").leads()).splitlines()
    return ["", *(line.strip() + " " for line in lines if line.strip())]


def finish(text: str, locale: str) -> str:
    """Tidy spaces and lines, capitalise the first letter, French typography for French."""
    lines = [_SPACE_BEFORE_STOP.sub(r"\1", _SPACES.sub(" ", line).strip())
             for line in text.strip().splitlines()]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if locale == "fr":
        text = _FR_BEFORE_COLON.sub("\u00a0:", text)
        text = _FR_BEFORE_MARK.sub("\u202f\\1", text)
        text = _FR_OPEN_QUOTE.sub("«\u00a0", text)
        text = _FR_CLOSE_QUOTE.sub("\u00a0»", text)
    return text[:1].upper() + text[1:]


def render(texts: Texts, locale: str, kind: str, angle: str, variant: str,
           params: Params) -> str:
    macro = getattr(texts.module(locale, f"voice/{kind}/{angle}.j2"), variant)
    return finish(str(macro(params)), locale)


