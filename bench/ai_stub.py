"""The AI bench's stand-in model: reads the product's prompt and answers as a good model
would, after DELAY, but for a drawn share of 429s and invalid answers.

Each request draws one answer (a seeded generator, so colleagues' drafts differ): 5 % HTTP
429 with Retry-After 1 (at once, as a rate limiter answers), 10 % invalid (in equal parts:
malformed JSON, one draft with an invented figure, one in the other language, one with a
link), the rest good. Good drafts are written from the prompt alone (title, summary, key
points, role, team, their words, the count asked for, the language told in the system
message): first person, the post's own words and figures in varied frames, nothing else.
Everything sent is recorded so that the bench can find the bad drafts on cards, and count
the good ones the checks refused. Tokens are counted as 4 characters each.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.fake_model import Reply, error
from bot.voice.ai.writer import tidy

DELAY = 0.8  # seconds before a completion (not a 429) is answered
P_429 = 0.05
P_INVALID = 0.10
INVALID = ("malformed", "invented", "language", "link")
CHARS_PER_TOKEN = 4

# How the prompt (message_templates/<lang>/ai.j2) introduces each part, by language.
LABELS = {
    "en": {"title": "Title:", "summary": "Summary:", "points": "Key points:",
           "role": "- Role:", "team": "- Team:", "about": "- In their words:"},
    "fr": {"title": "Titre :", "summary": "Résumé :", "points": "Points clés :",
           "role": "- Poste :", "team": "- Équipe :", "about": "- Avec ses mots :"},
}
KINDS = {"en": {"(a job offer)": "job", "(an event)": "event"},
         "fr": {"(une offre d’emploi)": "job", "(un événement)": "event"}}
FRENCH = "uniquement en français"  # how the French system message says which language

OPENERS = {
    "en": ["I wanted to share this one with you.", "This is one I am really happy to pass on.",
           "Some news from work that I keep thinking about.",
           "I do not post much about my job, but this deserves it.",
           "Quick share from my side today, and a good one.",
           "Here is something my colleagues and I have been looking forward to.",
           "I have been waiting to talk about this for a while.",
           "This made my week at work.", "Not every week brings news like this one.",
           "Honestly, I smiled when I read this.",
           "Let me tell you about something close to my work.",
           "I am glad I can finally talk about this.",
           "A small moment of pride for me and my colleagues.",
           "Something I am happy to see going out today.", "Good news worth a few lines.",
           "I rarely share work news, but here we go.",
           "This one has my name on it, in a way.", "Sharing this with a bit of excitement."],
    "fr": ["Je voulais vous partager celle-ci.", "Une nouvelle du travail qui me fait plaisir.",
           "Je parle peu de mon travail ici, mais celle-ci le mérite.",
           "Petit partage de mon côté aujourd'hui, et un bon.",
           "Voilà une nouvelle que mes collègues et moi attendions.",
           "J'attendais depuis un moment de pouvoir en parler.",
           "Cette nouvelle a illuminé ma semaine.",
           "Toutes les semaines n'apportent pas une nouvelle comme celle-ci.",
           "J'ai souri en lisant ça, je l'avoue.",
           "Laissez-moi vous parler de quelque chose de proche de mon travail.",
           "Enfin, je peux vous en parler.", "Une bonne nouvelle à partager avec vous.",
           "Un petit moment de fierté pour mes collègues et moi.",
           "Ça me fait plaisir de voir ça sortir aujourd'hui.",
           "Une bonne nouvelle qui vaut bien quelques lignes.",
           "Je partage rarement mon actualité pro, mais allons-y.",
           "Celle-ci me touche de près, d'une certaine façon.",
           "Je partage ça avec un peu d'émotion."],
}
AS_ROLE = {"en": ["As {role} here, I follow this closely.",
                  "In my work as {role}, this one matters to me."],
           "fr": ["Dans mon travail de {role}, je suis ça de près.",
                  "Avec mon poste de {role}, celle-ci me tient à cœur."]}
IN_TEAM = {"en": ["In {team}, we have been talking about this all week.",
                  "From where I sit in {team}, this is big news."],
           "fr": ["Dans l'équipe {team}, on en parle depuis des jours.",
                  "Vu depuis l'équipe {team}, c'est une belle nouvelle."]}
FRAMES = {
    "en": ["What I like most: {point}.", "The part that stands out for me is this: {point}.",
           "{Point}, and I think that says a lot.", "In short, {point}.",
           "One detail I love: {point}.",
           "If you only remember one thing, remember this: {point}.",
           "Here is the heart of it: {point}.", "It comes down to this: {point}.",
           "Why it matters to me: {point}.", "{Point}, which is exactly what we needed.",
           "Think about it: {point}.", "Simply put, {point}."],
    "fr": ["Ce que j'aime le plus : {point}.", "Le détail qui me plaît : {point}.",
           "{Point}, et ça en dit long.", "En bref, {point}.",
           "Si vous ne retenez qu'une chose, retenez celle-ci : {point}.",
           "Au fond, tout est là : {point}.", "Ce qui compte pour moi : {point}.",
           "Le cœur de l'histoire : {point}.",
           "Pourquoi ça compte pour moi : {point}.", "{Point}, et c'est ce qu'il nous fallait.",
           "Pensez-y : {point}.", "Pour le dire simplement, {point}."],
}
HIRING = {"en": ["We are hiring, so please pass it on to anyone who would fit.",
                 "Know someone who should join us? Send them my way."],
          "fr": ["On recrute, alors faites passer à qui pourrait s'y reconnaître.",
                 "Vous connaissez quelqu'un pour ce poste ? Parlez-lui-en."]}
CLOSERS = {
    "en": ["Have a look and tell me what you think.", "I would love to hear your thoughts.",
           "Feel free to share it around.", "Happy to answer questions if you have any.",
           "Take a minute to read it, it is worth it.",
           "Let me know if you want to know more.", "Drop me a message if this speaks to you.",
           "Pass it on if it could help someone.", "I am sure you will like it too.",
           "Tell me if you have questions, I will do my best.",
           "Your comments are welcome, as always.", "Worth a look, I promise.",
           "Share it with whoever might care."],
    "fr": ["Jetez un œil et dites-moi ce que vous en pensez.",
           "J'aimerais beaucoup avoir votre avis.", "N'hésitez pas à partager autour de vous.",
           "Je réponds volontiers à vos questions.", "J'ai hâte de lire vos avis.",
           "Prenez une minute pour lire, ça vaut le coup.", "Écrivez-moi si ça vous parle.",
           "Faites passer si ça peut aider quelqu'un.", "La suite bientôt, j'espère.",
           "Dites-moi si vous avez des questions, je ferai de mon mieux.",
           "Vos commentaires sont les bienvenus, comme toujours.",
           "Ça vaut le détour, promis.", "Partagez-le à qui ça pourrait intéresser."],
}
INVENTED = {"en": "Already {n} people have asked me about it.",
            "fr": "Déjà {n} personnes m'en ont parlé."}
FIGURES = (37, 48, 73, 120, 350, 615)
LOWER = {"a", "an", "the", "we", "our", "you", "your", "it", "its", "this", "two", "three",
         "le", "la", "les", "un", "une", "des", "nous", "notre", "nos", "vous", "ce", "cette"}
LINK = {"en": "All the details are on acme-news.com.",
        "fr": "Tous les détails sont sur acme-news.com."}


@dataclass(frozen=True)
class Prompt:
    """What the product told the model, read back from its messages."""

    language: str
    count: int
    kind: str  # "job", "event" or "other"
    title: str
    summary: str
    points: tuple[str, ...]
    role: str
    team: str
    about: str

    @property
    def sentences(self) -> list[str]:
        return [s for s in re.split(r"(?<=[.!?])\s+", self.summary) if s]

    @property
    def facts(self) -> list[str]:
        """What a draft may build on: the key points and the summary's sentences."""
        return [point for point in self.points if point] + self.sentences


