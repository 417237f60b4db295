"""What the engine knows of a volunteer, and how each language says it (role, team)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.texts import sentence
from bot.voice.language import detect

_C_LEVEL = re.compile(r"^C[A-Z]{1,2}O$")  # one per company: "as CTO"
_INITIALS = re.compile(r"^[A-Z]{2,5}\b")  # UX, SRE: said letter by letter
_VOWEL_LETTERS = "AEFHILMNORSX"  # letters whose name starts with a vowel sound: "an SRE"
_NO_ARTICLE = ("head of", "chief", "vp ", "lead of", "director of")
# Words starting with a vowel letter but said with a consonant sound, and the reverse.
_A_BEFORE = ("uni", "use", "usa", "eu", "one", "once")
_AN_BEFORE = ("hour", "honest", "honou", "heir")


@dataclass(frozen=True)
class Person:
    first_name: str = ""
    role: str = ""
    team_name: str = ""
    about: str = ""


def as_role(role: str, language: str) -> str:
    """'as a Data Engineer', 'as CTO', 'en tant qu'ingénieure' — '' when unknown."""
    if not role:
        return ""
    if language == "fr":
        role = said_role(role, language)
        elided = role[:1].lower() in "aeiouyhéèêàâîïôû"
        return f"en tant qu'{role}" if elided else f"en tant que {role}"
    lower = role.lower()
    if _C_LEVEL.match(role) or lower.startswith(_NO_ARTICLE):
        return f"as {role}"
    if _INITIALS.match(role):
        vowel = role[0] in _VOWEL_LETTERS
    else:
        vowel = lower[:1] in "aeiou" and not lower.startswith(_A_BEFORE)
        vowel = vowel or lower.startswith(_AN_BEFORE)
    return f"as {'an' if vowel else 'a'} {role}"


def said_role(role: str, language: str) -> str:
    """A title as the language writes it in a sentence: in French « Ingénieur qualité »
    becomes « ingénieur qualité »; « Product Manager », « CTO », « Designer UX » stay."""
    words = role.split()
    if (language == "fr" and len(words) > 1 and words[0][1:].islower()
            and words[1][:1].islower()):
        return role[:1].lower() + role[1:]
    return role


def team_phrases(name: str, language: str) -> tuple[str, str]:
    """('the Data team', 'our Data team') or ("l'équipe Data", 'notre équipe Data')."""
    if not name:
        return "", ""
    if language == "fr":
        return f"l'équipe {name}", f"notre équipe {name}"
    noun = name if name.lower().endswith(" team") else f"{name} team"
    return f"the {noun}", f"our {noun}"


def about_sentence(about: str, language: str) -> str:
    """Their sentence about their work, as a sentence, when written in `language`."""
    about = " ".join(about.split())
    if not about or detect(about, fallback=language) != language:
        return ""
    return sentence(about)
