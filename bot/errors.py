"""Errors a handler raises to answer the user with a message instead of doing the work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.cards import Form


class UserError(Exception):
    """Bad input or a refusal: nothing is changed and the user reads `key`'s message."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class InputError(UserError):
    """A form's input refused: the message belongs beside input `name`. Where the form's
    route can rebuild it, `form` is set to the form as submitted, so the person corrects
    that input without typing the rest again."""

    def __init__(self, name: str, key: str, **values: Any) -> None:
        super().__init__(key, **values)
        self.name = name
        self.form: Form | None = None
