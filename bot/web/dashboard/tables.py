"""The dashboard's tables: sorted on the server (`?t=<table>&sort=<column>&dir=asc|desc`, no
JavaScript) and each downloadable as CSV (`&format=csv`), guarded against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


@dataclass(frozen=True)
class Column:
    """One column: its row key, how a page shows a value (the CSV keeps the value itself),
    and, for a column that links, the row key holding the page it links to."""

    key: str
    show: Callable[[Any], str] = str
    number: bool = False  # right-aligned, sorted biggest first at the first click
    link: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    sort: str
    descending: bool

    def direction_for(self, key: str) -> str:
        """The `dir` a click on the column's heading asks for."""
        if key == self.sort:
            return "asc" if self.descending else "desc"
        column = next(c for c in self.columns if c.key == key)
        return "desc" if column.number else "asc"


def _sort_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def arrange(name: str, columns: tuple[Column, ...], rows: list[dict[str, Any]],
            query: Mapping[str, str], default: str, descending: bool = True) -> Table:
    """The table sorted as the query asks when it names this table, else by `default`.
    Empty values (None, "") go last whichever the direction."""
    keys = {column.key for column in columns}
    sort, direction = default, descending
    if query.get("t") == name and query.get("sort") in keys:
        sort = query["sort"]
        direction = query.get("dir") != "asc"
    full = [row for row in rows if row.get(sort) not in (None, "")]
    empty = [row for row in rows if row.get(sort) in (None, "")]
    full.sort(key=lambda row: _sort_key(row[sort]), reverse=direction)
    return Table(name, columns, full + empty, sort, direction)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"
    text = str(value)
    return "'" + text if text.startswith(FORMULA) else text


def as_csv(table: Table, headings: Mapping[str, str]) -> bytes:
    """The table as sorted, its headings in the reader's language, values as stored (codes,
    ISO dates, ratios from 0 to 1); UTF-8 with a BOM, so that spreadsheets read accents."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_cell(headings[column.key]) for column in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(column.key)) for column in table.columns])
    return out.getvalue().encode("utf-8-sig")
