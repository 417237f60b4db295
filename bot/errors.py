"""Errors a handler raises to answer the user with a message instead of doing the work."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input or a refusal: nothing is changed and the user reads `key`'s message."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
