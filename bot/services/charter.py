"""The charter of good conduct: its version and its text per locale, read from charter.md."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "charter.md"
_VERSION = re.compile(r"^version:\s*(\S+)\s*$", re.MULTILINE)
_SECTION = re.compile(r"^## (\w\w)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Charter:
    version: str
    texts: dict[str, str]

    def text(self, locale: str) -> str:
        return self.texts.get(locale) or self.texts.get("en") or next(iter(self.texts.values()))


def parse_charter(source: str) -> Charter:
    """Read `version: X` and the `## en` / `## fr` sections."""
    found = _VERSION.search(source)
    if not found:
        raise ValueError("charter has no 'version:' line")
    parts = _SECTION.split(source)
    texts = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if not texts:
        raise ValueError("charter has no '## <locale>' section")
    return Charter(version=found.group(1), texts=texts)


def load_charter(path: Path | str | None = None) -> Charter:
    return parse_charter(Path(path or DEFAULT_PATH).read_text(encoding="utf-8"))
