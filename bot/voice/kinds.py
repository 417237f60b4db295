"""Guessing a post's kind from its words when the admin did not say (bot/voice/angles.py KINDS)."""

from __future__ import annotations

import re
from functools import cache

from bot.voice.angles import DEFAULT_KIND
from bot.voice.facts import find_job, find_place, mentions_date

# The URL can say it: an executive's own LinkedIn post, a careers page.
_LEADER_URL = re.compile(r"linkedin\.com/(?:posts/|feed/update/)", re.IGNORECASE)
_JOB_URL = re.compile(r"/(?:careers?|jobs?|emplois?|carrieres?|recrutement)/", re.IGNORECASE)

# Kind, then the words that give it away in each language, tried in this order: a job
# fair is a job offer, an award ceremony is an event, a launch article is a product.
RULES: tuple[tuple[str, dict[str, tuple[str, ...]]], ...] = (
    ("job", {
        "en": ("hiring", "we're hiring", "join our team", "join us as", "job opening",
               "open position", "open role", "vacancy", "vacancies", "recruiting", "apply now"),
        "fr": ("recrute", "recrutons", "recrutement", "rejoignez-nous", "offre d'emploi",
               "offre d’emploi", "poste à pourvoir", "postes à pourvoir", "cdi", "cdd",
               "alternance", "stage", "candidatez", "postulez"),
    }),
    ("event", {
        "en": ("event", "webinar", "conference", "meetup", "meet-up", "summit", "workshop",
               "hackathon", "trade show", "booth", "keynote", "see you at", "join us at",
               "register", "registration", "save the date", "panel", "fair", "ceremony"),
        "fr": ("événement", "évènement", "webinaire", "webinar", "conférence", "salon",
               "rencontre", "atelier", "meetup", "hackathon", "stand", "inscrivez-vous",
               "inscription", "save the date", "table ronde", "forum", "portes ouvertes",
               "cérémonie", "rendez-vous"),
    }),
    ("award", {
        "en": ("award", "awards", "prize", "won", "winner", "wins", "ranked", "milestone",
               "anniversary", "certified", "certification", "recognised", "recognized",
               "laureate", "celebrates its", "years ago today"),
        "fr": ("prix", "lauréat", "lauréate", "récompense", "récompensé", "récompensée",
               "trophée", "remporte", "remporté", "anniversaire", "certifié", "certifiée",
               "certification", "distinction", "cap des", "étape", "fêtons nos", "fête ses"),
    }),
    ("product", {
        "en": ("launch", "launches", "launched", "launching", "release", "released",
               "now available", "introducing", "new feature", "new version", "new product",
               "unveil", "unveils", "beta", "rolled out", "rolling out"),
        "fr": ("lance", "lancement", "lancé", "lancée", "nouvelle version", "nouveau produit",
               "nouvelle fonctionnalité", "disponible dès", "désormais disponible", "dévoile",
               "bêta", "sortie"),
    }),
    ("article", {
        "en": ("article", "opinion", "op-ed", "interview", "column", "blog post", "podcast",
               "essay", "point of view", "white paper"),
        "fr": ("article", "tribune", "entretien", "interview", "chronique", "point de vue",
               "podcast", "livre blanc", "décryptage", "éditorial", "édito"),
    }),
)


@cache
def _pattern(kind: str, language: str) -> re.Pattern[str]:
    words = dict(RULES)[kind].get(language) or dict(RULES)[kind]["en"]
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def infer_kind(title: str, summary: str, key_points: list[str], language: str,
               url: str = "") -> str:
    """The kind a post most likely is: a leader's post or a job offer by its URL or a role
    offered, then the first rule whose words the text uses; a date with a place makes an
    event; anything else is news."""
    if _LEADER_URL.search(url):
        return "leader"
    text = "\n".join([title, summary, *key_points])
    if _JOB_URL.search(url) or find_job(text, language):
        return "job"
    for kind, _ in RULES:
        if _pattern(kind, language).search(text):
            return kind
    if mentions_date(text) and find_place(text, language):
        return "event"
    return DEFAULT_KIND
