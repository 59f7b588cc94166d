"""The dashboard as plain values: sections of tiles, tables and charts, rendered as HTML, JSON or CSV.

One ``Dashboard`` is built per request; the page, its ``.json`` and its ``.csv`` twin are three
renderings of that one value, so an export always matches the screen, suppression included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
Raw = float | int | str | None


@dataclass(frozen=True)
class Cell:
    """One shown value: ``value`` is what exports carry, ``text`` what the page shows."""

    value: Raw
    text: str
    suppressed: bool = False
    low: float | None = None  # a 95 % interval, where the column has one
    high: float | None = None
    flag: str | None = None  # e.g. "within noise"
    hint: str | None = None  # a definition the page shows with the cell (row labels of metric tables)
    note: str | None = None  # a second line under the value, e.g. its 95 % interval
    href: str | None = None  # the cell links there (insights: the page showing the evidence)

    def json(self) -> Json:
        out: Json = {"value": self.value, "text": self.text}
        if self.suppressed:
            out["suppressed"] = True
        if self.low is not None or self.high is not None:
            out["low"], out["high"] = self.low, self.high
        if self.flag is not None:
            out["flag"] = self.flag
        return out


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    metric: str | None = None  # the registry id whose definition the header shows
    numeric: bool = True
    interval: bool = False  # cells carry a 95 % interval: exports add `<key>_low`, `<key>_high`
    flagged: bool = False  # cells may carry a flag: exports add `<key>_flag`


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    metric: str | None = None
    note: str = ""
    empty: str = "Nothing in this window."
    collapsed: bool = False  # the data of a chart: shown on demand under it

    def json(self) -> Json:
        return {
            "id": self.id,
            "title": self.title,
            "metric": self.metric,
            "columns": [{"key": c.key, "label": c.label, "metric": c.metric} for c in self.columns],
            "rows": [{c.key: cell.json() for c, cell in zip(self.columns, row, strict=True)} for row in self.rows],
        }


@dataclass(frozen=True)
class Tile:
    """A headline number with its comparison and definition."""

    metric: str
    label: str
    value: Cell
    definition: str
    change: str = ""  # e.g. "+12.5 % vs previous window"
    detail: str = ""  # e.g. "22 of 43"
    period: str | None = None  # a tile for a fixed window (e.g. "30d"), not the page's window

    def json(self) -> Json:
        return {
            "metric": self.metric,
            "label": self.label,
            **self.value.json(),
            "change": self.change,
            "detail": self.detail,
            "period": self.period,
        }


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite spec; its data is also the table ``table`` (charts are never the only way to read a number)."""

    id: str
    title: str
    spec: Json
    table: str
    description: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    tiles: tuple[Tile, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()  # blind spots and privacy rules that apply here
    intro: str = ""


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    summary: str
    query: Json  # the metrics query as the engine described it (window, filters, compare)
    sections: tuple[Section, ...]
    comparison: Json | None = None  # the comparison window, when there is one
    extra: Json = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables() if t.id == table_id), None)

    def json(self) -> Json:
        return {
            "dashboard": self.id,
            "title": self.title,
            "query": self.query,
            "comparison": self.comparison,
            **self.extra,
            "sections": [
                {
                    "id": s.id,
                    "title": s.title,
                    "notes": list(s.notes),
                    "tiles": [t.json() for t in s.tiles],
                    "tables": [t.json() for t in s.tables],
                    "charts": [{"id": c.id, "title": c.title, "table": c.table, "spec": c.spec} for c in s.charts],
                }
                for s in self.sections
            ],
        }
