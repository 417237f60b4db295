"""Every card of the catalog as Teams draws it (Microsoft's adaptivecards renderer, Teams'
light host config, 450 px, headless Chromium), checked from the DOM (issue 12): no action
label cut, exactly one primary action on a card that has actions, the nudge under 550 px
in both languages.

Skipped, with the reason, where Chromium, the npm packages of cards/ or the fonts
are missing (.ci/run installs them). One browser and one catalog for the whole module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.teams.render import DIALOG_WIDTH
from bot.texts import Texts, make_environment
from cards.catalog import FORMS, KINDS, LOCALES, build, teams_json
from cards.render import TEAMS_WIDTH, Measures, Renderer, missing

NUDGE_LIMIT = 550  # px tall, at 450 px wide


def cases(kinds: tuple[str, ...] = KINDS) -> list[object]:
    return [pytest.param(kind, locale, id=f"{kind}-{locale}")
            for kind in kinds for locale in LOCALES]


@pytest.fixture(scope="module")
def rendering() -> Iterator[tuple[Renderer, dict[tuple[str, str], dict[str, Any]]]]:
    """One browser, and every catalog card as the Teams adapter sends it."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    texts = Texts(make_environment())
    cards = {(s.kind, s.locale): teams_json(s, texts) for s in build()}
    with Renderer() as renderer:
        yield renderer, cards


@pytest.fixture(scope="module")
def measured(rendering: tuple[Renderer, dict[tuple[str, str], dict[str, Any]]]
             ) -> dict[tuple[str, str], Measures]:
    renderer, cards = rendering
    return {key: renderer.teams(card, width=DIALOG_WIDTH if key[0] in FORMS else TEAMS_WIDTH)
            for key, card in cards.items()}


@pytest.mark.parametrize(("kind", "locale"), cases())
def test_no_action_label_is_cut(measured: dict[tuple[str, str], Measures], kind: str,
                                locale: str) -> None:
    card = measured[kind, locale]
    assert card.cut == [], [(a.label, a.scroll_width, a.client_width)
                            for a in card.actions if a.cut]


@pytest.mark.parametrize(("kind", "locale"), cases())
def test_one_primary_action_where_there_are_actions(
        measured: dict[tuple[str, str], Measures], kind: str, locale: str) -> None:
    card = measured[kind, locale]
    if not card.actions:
        return
    assert card.primaries == 1, [(a.label, a.primary) for a in card.actions]


@pytest.mark.parametrize(("kind", "locale"), cases(("nudge",)))
def test_the_nudge_fits_a_laptop_screen(measured: dict[tuple[str, str], Measures], kind: str,
                                        locale: str) -> None:
    card = measured[kind, locale]
    assert card.width == 450
    assert card.height < NUDGE_LIMIT


def test_every_kind_is_in_the_catalog_and_rendered(
        measured: dict[tuple[str, str], Measures]) -> None:
    assert set(measured) == {(kind, locale) for kind in KINDS for locale in LOCALES}
    for (kind, locale), card in measured.items():
        assert card.height > 50, (kind, locale)
        assert card.warnings == (), (kind, locale, card.warnings)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_idea_picked_is_the_one_the_nudge_sends(
        rendering: tuple[Renderer, dict[tuple[str, str], dict[str, Any]]], locale: str) -> None:
    """Pressed in Microsoft's renderer: the primary action carries no value of its own, the
    choice of ideas gives it, as Teams merges a card's inputs into the action's data; it
    opens the edit form as a dialog (task/fetch)."""
    renderer, cards = rendering
    nudge = cards["nudge", locale]
    [choice] = [e for e in nudge["body"] if e["type"] == "Input.ChoiceSet"]
    [primary] = [a for e in nudge["body"] if e["type"] == "ActionSet" for a in e["actions"]
                 if a.get("style") == "positive"]
    for index, option in enumerate(choice["choices"]):
        sent = renderer.teams_press(nudge, primary["title"], choice=index)
        assert sent == {"action_id": "nudge.pick", "value": option["value"],
                        "msteams": {"type": "task/fetch"}}
