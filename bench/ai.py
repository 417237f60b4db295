"""AI drafts (issue 11) against a stub model (bench/ai_stub.py: 800 ms, 10 % invalid, 5 % 429).

1. Fan-out: `porte-voix serve` itself (started as bench/fanout.py starts it: SQLite, one
   process, the mock Slack in a process of its own at the product's default 20/s, no
   faults) plans one live post for N volunteers and sends it, three times in one run: AI
   off for the workspace; AI on with the plan's lead (PORTEVOIX_LLM_LEAD, its default: a
   nudge is due that long after planning, for its drafts to be written first); AI on with
   no lead (due at planning, the drafts job racing the outbox). The model is configured in
   all three (PORTEVOIX_LLM_PER_MINUTE and _CONCURRENCY as below); only the workspace's
   switch and the lead differ. Measured from outside: the steady delivery rate
   (bench/fanout.py's), the product's CPU per delivery, its /metrics (portevoix_ai_*: the
   process is new, so they are the run's own counts), and in the database, the sent
   deliveries whose suggestions hold an AI draft and whether a bad draft of the stub's
   reached a card.
2. Corpus: issue 10's corpus (bench/voice_corpus.py) drafted by the drafts job
   (scheduler/drafts.py `Drafter`, in this process, against the same stub) with nothing
   sent, so every answer is checked and written; bench/voice.py's figures for the AI
   drafts that passed, against the engine's for the same deliveries; the stub's good drafts
   the checks refused and its bad ones they let through.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select, update

from bench import voice
from bench.__main__ import Row, percentile
from bench.ai_stub import DELAY, P_429, P_INVALID, StubModel
from bench.fake_model import FakeModel
from bench.fanout import Fanout, drain_wait, until_delivered
from bench.limited_slack import Limits, limited_slack
from bench.planning import scratch_database
from bench.seeding import seed_volunteers, statuses, volunteer_id
from bench.served import Served
from bench.voice_corpus import MEMBERS, POSTS
from bot.clock import ManualClock
from bot.config import Settings
from bot.metrics import REGISTRY
from bot.runtime import open_runtime
from bot.texts import Texts, make_environment
from bot.voice.guard import REASONS
from bot.voice.stored import AI
from bot.voice.versions import languages, pick_language
from scheduler.drafts import Drafter
from scheduler.outbox import delivery_key
from storage.db import make_engine, make_sessions
from storage.models import Delivery, Member, Post, Workspace

N = int(os.environ.get("BENCH_AI_N", "200"))
LEAD = Settings.model_fields["llm_lead"].default  # PORTEVOIX_LLM_LEAD's, in seconds
PER_MINUTE = 1200
CONCURRENCY = 16
CEILING = 20.0  # the product's default workspace rate, and the mock's
SLACK = Limits(ceiling=CEILING).without_faults()
FANOUT_POST = next(post for post in POSTS if post.kind == "product")  # in English
OUTCOMES = ("accepted", *REASONS, "missing")
RESULTS = ("ok", "garbage", "rate_limited", "server_error", "timeout", "unreachable", "refused")
CORPUS_BOUND = 150.0  # seconds the corpus's drafting may take at most
TIMEOUT = 3 * 60.0 + LEAD + 3 * drain_wait(N, CEILING) + CORPUS_BOUND
BENCH = "ai drafts"
KEY = "sk-bench-stub-key"


def model_settings(url: str) -> dict[str, str]:
    return {"PORTEVOIX_LLM_URL": url, "PORTEVOIX_LLM_MODEL": "bench-stub",
            "PORTEVOIX_LLM_API_KEY": KEY,
            "PORTEVOIX_LLM_PER_MINUTE": str(PER_MINUTE),
            "PORTEVOIX_LLM_CONCURRENCY": str(CONCURRENCY)}


@contextlib.asynccontextmanager
async def stub_server(stub: StubModel) -> AsyncIterator[FakeModel]:
    fake = FakeModel(stub)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def peak_in_flight(fake: FakeModel) -> int:
    """Most requests the stub held at once, at most: each counted as held DELAY (a 429,
    answered at once, too)."""
    arrivals = sorted(received.at for received in fake.received)
    peak, first = 0, 0
    for last, at in enumerate(arrivals):
        while arrivals[first] <= at - DELAY:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


def _asking(arrivals: list[float]) -> tuple[float, float]:
    if not arrivals:
        return 0.0, 0.0
    return (arrivals[-1] + DELAY - arrivals[0],
            percentile(arrivals, 95) + DELAY - arrivals[0])


def by_label(samples: dict[str, float], metric: str) -> Counter[str]:
    """A labelled counter's samples from /metrics text, by its one label's value."""
    found: Counter[str] = Counter()
    for name, value in samples.items():
        matched = re.fullmatch(rf'{metric}\{{\w+="([^"]*)"\}}', name)
        if matched:
            found[matched.group(1)] += int(value)
    return found


def registry_counts(metric: str, label: str, values: tuple[str, ...]) -> Counter[str]:
    """This process's counts of a labelled counter (for deltas)."""
    return Counter({value: int(REGISTRY.get_sample_value(metric, {label: value}) or 0)
                    for value in values})


