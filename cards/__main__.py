"""`python -m cards` (`make screenshots`): every card of the catalog, in English and French,
through the Teams renderer and the Slack rendition, as PNGs, with their measures.

    python -m cards [--out docs/cards] [--kind nudge --kind share] [--scale 2]

Writes <out>/teams-<kind>-<locale>.png, <out>/slack-<kind>-<locale>.png and
<out>/measures.md (a table of heights, actions, primaries and cut labels), and prints the
table. Exits 2, saying what to install, when Chromium, the npm packages or a font is
missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from adapters.teams.render import DIALOG_WIDTH
from bot.texts import Texts, make_environment
from cards.catalog import KINDS, LOCALES, build, slack_json, teams_json, teams_width
from cards.render import TEAMS_WIDTH, Measures, Renderer, Unavailable, missing
from cards.slack_html import MESSAGE_WIDTH, MODAL_WIDTH

NUDGE_LIMIT = 550  # px tall at 450 px wide, issue 12


def _row(platform: str, name: str, measured: Measures) -> str:
    cut = ", ".join(measured.cut) or "-"
    inputs = ", ".join(measured.inputs_cut) or "-"
    return (f"| {platform} | {name} | {round(measured.height)} | {len(measured.actions)} | "
            f"{measured.primaries} | {cut} | {inputs} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cards", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/cards"))
    parser.add_argument("--kind", action="append", choices=KINDS,
                        help="only these kinds (repeatable; default: all)")
    parser.add_argument("--locale", action="append", choices=LOCALES)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="device pixels per CSS pixel in the PNGs (default 1)")
    args = parser.parse_args(argv)

    reason = missing()
    if reason:
        print(f"cards: cannot render here: {reason}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    texts = Texts(make_environment())
    samples = [s for s in build(tuple(args.locale or LOCALES))
               if not args.kind or s.kind in args.kind]
    rows = ["| platform | card | height (px) | actions | primaries | cut labels | text cut |",
            "| --- | --- | ---: | ---: | ---: | --- | --- |"]
    try:
        with Renderer(scale=args.scale) as renderer:
            for sample in samples:
                teams = renderer.teams(teams_json(sample, texts), width=teams_width(sample),
                                       png=args.out / f"teams-{sample.name}.png")
                slack = renderer.slack(slack_json(sample, texts), sample.locale,
                                       png=args.out / f"slack-{sample.name}.png")
                rows += [_row("Teams", sample.name, teams), _row("Slack", sample.name, slack)]
                for warning in teams.warnings:
                    print(f"{sample.name}: renderer warning: {warning}", file=sys.stderr)
    except Unavailable as error:
        print(f"cards: cannot render here: {error}", file=sys.stderr)
        return 2
    table = "\n".join(rows)
    note = (f"Teams: Microsoft's adaptivecards renderer, Teams' light host config, "
            f"{TEAMS_WIDTH} px wide (forms as dialogs, {DIALOG_WIDTH} px); Slack: "
            f"cards/slack_html.py, messages {MESSAGE_WIDTH} px, modals {MODAL_WIDTH} px. "
            f"The nudge should stay under {NUDGE_LIMIT} px on Teams. "
            f"Made by `make screenshots` (cards/__main__.py).")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "measures.md").write_text(f"# Cards as rendered\n\n{note}\n\n{table}\n", "utf-8")
    print(table)
    print(f"{2 * len(samples)} PNGs in {args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
