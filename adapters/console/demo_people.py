"""The demo's invented company: its people, the posts its admin queues, and how people edit."""

from __future__ import annotations

import random
import shlex
import unicodedata
from dataclasses import dataclass

TEAMS = ("sales", "engineering", "people")
SITE = "https://www.ateliernord.example"

FRENCH_NAMES = (
    "Amélie Durand", "Baptiste Roux", "Chloé Lefèvre", "Damien Fontaine", "Élodie Garnier",
    "Fabien Marchand", "Gaëlle Perrin", "Hugo Chevalier", "Inès Moreau", "Julien Bonnet",
    "Léa Girard", "Mathis Lambert", "Nathalie Faure", "Olivier Mercier", "Pauline Blanc",
    "Quentin Robin", "Romain Gauthier", "Sandrine Muller", "Théo Fournier", "Yasmine Benali",
    "Margaux Dupuis", "Antoine Leroy",
)
ENGLISH_NAMES = (
    "Alice Carter", "Ben Holloway", "Charlotte Reid", "Daniel Okafor", "Emily Shaw",
    "Finn Gallagher", "Grace Whitfield", "Harry Patel", "Isla McKenzie", "Jack Turner",
    "Kate Morrison", "Liam Byrne", "Mia Thompson", "Noah Fraser", "Olivia Bennett",
    "Priya Raman", "Raj Mehta", "Sophie Clarke", "Tom Ashworth", "Wei Lin Tan",
    "Zoe Harper", "Aisha Khan", "Lucas Tremblay", "Nora Lindqvist", "Ethan Brooks",
    "Hannah Cole", "Oscar Nguyen", "Ruby Sinclair",
)
ZONES = {
    "fr": (("Europe/Paris", 0.75), ("America/Montreal", 0.25)),
    "en": (("Europe/London", 0.45), ("Europe/Paris", 0.2), ("Asia/Singapore", 0.2),
           ("America/Montreal", 0.15)),
}
TEAM_WEIGHTS = (0.35, 0.45, 0.2)


@dataclass(frozen=True)
class Person:
    user: str
    name: str
    locale: str
    timezone: str
    team: str


def user_id(name: str) -> str:
    """'Élodie Garnier' -> 'elodie': the first name without accents, in lower case."""
    first = unicodedata.normalize("NFKD", name.split()[0])
    return "".join(ch for ch in first if ch.isascii()).lower()


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def cast(rng: random.Random) -> list[Person]:
    """Fifty people: about 40 % in French, across four time zones and three teams."""
    people = []
    for name, french in [(n, True) for n in FRENCH_NAMES] + [(n, False) for n in ENGLISH_NAMES]:
        locale = "fr" if rng.random() < (0.75 if french else 0.12) else "en"
        team = rng.choices(TEAMS, TEAM_WEIGHTS)[0]
        people.append(Person(user_id(name), name, locale, _weighted(rng, ZONES[locale]), team))
    rng.shuffle(people)
    return people


@dataclass(frozen=True)
class DemoPost:
    url: str
    title: str
    summary: str
    points: tuple[str, ...]
    hashtags: tuple[str, ...]
    topics: tuple[str, ...]
    own_words: dict[str, tuple[str, ...]]
    teams: tuple[str, ...] = ()
    at: str = ""
    expires: str = ""

    def command(self) -> str:
        """The `/voix queue` line an admin would type for this post."""
        parts = ["/voix queue", self.url, "--title", shlex.quote(self.title),
                 "--summary", shlex.quote(self.summary),
                 "--points", shlex.quote("; ".join(self.points)),
                 "--hashtags", ",".join(self.hashtags), "--topics", ",".join(self.topics)]
        if self.teams:
            parts += ["--teams", ",".join(self.teams)]
        if self.at:
            parts += ["--at", self.at]
        if self.expires:
            parts += ["--expires", self.expires]
        return " ".join(parts)


