"""Tiles and tables from the metrics JSON of docs/api.md: the building blocks every dashboard shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from credlens.reports.formats import cell, change, change_text, value_cell
from credlens.reports.notes import definition, is_rate
from credlens.reports.partial import partial_keys
from credlens.reports.view import Cell, Column, Table, Tile

Json = dict[str, Any]
COMPARE_LABELS = {"previous": "previous window", "year": "a year earlier"}


@dataclass(frozen=True)
class Spec:
    """A column of a rows table: the row field, its header, its format and the metric it shows."""

    key: str
    label: str
    fmt: str = "count"
    metric: str | None = None
    names: Mapping[str, str] | None = None  # text columns: the name shown for an id (the id stays the value)


def compare_label(result: Json) -> str:
    return COMPARE_LABELS.get(result["query"].get("compare") or "", "")


def tile(result: Json, metric_id: str, label: str, *, period: str | None = None) -> Tile:
    """A headline number: value, "n of d" for rates, and its change against the comparison window."""
    metric = result["metrics"][metric_id]
    rate = is_rate(metric_id)
    fmt = "percent" if rate else "days" if metric_id in DAYS else "number" if metric_id in MEANS else "count"
    detail = ""
    if rate and metric.get("denominator") is not None:
        detail = f"{metric['numerator']:,} of {metric['denominator']:,}"
    change = change_text(metric, rate, compare_label(result)) if "change" in metric else ""
    return Tile(metric_id, label, cell(metric, fmt), definition(metric_id), change, detail, period)


MEANS = {"owner_active_days_mean", "median_days_to_open", "views_per_share"}
DAYS = {"median_days_to_open"}  # a number of days, shown as whole days (exports keep the exact value)


def change_cell(row: Json, *, rate: bool = False) -> Cell:
    """A row's (or metric's) change, one meaning everywhere (formats.change); its exported value is
    the difference, in the metric's unit (a rate's as a fraction: 0.015 is +1.5 points)."""
    difference = row.get("change") or {}
    return Cell(difference.get("absolute"), change(row.get("change"), rate))


def rows_table(
    table_id: str,
    title: str,
    rows: Sequence[Json],
    specs: Sequence[Spec],
    *,
    metric: str | None = None,
    note: str = "",
    with_change: bool = False,
    collapsed: bool = False,
    rate_change: bool = False,
) -> Table:
    """A table over result rows, one column per spec (plus the change, when a comparison ran)."""
    columns = [Column(s.key, s.label, s.metric, numeric=s.fmt != "text") for s in specs]
    if with_change:
        columns.append(Column("change", "Change", None))
    body = []
    for row in rows:
        cells = [_cell(row, s) for s in specs]
        if with_change:
            cells.append(change_cell(row, rate=rate_change))
        body.append(tuple(cells))
    return Table(table_id, title, tuple(columns), tuple(body), metric=metric, note=note, collapsed=collapsed)


def _cell(row: Json, spec: Spec) -> Cell:
    """A suppressed row keeps its key (the API shows it too) and hides its numbers."""
    if spec.fmt == "text":
        value = row.get(spec.key)
        if spec.names is not None and value is not None:
            return Cell(value, spec.names.get(str(value), str(value)))
        return value_cell(value, "text")
    return cell(row, spec.fmt, key=spec.key)


def trend_table(result: Json, metric_id: str, title: str, value_label: str, fmt: str = "count") -> Table:
    """A trend metric's buckets as a (collapsed) table, with their change when a comparison ran; a
    bucket the window covers only in part says so after its date."""
    rows = result["metrics"][metric_id]["rows"]
    partial = partial_keys(result["query"], rows)
    names = {str(r["key"]): f"{r['key']} (partial)" for r in rows if r["key"] in partial}
    return rows_table(
        metric_id,
        title,
        rows,
        (Spec("key", "From", "text", names=names), Spec("value", value_label, fmt, metric_id)),
        metric=metric_id,
        with_change="comparison" in result,
        collapsed=True,
        note="A bucket marked partial is only partly inside the window." if partial else "",
    )


def breakdown(
    result: Json,
    metric_id: str,
    title: str,
    key_label: str,
    value_label: str,
    *,
    limit: int | None = None,
    note: str = "",
    extra: Sequence[Spec] = (),
    names: Mapping[str, str] | None = None,
    order: Callable[[list[Json]], list[Json]] | None = None,
) -> Table:
    """A breakdown metric (`rows` of key and value) as a table, with its change when a comparison ran;
    ``order`` puts the rows in their own order (organization sizes) instead of largest first."""
    rows = result["metrics"][metric_id]["rows"]
    rows = (order(rows) if order else rows)[:limit]
    specs = [Spec("key", key_label, "text", names=names), Spec("value", value_label, "count", metric_id), *extra]
    return rows_table(metric_id, title, rows, specs, metric=metric_id, note=note, with_change="comparison" in result)


def metric_rows(result: Json, table_id: str, title: str, items: Sequence[tuple[str, str]], note: str = "") -> Table:
    """Scalar metrics as rows (metric, value, n of d, change): for groups of related numbers."""
    rows = []
    for metric_id, label in items:
        t = tile(result, metric_id, label)
        rows.append(
            (
                Cell(label, label, hint=t.definition),
                t.value,
                Cell(t.detail or None, t.detail),
                change_cell(result["metrics"][metric_id], rate=is_rate(metric_id)),
            )
        )
    columns = (
        Column("metric", "Metric", numeric=False),
        Column("value", "Value"),
        Column("of", "Numerator of denominator", numeric=False),
        Column("change", "Change"),
    )
    return Table(table_id, title, columns, tuple(rows), note=note)
