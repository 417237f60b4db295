"""The suggestion benchmark's corpus: ten posts of every kind in English and French, and
forty volunteers with varied roles, teams, languages and sentences about their work."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CorpusPost:
    kind: str
    language: str
    url: str
    title: str
    summary: str
    key_points: list[str]
    hashtags: list[str]
    versions: dict[str, dict[str, object]] = field(default_factory=dict)


@dataclass(frozen=True)
class CorpusMember:
    name: str
    languages: list[str]
    role: str
    team: str  # the team's channel name
    about: str = ""


TEAMS = {"team-data": "", "equipe-produit": "", "sales-emea": "Sales", "rh": "RH",
         "eng-backend": "", "marketing": "Brand & content"}

POSTS = [
    CorpusPost(
        "job", "en", "https://careers.example.com/jobs/data-engineer-lyon",
        "We're hiring: Data Engineer in Lyon",
        "We are looking for a data engineer to help run the platform behind our client "
        "dashboards. The role is hybrid, three days a week at the Lyon office.",
        ["you will own pipelines that process two billion events a day",
         "the team of six works in Python and SQL",
         "a mentor is assigned for your first three months"],
        ["hiring", "data"]),
    CorpusPost(
        "job", "fr", "https://carrieres.example.com/offres/dev-python-nantes",
        "Nous recrutons un développeur Python à Nantes",
        "L'équipe produit cherche une personne pour construire les outils internes de "
        "facturation. Le poste est en CDI, avec deux jours de télétravail par semaine.",
        ["une stack Python, Django et PostgreSQL",
         "des mises en production plusieurs fois par jour",
         "un budget formation de deux mille euros par an"],
        ["recrutement", "python"]),
    CorpusPost(
        "event", "en", "https://events.example.com/lyon-data-meetup",
        "Lyon Data Meetup: our team on stage",
        "Two of our engineers will talk about streaming analytics at the Lyon Data Meetup "
        "on 12 March 2027 at La Cuisine du Web in Lyon. Entry is free.",
        ["a talk on replaying a year of events in an afternoon",
         "a live demo of the new alerting service",
         "drinks with the team after the talks"],
        ["meetup", "data"]),
    CorpusPost(
        "event", "fr", "https://evenements.example.com/salon-emploi-nantes",
        "Retrouvez-nous au salon de l'emploi de Nantes",
        "Nous tiendrons un stand au salon de l'emploi le 4 février à Nantes pour présenter "
        "nos métiers et nos postes ouverts.",
        ["une quinzaine de postes ouverts en CDI",
         "des entretiens sur place avec les managers",
         "un atelier pour relire les CV"],
        ["emploi", "nantes"]),
    CorpusPost(
        "product", "en", "https://example.com/blog/atlas-launch",
        "Launching Atlas, our new analytics dashboard",
        "Atlas brings every client metric into one screen and updates it in real time. It "
        "is available today to every customer at no extra cost.",
        ["built with feedback from forty pilot customers",
         "reports that took a day now take a minute",
         "works on phones and tablets"],
        ["atlas", "analytics"],
        {"fr": {"title": "Atlas, notre nouveau tableau de bord analytique, est lancé",
                "summary": "Atlas réunit tous les indicateurs d'un client sur un seul écran, "
                           "mis à jour en temps réel. Il est disponible dès aujourd'hui pour "
                           "tous nos clients, sans surcoût.",
                "key_points": ["conçu avec les retours de quarante clients pilotes",
                               "des rapports qui prenaient une journée se font en une minute",
                               "utilisable sur téléphone et tablette"]}}),
    CorpusPost(
        "award", "fr", "https://example.com/actualites/prix-innovation-responsable",
        "Nous recevons le prix de l'innovation responsable 2026",
        "Le jury a distingué notre programme de réduction de l'empreinte carbone des centres "
        "de données, mené depuis trois ans avec nos hébergeurs.",
        ["une consommation électrique réduite de trente pour cent",
         "des serveurs reconditionnés plutôt que neufs",
         "un rapport public publié chaque année"],
        ["innovation", "climat"],
        {"en": {"title": "We won the 2026 responsible innovation award",
                "summary": "The jury recognised our programme to cut the carbon footprint of "
                           "our data centres, run for three years with our hosting partners.",
                "key_points": ["power use down by thirty per cent",
                               "refurbished servers instead of new ones",
                               "a public report every year"]}}),
    CorpusPost(
        "article", "en", "https://example.com/blog/open-source-data-platform",
        "Why we moved our data platform to open source",
        "Our CTO explains why we replaced a proprietary warehouse with open-source tools, "
        "what it cost, and what we would do differently.",
        ["the migration took eleven months",
         "costs fell by half in the first year",
         "we now contribute fixes upstream every month"],
        ["opensource", "data"],
        {"fr": {"title": "Pourquoi notre plateforme de données est passée à l'open source",
                "summary": "Notre CTO explique pourquoi nous avons remplacé un entrepôt "
                           "propriétaire par des outils open source, ce que cela a coûté et "
                           "ce que nous ferions autrement.",
                "key_points": ["la migration a duré onze mois",
                               "les coûts ont baissé de moitié la première année",
                               "nous proposons des correctifs aux projets chaque mois"]}}),
    CorpusPost(
        "news", "fr", "https://example.com/actualites/bureau-bordeaux",
        "Nous ouvrons un bureau à Bordeaux",
        "Après Lyon et Nantes, un troisième bureau ouvre en janvier à Bordeaux, près de la "
        "gare Saint-Jean, pour vingt personnes d'ici la fin de l'année.",
        ["un espace pensé pour le travail hybride",
         "des recrutements locaux dans le support et la vente",
         "un partenariat avec l'université de Bordeaux"],
        ["bordeaux"],
        {"en": {"title": "We are opening an office in Bordeaux",
                "summary": "After Lyon and Nantes, a third office opens in Bordeaux in "
                           "January, next to the Saint-Jean station, for twenty people by "
                           "the end of the year.",
                "key_points": ["a space designed for hybrid work",
                               "local hiring in support and sales",
                               "a partnership with the University of Bordeaux"]}}),
    CorpusPost(
        "leader", "en", "https://www.linkedin.com/posts/ceo-example_four-day-week",
        "A year of four-day weeks: what we learned",
        "Our CEO looks back on a year of four-day weeks across the company: what worked, "
        "what did not, and why we are keeping it.",
        ["productivity held steady while sick leave fell",
         "meetings had to get shorter first",
         "support kept a five-day rota with extra days off"],
        ["futureofwork"]),
    CorpusPost(
        "news", "en", "https://example.com/news/renewable-energy",
        "Our platform now runs on renewable energy",
        "Since November every server we rent runs on electricity from wind and solar farms, "
        "a year ahead of the goal we set in 2024.",
        ["contracts signed with two regional producers",
         "no change in price for our customers",
         "hourly figures published on our status page"],
        ["climate"]),
]

MEMBERS = [
    CorpusMember("Camille Martin", ["fr"], "Data Engineer", "team-data",
                 "Je construis la plateforme de données sur laquelle comptent nos clients."),
    CorpusMember("Hugo Bernard", ["fr"], "Product Manager", "equipe-produit"),
    CorpusMember("Léa Dubois", ["fr", "en"], "Chargée de recrutement", "rh",
                 "J'aide les futurs collègues à trouver leur place chez nous."),
    CorpusMember("Lucas Thomas", ["fr"], "Développeur back-end", "eng-backend"),
    CorpusMember("Chloé Robert", ["fr"], "Responsable marketing", "marketing",
                 "Je raconte ce que nos équipes construisent."),
    CorpusMember("Nathan Richard", ["fr"], "", "sales-emea"),
    CorpusMember("Manon Petit", ["fr"], "Designer UX", "equipe-produit",
                 "Je dessine les écrans que nos clients utilisent chaque jour."),
    CorpusMember("Théo Durand", ["fr", "en"], "Ingénieur SRE", "eng-backend"),
    CorpusMember("Inès Leroy", ["fr"], "Commerciale grands comptes", "sales-emea",
                 "J'accompagne nos plus grands clients au quotidien."),
    CorpusMember("Louis Moreau", ["fr"], "Data Analyst", "team-data"),
    CorpusMember("Sarah Simon", ["fr"], "Office manager", "rh"),
    CorpusMember("Jules Laurent", ["fr"], "Ingénieur qualité", "eng-backend",
                 "Je m'assure que chaque version tient ses promesses."),
    CorpusMember("Emma Lefebvre", ["fr", "en"], "Directrice technique", "team-data"),
    CorpusMember("Gabriel Michel", ["fr"], "Chef de projet", "equipe-produit"),
    CorpusMember("Zoé Garcia", ["fr"], "", "marketing"),
    CorpusMember("Adam David", ["fr"], "Technicien support", "sales-emea",
                 "Je réponds aux clients quand quelque chose coince."),
    CorpusMember("Olivia Smith", ["en"], "Senior Software Engineer", "eng-backend",
                 "I keep our APIs fast and boring in the best way."),
    CorpusMember("James Brown", ["en"], "Account Executive", "sales-emea"),
    CorpusMember("Amelia Jones", ["en"], "Head of Talent", "rh",
                 "I help people find a job they will enjoy here."),
    CorpusMember("Oliver Taylor", ["en"], "Data Scientist", "team-data"),
    CorpusMember("Isla Wilson", ["en"], "Content Designer", "marketing",
                 "I write the words people read in our product."),
    CorpusMember("Harry Davies", ["en"], "", "equipe-produit"),
    CorpusMember("Ava Evans", ["en"], "UX Researcher", "equipe-produit"),
    CorpusMember("George Thomas", ["en"], "Engineering Manager", "eng-backend",
                 "I look after a team of eight engineers."),
    CorpusMember("Mia Roberts", ["en"], "Customer Success Manager", "sales-emea"),
    CorpusMember("Noah Johnson", ["en"], "Analytics Engineer", "team-data",
                 "I turn raw events into numbers our clients trust."),
    CorpusMember("Grace Walker", ["en"], "Recruiter", "rh"),
    CorpusMember("Leo Wright", ["en"], "Frontend Developer", "equipe-produit"),
    CorpusMember("Freya Hall", ["en"], "Marketing Lead", "marketing"),
    CorpusMember("Arthur Green", ["en"], "CTO", "team-data",
                 "I set the technical direction of the company."),
    CorpusMember("Lily Baker", ["en", "fr"], "Sales Development Representative",
                 "sales-emea"),
    CorpusMember("Jack Adams", ["en"], "Site Reliability Engineer", "eng-backend"),
    CorpusMember("Sofia Clark", ["en"], "Product Designer", "equipe-produit",
                 "I design the screens our clients use every day."),
    CorpusMember("Henry Lewis", ["en"], "", "marketing"),
    CorpusMember("Ella Young", ["en"], "People Partner", "rh",
                 "I make sure new colleagues feel at home from day one."),
    CorpusMember("Oscar King", ["en"], "Machine Learning Engineer", "team-data"),
    CorpusMember("Chiara Rossi", ["en", "fr"], "Solutions Architect", "sales-emea",
                 "I help clients fit our platform into their systems."),
    CorpusMember("Yuki Tanaka", ["en"], "Backend Engineer", "eng-backend"),
    CorpusMember("Aisha Khan", ["en"], "Operations Manager", "rh"),
    CorpusMember("Mateo Silva", ["en", "fr"], "Partner Manager", "sales-emea"),
]
