"""CSV renderings of a dashboard: one table as it is shown, or every tile and table in long form."""

from __future__ import annotations

import csv
import io

from credlens.reports.view import Cell, Dashboard, Raw, Table

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): such text gets a leading quote."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_value(cell: Cell) -> Raw:
    """What a CSV cell holds: the raw value, `suppressed`, or empty for a null (n/a)."""
    if cell.suppressed:
        return "suppressed"
    value = cell.value
    if isinstance(value, str):
        return formula_safe(value)
    return "" if value is None else value


def _bound(value: float | None) -> Raw:
    return "" if value is None else value


def table_header(table: Table) -> list[str]:
    header: list[str] = []
    for column in table.columns:
        header.append(column.key)
        if column.interval:
            header += [f"{column.key}_low", f"{column.key}_high"]
        if column.flagged:
            header.append(f"{column.key}_flag")
    return header


def table_rows(table: Table) -> list[list[Raw]]:
    rows = []
    for row in table.rows:
        out: list[Raw] = []
        for column, cell in zip(table.columns, row, strict=True):
            out.append(csv_value(cell))
            if column.interval:
                out += [_bound(cell.low), _bound(cell.high)]
            if column.flagged:
                out.append(cell.flag or "")
        rows.append(out)
    return rows


def table_csv(table: Table) -> str:
    """One table: a header of column keys (plus `_low`/`_high`/`_flag` where the column has them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table_header(table))
    writer.writerows(table_rows(table))
    return buffer.getvalue()


def dashboard_csv(dashboard: Dashboard) -> str:
    """Everything on the page in long form: `section, table, row, column, value` (tiles as table `tiles`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "table", "row", "column", "value"])
    for section in dashboard.sections:
        for tile in section.tiles:
            row = tile.metric if tile.period is None else f"{tile.metric}@{tile.period}"
            writer.writerow([section.id, "tiles", row, "value", csv_value(tile.value)])
        for table in section.tables:
            header = table_header(table)
            for n, values in enumerate(table_rows(table), start=1):
                for key, value in zip(header, values, strict=True):
                    writer.writerow([section.id, table.id, n, key, value])
    return buffer.getvalue()
