"""The question after a streak of nudges left, and the check-in after a month of silence."""

from __future__ import annotations

from bot.cards import Actions, Button, Card, Footnote, Heading, Text
from bot.fatigue.rule import ANSWERS, QUESTION
from bot.texts import Texts


def asking_card(texts: Texts, locale: str, kind: str, cap: int) -> Card:
    """`kind` is QUESTION (with the cap now applied) or CHECKIN; the same four answers."""
    def say(key: str, **values: object) -> str:
        return texts.say(locale, f"fatigue.{key}", **values)

    body = say("question", cap=cap) if kind == QUESTION else say("checkin")
    return Card(summary=body, blocks=(
        Heading(say(f"{kind}_title")),
        Text(body),
        # "Fewer" stands out: the gentle answer for someone busy; "Stop" is as plain as it.
        Actions(tuple(Button(say(answer), f"fatigue.{answer}", kind,
                             style="primary" if answer == "fewer" else None)
                      for answer in ANSWERS)),
        Footnote(say("footer"))))