def read_prompt(body: dict[str, Any]) -> Prompt:
    messages = body.get("messages", [])
    system = next((m["content"] for m in messages if m.get("role") == "system"), "")
    user = "\n".join(m["content"] for m in messages if m.get("role") == "user")
    user = user.replace("\u00a0", " ").replace("\u202f", " ")  # French typography
    language = "fr" if FRENCH in system else "en"
    labels = LABELS[language]
    count = re.search(r"\b(\d+)\b", system)
    lines = user.splitlines()

    def value(label: str) -> str:
        return next((line[len(label):].strip() for line in lines if line.startswith(label)),
                    "")

    points: list[str] = []
    if labels["points"] in lines:
        for line in lines[lines.index(labels["points"]) + 1:]:
            if not line.startswith("- "):
                break
            points.append(line[2:].strip())
    return Prompt(language, int(count.group(1)) if count else 3,
                  next((kind for name, kind in KINDS[language].items()
                        if lines and name in lines[0]), "other"), value(labels["title"]),
                  value(labels["summary"]), tuple(points), value(labels["role"]),
                  value(labels["team"]), value(labels["about"]))


def _article(role: str) -> str:
    return f"{'an' if role[:1].lower() in 'aeiou' else 'a'} {role}"


def _sentence(frame: str, point: str) -> str:
    point = point.rstrip(".!?")
    first = point.split(" ", 1)[0]
    inside = point[:1].lower() + point[1:] if first.lower() in LOWER else point
    return frame.format(point=inside, Point=point[:1].upper() + point[1:])