POSTS = (
    DemoPost(
        url=f"{SITE}/news/lyon-office-opening",
        title="Atelier Nord opens its Lyon office",
        summary="Our third office opens on 1 February in the Confluence district, with room "
                "for 60 people and a ground-floor space lent free of charge to local meetups.",
        points=("60 desks by the end of 2027", "a free meetup space for Lyon's data community",
                "12 positions open on site"),
        hashtags=("Lyon", "NewOffice"),
        topics=("offices", "news"),
        own_words={
            "en": ("I was born in Lyon, so this one feels personal.",
                   "We have been dreaming of a place near the Saône for two years.",
                   "If you run a meetup in Lyon, our ground floor is yours."),
            "fr": ("Je suis lyonnaise d'adoption, alors cette ouverture me touche.",
                   "Deux ans qu'on en parlait à la machine à café : ça y est.",
                   "Si vous organisez un meetup à Lyon, notre rez-de-chaussée vous attend."),
        },
    ),
    DemoPost(
        url=f"{SITE}/careers/data-engineers-2027",
        title="We are hiring eight data engineers",
        summary="Eight data engineers to join client squads building streaming pipelines in "
                "Lyon, London and Montreal; hybrid work and a four-day week on trial.",
        points=("eight positions, hybrid", "Python, Kafka and dbt every day",
                "a mentor from your first week"),
        hashtags=("Hiring", "DataEngineering"),
        topics=("hiring",),
        expires="5d",
        own_words={
            "en": ("My own mentor here changed how I write code, and I'd love the same for you.",
                   "The four-day week trial is real: I spend Fridays with my kids.",
                   "Ping me if you want to know what a normal day looks like."),
            "fr": ("Mon mentor ici a changé ma façon de coder, je vous souhaite la même chose.",
                   "La semaine de quatre jours, on la teste vraiment : mes vendredis sont à moi.",
                   "Écrivez-moi si vous voulez savoir à quoi ressemble une journée type."),
        },
    ),
    DemoPost(
        url=f"{SITE}/cases/marche-frais-food-waste",
        title="How a regional grocer cut food waste by 18 %",
        summary="With Marché Frais and its 140 stores, we built shelf-level demand forecasts "
                "that now drive the daily orders.",
        points=("18 % less food thrown away in one year", "forecasts per store and per shelf",
                "store teams trained in two weeks"),
        hashtags=("CaseStudy", "Retail"),
        topics=("clients",),
        teams=("sales", "engineering"),
        own_words={
            "en": ("I spent three dawns in a Marché Frais store watching the deliveries.",
                   "The best part was seeing store managers trust the forecasts.",
                   "Less waste and better margins: rare to get both at once."),
            "fr": ("J'ai passé trois matins à l'aube dans un magasin pour observer les livraisons.",
                   "Le plus beau : voir les chefs de rayon faire confiance aux prévisions.",
                   "Moins de gaspillage et de meilleures marges, c'est rare d'avoir les deux."),
        },
    ),
    DemoPost(
        url=f"{SITE}/blog/five-questions-before-buying-ai",
        title="Five questions to ask before buying an AI tool",
        summary="Our head of data writes about how to judge an AI vendor's promises: training "
                "data, baselines, and who will maintain the thing next year.",
        points=("ask what data it learned from", "compare it with a simple baseline",
                "decide who maintains it"),
        hashtags=("AI", "Data"),
        topics=("expertise",),
        at="2026-12-02T10:00",
        own_words={
            "en": ("Question three is the one I wish every client asked us.",
                   "A simple baseline has saved more projects than any model I know.",
                   "Worth five minutes before your next vendor demo."),
            "fr": ("La troisième question, j'aimerais que tous nos clients nous la posent.",
                   "Une bonne référence simple a sauvé plus de projets que n'importe quel modèle.",
                   "Cinq minutes de lecture avant votre prochaine démo commerciale."),
        },
    ),
)

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
PREVIEWERS = {"linkedin": "LinkedInBot/1.0 (compatible; Mozilla/5.0; +http://www.linkedin.com)",
              "x": "Twitterbot/1.0"}


def post_for(url: str) -> DemoPost | None:
    return next((post for post in POSTS if post.url == url), None)


def edit(rng: random.Random, suggestion: str, post: DemoPost | None, locale: str) -> str:
    """What a volunteer makes of a suggestion: keep it, add a line, or say it their way."""
    style = rng.random()
    if post is None or style < 0.25:
        return suggestion
    sentences = post.own_words[locale]
    if style < 0.7:
        body, _, last = suggestion.rpartition("\n\n")
        if body and last.startswith("#"):  # the personal line goes before the hashtags
            return f"{body}\n\n{rng.choice(sentences)}\n\n{last}"
        return f"{suggestion}\n\n{rng.choice(sentences)}"
    tags = " ".join(f"#{tag}" for tag in post.hashtags)
    return " ".join(rng.sample(sentences, 2)) + f"\n\n{tags}"
