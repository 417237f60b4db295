"""The neutral card and form that handlers build and every adapter renders natively."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

Style = Literal["primary", "danger"] | None
# What a TimeInput's and a DateInput's values look like, both ways.
TIME_VALUE = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
DATE_VALUE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])")


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    """Plain text; the renderer escapes it for its platform."""

    text: str


@dataclass(frozen=True)
class Point:
    """One point of a list: its lead phrase in bold, then the rest of it."""

    lead: str
    text: str = ""


@dataclass(frozen=True)
class Quote:
    """A text shown as someone's words (a suggestion, a shared text)."""

    text: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Facts:
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Figures:
    """A few headline numbers side by side, each a value over its label ("12" / "shares")."""

    figures: tuple[Fact, ...]


@dataclass(frozen=True)
class Table:
    """Rows under column titles; the first cell of a row names it (a post, a team)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Copy:
    """A text made to be copied whole, exactly as it is (the words of a post to paste)."""

    text: str
    label: str = ""


@dataclass(frozen=True)
class Image:
    url: str
    alt: str


@dataclass(frozen=True)
class LinkPreview:
    url: str
    title: str
    summary: str = ""


@dataclass(frozen=True)
class Footnote:
    """Small print (Block Kit's context block)."""

    text: str


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Button:
    """A button: either an action sent back to the bot, or a link opened in a browser.
    A `quiet` one stays out of the way (Teams: in the card's "…" menu); one whose action
    answers with a form says so in `form` (Teams then opens that form as a dialog)."""

    label: str
    action_id: str
    value: str = ""
    style: Style = None
    url: str | None = None
    quiet: bool = False
    form: bool = False


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Idea:
    """One text offered to pick: its short label, its words, a discreet note ("draft by
    AI"), the value sent back when it is picked, and the label of a button of its own
    where a platform gives each idea one (Slack, the console)."""

    value: str
    label: str
    text: str
    button: str
    note: str = ""


@dataclass(frozen=True)
class Ideas:
    """Texts to pick one from, then one action for it. Teams shows them as one choice and a
    single `choose` button; Slack and the console give each idea its own button. Either way
    the action `action_id` comes back with the picked idea's value. `more` are the other
    things one may do instead, shown beside that action."""

    action_id: str
    choose: str
    ideas: tuple[Idea, ...]
    more: tuple[Button, ...] = ()
    form: bool = False  # the action answers with a form, as Button.form


Block = (Heading | Text | Point | Quote | Facts | Figures | Table | Copy | Image | LinkPreview
         | Footnote | Divider | Actions | Ideas)


@dataclass(frozen=True)
class Card:
    """A message made of blocks; `summary` is the notification text platforms show.

    `refresh`, where set, is the value of a `card.refresh` action that rebuilds the card as
    the person reading it should see it now (Teams asks for it each time the card is shown:
    Universal Actions); empty for a card that never changes."""

    summary: str
    blocks: tuple[Block, ...]
    refresh: str = ""

    def buttons(self) -> list[Button]:
        """Every button, an idea's own included (as Slack and the console show them)."""
        found: list[Button] = []
        for block in self.blocks:
            if isinstance(block, Actions):
                found += block.buttons
            elif isinstance(block, Ideas):
                found += [Button(idea.button, block.action_id, idea.value, form=block.form)
                          for idea in block.ideas]
                found += block.more
        return found


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class TextInput:
    name: str
    label: str
    value: str = ""
    multiline: bool = False
    required: bool = True
    max_length: int | None = None
    placeholder: str = ""


@dataclass(frozen=True)
class Select:
    name: str
    label: str
    options: tuple[Option, ...]
    value: str | None = None
    multiple: bool = False
    required: bool = True


@dataclass(frozen=True)
class Toggle:
    """A yes or no (a switch, a checkbox): `label` asks, `text` (the label if empty) is
    written beside the switch; it comes back as "true" or "false"."""

    name: str
    label: str
    value: bool = False
    text: str = ""


@dataclass(frozen=True)
class TimeInput:
    """A time of day, "HH:MM" both ways."""

    name: str
    label: str
    value: str = ""
    required: bool = True


@dataclass(frozen=True)
class DateInput:
    """A calendar day, "YYYY-MM-DD" both ways."""

    name: str
    label: str
    value: str = ""
    required: bool = True


Input = TextInput | Select | Toggle | TimeInput | DateInput


def _refilled(spec: Input, values: Mapping[str, str]) -> Input:
    if spec.name not in values:
        return spec
    typed = values[spec.name]
    if isinstance(spec, Toggle):
        return replace(spec, value=typed == "true")
    return replace(spec, value=typed)


@dataclass(frozen=True)
class Form:
    """A form: a modal on Slack, a dialog or an inline card on Teams, prompts on the console.

    `private` travels with the form and comes back in FormSubmitted untouched; keep it
    small (an id), large state lives in the database. `errors` (input name → message) are
    shown beside their inputs when a submission was refused (see `refused`).
    """

    form_id: str
    title: str
    submit_label: str
    inputs: tuple[Input, ...]
    intro: str = ""
    private: str = ""
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    errors: Mapping[str, str] = field(default_factory=dict)

    def refused(self, values: Mapping[str, str], errors: Mapping[str, str]) -> Form:
        """The form again as the person left it, with what to change beside each input."""
        return replace(self, inputs=tuple(_refilled(spec, values) for spec in self.inputs),
                       errors=dict(errors))