@dataclass
class StubModel:
    """`reply` for bench/fake_model.py's FakeModel. `sent` counts answers by kind;
    `good` and `bad` hold the drafts sent as the product stores them (tidied by the
    writer's `tidy`), to look for on cards afterwards."""

    seed: int = 11
    delay: float = DELAY
    sent: Counter[str] = field(default_factory=Counter)
    good: set[str] = field(default_factory=set)
    bad: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def __call__(self, body: dict[str, Any]) -> Reply:
        draw = self.rng.random()
        if draw < P_429:
            self.sent["429"] += 1
            return error(429, "Rate limit reached for requests", retry_after=1)
        prompt = read_prompt(body)
        if not prompt.title:
            self.sent["prompt unread"] += 1  # ai.j2 changed: LABELS must follow
        drafts = [self.draft(prompt, index) for index in range(prompt.count)]
        kind = (INVALID[int((draw - P_429) / P_INVALID * len(INVALID))]
                if draw < P_429 + P_INVALID else "good")
        self.sent[kind] += 1
        spoilt = self.rng.randrange(len(drafts))
        if kind == "invented":
            figure = next(n for n in self.rng.sample(FIGURES, len(FIGURES))
                          if str(n) not in json.dumps(body))
            drafts[spoilt] += " " + INVENTED[prompt.language].format(n=figure)
        elif kind == "language":
            drafts[spoilt] = self.generic("en" if prompt.language == "fr" else "fr")
        elif kind == "link":
            drafts[spoilt] += " " + LINK[prompt.language]
        for index, text in enumerate(drafts if kind != "malformed" else []):
            spoiled = kind in ("invented", "language", "link") and index == spoilt
            (self.bad if spoiled else self.good).add(tidy(text, prompt.language))
        content = json.dumps({"drafts": drafts}, ensure_ascii=False)
        if kind == "malformed":
            content = content[:len(content) // 2]
        asked = sum(len(m.get("content", "")) for m in body.get("messages", []))
        return Reply(content, delay=self.delay, prompt_tokens=asked // CHARS_PER_TOKEN,
                     completion_tokens=len(content) // CHARS_PER_TOKEN)

    def draft(self, prompt: Prompt, index: int) -> str:
        """One good draft, its sentences in a drawn order: an opener, one or two of the
        post's facts in frames (an event's date and place always, a job offer's call to
        apply), their role or team when known, sometimes their own words, a closer."""
        rng, language, facts = self.rng, prompt.language, prompt.facts
        if not facts:
            return self.generic(language)
        first = facts[(index + rng.randrange(len(facts))) % len(facts)]
        frames = rng.sample(FRAMES[language], 2)
        said = [_sentence(frames[0], first)]
        others = [fact for fact in facts if fact != first]
        when = prompt.sentences[:1]  # an event's summary opens with when and where
        if prompt.kind == "event" and when and first != when[0]:
            said.append(_sentence(frames[1], when[0]))
        elif others and rng.random() < 0.5:
            said.append(_sentence(frames[1], rng.choice(others)))
        if prompt.kind == "job":
            said.append(rng.choice(HIRING[language]))
        personal = [f.format(role=_article(prompt.role) if language == "en" else prompt.role)
                    for f in AS_ROLE[language] if prompt.role]
        personal += [f.format(team=prompt.team) for f in IN_TEAM[language] if prompt.team]
        if personal and rng.random() < 0.85:
            said.append(rng.choice(personal))
        if prompt.about and rng.random() < 0.3:
            said.append(prompt.about)
        if rng.random() < 0.7:
            said.append(rng.choice(OPENERS[language]))
        rng.shuffle(said)
        closer = [rng.choice(CLOSERS[language])] if rng.random() < 0.8 else []
        return " ".join([*said, *closer])

    def generic(self, language: str) -> str:
        """A draft that says nothing of the post, in `language`."""
        return f"{self.rng.choice(OPENERS[language])} {self.rng.choice(CLOSERS[language])}"
