"""The suggestions kept on a delivery: their text, angle, label and origin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ENGINE = "engine"
AI = "ai"


@dataclass(frozen=True)
class Suggestion:
    text: str
    angle: str = ""
    label: str = ""
    source: str = ENGINE  # ENGINE, or AI for a draft by the AI model (bot/voice/ai/)

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "angle": self.angle, "label": self.label,
                "source": self.source}


def from_json(value: Any) -> Suggestion:
    """A stored suggestion; deliveries made before suggestions had angles held bare text."""
    if isinstance(value, str):
        return Suggestion(value)
    known = {k: str(v) for k, v in dict(value).items() if k in Suggestion.__dataclass_fields__}
    return Suggestion(**known)


def stored(suggestions: list[Any]) -> list[Suggestion]:
    return [from_json(value) for value in suggestions]