@dataclass
class AiRun:
    """One fan-out run: the platform's view, the product's metrics, the cards."""

    name: str
    fanout: Fanout
    cpu_ms: float | None
    lead: float = 0.0  # PORTEVOIX_LLM_LEAD
    nudges: Counter[str] = field(default_factory=Counter)  # portevoix_ai_nudges_total
    requests: Counter[str] = field(default_factory=Counter)
    drafts: Counter[str] = field(default_factory=Counter)
    tokens: int = 0
    sent_ai: int = 0  # sent deliveries whose suggestions hold an AI draft (database)
    sent: int = 0
    leaked: int = 0  # bad drafts of the stub's on a card
    peak: int = 0
    stub: Counter[str] = field(default_factory=Counter)
    # Seconds from the first request to the model to the last answer, and to the answer
    # of the request at the 95th percentile.
    asking: tuple[float, float] = (0.0, 0.0)

    @property
    def ready(self) -> float | None:
        """Share of nudges sent with AI drafts ready, as the outbox counted them."""
        total = sum(self.nudges[k] for k in ("ai", "engine", "late"))
        return 100 * self.nudges["ai"] / total if total else None


async def _seed(url: str, n: int, *, ai: bool) -> None:
    """n volunteers (bench/seeding.py's) and the corpus's launch post, live: the plan
    makes their deliveries when the product starts."""
    await seed_volunteers(url, [volunteer_id(i) for i in range(n)])
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            workspace = (await session.scalars(select(Workspace))).one()
            workspace.ai_drafts = ai
            now = datetime.now(UTC)
            session.add(Post(
                workspace_id=workspace.id, url=FANOUT_POST.url, title=FANOUT_POST.title,
                summary=FANOUT_POST.summary, key_points=FANOUT_POST.key_points,
                hashtags=FANOUT_POST.hashtags, language=FANOUT_POST.language,
                kind=FANOUT_POST.kind, publish_at=now - timedelta(minutes=1), created_at=now))
            await session.commit()
    finally:
        await engine.dispose()


async def _cards(url: str, bad: set[str]) -> tuple[set[str], int, int, int]:
    """The deliveries' keys; those sent, those among them with an AI draft, and the bad
    drafts on their cards."""
    engine = make_engine(url)
    keys: set[str] = set()
    sent = with_ai = leaked = 0
    try:
        async with make_sessions(engine)() as session:
            for delivery in (await session.scalars(select(Delivery))).all():
                keys.add(delivery_key(delivery.id))
                if delivery.status != "sent":
                    continue
                texts = [s["text"] for s in delivery.suggestions or []
                         if s.get("source") == AI]
                sent += 1
                with_ai += bool(texts)
                leaked += sum(text in bad for text in texts)
    finally:
        await engine.dispose()
    return keys, sent, with_ai, leaked


async def fan_out(name: str, *, ai: bool, lead: float = LEAD, n: int = N,
                  seed: int = 1) -> AiRun:
    """One `porte-voix serve` planning and sending the post to n volunteers; `lead` is
    PORTEVOIX_LLM_LEAD."""
    stub = StubModel(seed=seed)
    async with stub_server(stub) as fake, scratch_database("sqlite") as url:
        await _seed(url, n, ai=ai)
        settings = model_settings(fake.url) | {"PORTEVOIX_LLM_LEAD": f"{lead:g}"}
        with tempfile.TemporaryDirectory(prefix="pv-ai-") as folder:
            async with limited_slack(SLACK, remote=True) as slack, \
                    Served(url, slack.base_url, Path(folder) / "serve.log",
                           settings) as served:
                cpu, before = served.cpu(), await slack.delivered()
                await until_delivered(slack, url, n, lead + drain_wait(n, CEILING))
                cpu, after = served.cpu() - cpu, await slack.delivered()
                seconds = time.monotonic() - served.spawned
                samples = await served.metrics(("portevoix_ai_",)) or {}
                report = await slack.report()
        at_end = await statuses(url)
        expected, sent, with_ai, leaked = await _cards(url, stub.bad)
        asking = _asking([received.at for received in fake.received])
    delivered = after - before
    return AiRun(
        name, Fanout(name, expected, report, seconds, at_end),
        1000 * cpu / delivered if delivered else None, lead,
        by_label(samples, "portevoix_ai_nudges_total"),
        by_label(samples, "portevoix_ai_requests_total"),
        by_label(samples, "portevoix_ai_drafts_total"),
        sum(by_label(samples, "portevoix_ai_tokens_total").values()),
        with_ai, sent, leaked, peak_in_flight(fake), stub.sent, asking)


@dataclass
class Corpus:
    ai: voice.Figures
    engine: voice.Figures
    drafts: Counter[str]
    requests: Counter[str]
    good_sent: int
    good_kept: int
    bad_sent: int
    bad_kept: int
    deliveries: int
    with_ai: int
    seconds: float
    unread: int


async def _plan_corpus(url: str) -> None:
    """voice's corpus with AI on, and a planned delivery for each member who posts in one
    of a post's languages, slots in member order (as the plan gives them)."""
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            await session.execute(update(Workspace).values(ai_drafts=True))
            members = (await session.scalars(select(Member).order_by(Member.id))).all()
            for post in (await session.scalars(select(Post).order_by(Post.id))).all():
                slot = 0
                for member, person in zip(members, MEMBERS, strict=True):
                    language = pick_language(languages(post), person.languages)
                    if language is not None:
                        session.add(Delivery(post_id=post.id, member_id=member.id,
                                             due_at=voice.NOW, language=language, slot=slot,
                                             created_at=voice.NOW))
                        slot += 1
            await session.commit()
    finally:
        await engine.dispose()


async def _draft_all(url: str, model_url: str) -> float:
    """The drafts job until nothing is left undrafted (waiting out the model's pauses)."""
    settings = Settings(database_url=url, public_url="https://pv.example", llm_url=model_url,
                        llm_model="bench-stub", llm_api_key=SecretStr(KEY),
                        llm_per_minute=PER_MINUTE, llm_concurrency=CONCURRENCY)
    rt = await open_runtime(settings, ManualClock(voice.NOW), migrate=False)
    drafter = Drafter(rt)
    started = time.monotonic()
    try:
        while time.monotonic() - started < CORPUS_BOUND:
            await drafter.run()
            async with rt.sessions() as session:
                left = (await session.scalars(select(Delivery.suggestions))).all()
            if all(left):
                break
            await asyncio.sleep(drafter.writer.pause_left())
    finally:
        await drafter.close()
        await rt.close()
    return time.monotonic() - started


async def _given(url: str) -> tuple[list[voice.Given], int, set[str]]:
    """The corpus's AI drafts as members received them, deliveries, and every AI text."""
    engine = make_engine(url)
    given: list[voice.Given] = []
    try:
        async with make_sessions(engine)() as session:
            posts = {p: i for i, p in enumerate(
                (await session.scalars(select(Post.id).order_by(Post.id))).all())}
            members = {m: i for i, m in enumerate(
                (await session.scalars(select(Member.id).order_by(Member.id))).all())}
            deliveries = (await session.scalars(select(Delivery).order_by(Delivery.id))).all()
            for delivery in deliveries:
                given += [voice.Given(POSTS[posts[delivery.post_id]],
                                      MEMBERS[members[delivery.member_id]],
                                      delivery.language or "", s["text"])
                          for s in delivery.suggestions if s.get("source") == AI]
    finally:
        await engine.dispose()
    return given, len(deliveries), {item.text for item in given}


async def corpus(seed: int = 2) -> Corpus:
    stub = StubModel(seed=seed)
    drafts = registry_counts("portevoix_ai_drafts_total", "outcome", OUTCOMES)
    requests = registry_counts("portevoix_ai_requests_total", "result", RESULTS)
    async with stub_server(stub) as fake, scratch_database("sqlite") as url:
        await voice.seed_corpus(url)
        await _plan_corpus(url)
        seconds = await _draft_all(url, fake.url)
        given, deliveries, kept = await _given(url)
    async with scratch_database("sqlite") as url:  # the engine alone, as issue 10 measured it
        await voice.seed_corpus(url)
        by_engine, _ = await voice.engine_given(url, Texts(make_environment()))
    drafts = registry_counts("portevoix_ai_drafts_total", "outcome", OUTCOMES) - drafts
    requests = registry_counts("portevoix_ai_requests_total", "result", RESULTS) - requests
    with_ai = len({(item.post.url, item.member.name) for item in given})
    return Corpus(voice.measure(given, 0.0), voice.measure(by_engine, 0.0), drafts,
                  requests, len(stub.good), len(stub.good & kept), len(stub.bad),
                  len(stub.bad & kept), deliveries, with_ai, seconds,
                  stub.sent["prompt unread"])


def _share(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


def fanout_rows(off: AiRun, runs: list[AiRun]) -> list[Row]:
    name = f"{BENCH}: fan-out"
    rows = [Row(name, f"{off.name}: delivered/s (steady part)", off.fanout.rate, "/s",
                CEILING, "≥ 0.9× ceiling", off.fanout.rate >= 0.9 * CEILING)]
    for run in runs:
        rate = run.fanout.rate
        rows += [
            Row(name, f"{run.name}: delivered/s (base: AI off)", rate, "/s", off.fanout.rate,
                "≥ 0.95× off", rate >= 0.95 * off.fanout.rate),
            Row(name, f"{run.name}: sent with AI drafts ready", run.ready, "%",
                target="≥ 95 %" if run.lead else "",
                met=run.ready is not None and run.ready >= 95 if run.lead else None),
        ]
    for run in (off, *runs):
        rows.append(Row(name, f"{run.name}: CPU per delivery (base: AI off)", run.cpu_ms,
                        "ms", off.cpu_ms if run is not off else None))
    missing = sum(run.fanout.lost + run.fanout.duplicates for run in (off, *runs))
    rows.append(Row(name, f"lost or duplicated, of {3 * N:,}", missing, target="0",
                    met=missing == 0))
    leaked = sum(run.leaked for run in runs)
    rows.append(Row(name, "bad drafts on a card (database)", leaked, target="0",
                    met=leaked == 0))
    unread = sum(run.stub["prompt unread"] for run in runs)
    rows.append(Row(name, "prompts the stub could not read", unread, target="0",
                    met=unread == 0))
    for run in runs:  # tokens paid for drafts written too late count too
        rows.append(Row(name, f"{run.name}: tokens per AI-drafted nudge",
                        run.tokens / run.nudges["ai"] if run.nudges["ai"] else None))
    led = runs[0]
    ahead = led.nudges["ai"] + led.nudges["engine"]
    last, most = led.asking
    rows += [Row(name, f"{led.name}: drafted ahead a second (95 % of requests)",
                 0.95 * ahead / most if most else None, "/s"),
             Row(name, f"{led.name}: last answer of the model, after the first request",
                 last, "s",
                 target=f"< {LEAD:.0f} s", met=last < LEAD)]
    asked = sum(sum(run.requests.values()) for run in runs)
    rows += [Row(name, "tokens per request", sum(run.tokens for run in runs) / asked
                 if asked else None),
             Row(name, "model requests in flight at most", max(run.peak for run in runs),
                 baseline=CONCURRENCY)]
    requests = sum((run.requests for run in runs), Counter[str]())
    rows += [Row(name, f"requests: {result}", count) for result, count in
             sorted(requests.items(), key=lambda item: -item[1])]
    drafts = sum((run.drafts for run in runs), Counter[str]())
    rows += [Row(name, f"drafts: {outcome}" if outcome == "accepted" else
                 f"drafts refused: {outcome}", count)
             for outcome, count in sorted(drafts.items(), key=lambda item: -item[1])]
    notes = [f"{run.name}: outbox {dict(run.nudges)}; database: {run.sent_ai} of "
             f"{run.sent} sent with an AI draft; stub answers {dict(run.stub)}; deliveries "
             f"at the end {dict(run.fanout.statuses)}" for run in (off, *runs)]
    rows.append(Row(name, "", None, note=(
        f"ai drafts, fan-out: `porte-voix serve` sends the launch post of the corpus to "
        f"{N:,} volunteers (SQLite, mock Slack at {CEILING:.0f}/s, no faults), planned by "
        f"the product at its start, three runs: AI off for the workspace; AI on with the "
        f"plan's lead (PORTEVOIX_LLM_LEAD, default {LEAD:.0f} s); AI on with "
        f"PORTEVOIX_LLM_LEAD=0. PORTEVOIX_LLM_PER_MINUTE={PER_MINUTE}, "
        f"PORTEVOIX_LLM_CONCURRENCY={CONCURRENCY} in all. Stub: {DELAY * 1000:.0f} ms, "
        f"{P_429:.0%} 429 (Retry-After 1), {P_INVALID:.0%} invalid; tokens at 4 characters "
        f"each. Ready = ai ÷ (ai + engine + late) of portevoix_ai_nudges_total; its goal "
        f"holds with a lead only (with none, the drafts job races the outbox by design). "
        f"Drafted ahead a second: 95 % of the nudges drafted before due ÷ the time from the "
        f"first request to the answer of the 95th percentile's ({most:.0f} s), pauses "
        f"included; the last answer shows when a retried delivery was drafted (the nudges "
        f"were due {LEAD:.0f} s after planning, about when the first request left). Requests "
        f"and drafts: both AI-on runs (portevoix_ai_requests_total, _drafts_total). "
        + "; ".join(notes) + ".")))
    return rows


def corpus_rows(found: Corpus) -> list[Row]:
    name = f"{BENCH}: corpus"
    same = [dataclasses.replace(row, benchmark=name)
            for row in voice.figure_rows(found.ai, found.engine)
            if row.measure != "engine time per nudge"]
    refused = found.good_sent - found.good_kept
    return [
        Row(name, "deliveries with an AI draft", _share(found.with_ai, found.deliveries), "%"),
        *same,
        Row(name, "good drafts refused by the checks", _share(refused, found.good_sent), "%"),
        Row(name, "bad drafts let through", found.bad_kept, target="0",
            met=found.bad_kept == 0),
        Row(name, "prompts the stub could not read", found.unread, target="0",
            met=found.unread == 0),
        *(Row(name, f"drafts refused: {outcome}", count)
          for outcome, count in found.drafts.most_common() if outcome != "accepted"),
        Row(name, "", None, note=(
            f"ai drafts, corpus: issue 10's corpus ({found.deliveries} deliveries) drafted "
            f"by the drafts job against the same stub in {found.seconds:.0f} s, nothing "
            f"sent; figures of the {found.ai.count} AI drafts kept "
            f"(base: the engine's suggestions for the same deliveries, issue 10's run). "
            f"Stub: {found.good_sent} good drafts sent, {found.good_kept} kept; "
            f"{found.bad_sent} bad, {found.bad_kept} kept; requests {dict(found.requests)}; "
            f"drafts {dict(found.drafts)}.")),
    ]


async def run() -> list[Row]:
    off = await fan_out("AI off", ai=False, seed=1)
    led = await fan_out(f"AI on, lead {LEAD:.0f} s", ai=True, seed=2)
    at_once = await fan_out("AI on, lead 0", ai=True, lead=0.0, seed=3)
    return [*fanout_rows(off, [led, at_once]), *corpus_rows(await corpus(seed=4))]
