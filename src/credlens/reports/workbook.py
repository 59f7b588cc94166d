"""A dashboard value (a report, a page) as an XLSX workbook: a Summary sheet of the headline numbers,
then one sheet per table. Numbers are written as numbers with a number format that shows them as the
screen does (a rate as a percentage, a count with thousands separators), never as text; a suppressed
cell holds the word the screen shows, and text is never read as a formula.
"""

from __future__ import annotations

import io

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from credlens.reports.view import Cell, Dashboard, Table

SHEET_NAME_MAX = 31  # Excel's limit
PERCENT = "0.0%"
POINTS = "+0.0%;-0.0%;0.0%"  # a difference of two rates (shown as "+1.5 pts" on screen)
COUNT = "#,##0"
SIGNED_COUNT = "+#,##0;-#,##0;0"
NUMBER = "#,##0.0##"


class _Formats:
    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.cache: dict[str, Format] = {}
        self.bold = book.add_format({"bold": True})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def number(self, num_format: str) -> Format:
        if num_format not in self.cache:
            self.cache[num_format] = self.book.add_format({"num_format": num_format})
        return self.cache[num_format]


def number_format(cell: Cell) -> str | None:
    """The format of a numeric cell, from how the screen shows it; None for General."""
    value, text = cell.value, cell.text.strip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if text.endswith("pts"):
        return POINTS
    if "%" in text and not text.startswith(("+", "-")):  # "12.5 %", "66 % (published)"
        return PERCENT
    if text.startswith(("+", "-")) and float(value).is_integer():
        return SIGNED_COUNT
    if float(value).is_integer():
        return COUNT
    if value != 0 and abs(value) < 0.01:  # p and q values
        return None
    return NUMBER


def write_cell(sheet: Worksheet, row: int, col: int, cell: Cell, formats: _Formats, *, numeric: bool = True) -> None:
    """A number with its format; text (a text column's, `suppressed`, `n/a`) as the screen shows it."""
    value = cell.value
    if not numeric or cell.suppressed or isinstance(value, bool) or not isinstance(value, int | float):
        text = cell.text if cell.text or value is None else str(value)
        if text:
            sheet.write_string(row, col, text)
        return
    num_format = number_format(cell)
    if num_format is None:
        sheet.write_number(row, col, value)
    else:
        sheet.write_number(row, col, value, formats.number(num_format))


def render(document: Dashboard, title: str, subtitle: str) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    formats = _Formats(book)
    _summary(book.add_worksheet("Summary"), document, title, subtitle, formats)
    names = {"summary"}
    for table in document.tables():
        name = _sheet_name(table.id, names)
        _table(book.add_worksheet(name), table, formats)
    book.close()
    return buffer.getvalue()


def _sheet_name(table_id: str, taken: set[str]) -> str:
    base = table_id[:SHEET_NAME_MAX]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f"_{n}"
        name, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _summary(sheet: Worksheet, document: Dashboard, title: str, subtitle: str, formats: _Formats) -> None:
    sheet.write_string(0, 0, title, formats.title)
    sheet.write_string(1, 0, subtitle)
    header = ("Section", "Metric", "Shown as", "Value", "Numerator of denominator", "Change", "Window")
    for col, label in enumerate(header):
        sheet.write_string(3, col, label, formats.bold)
    row = 4
    for section in document.sections:
        for tile in section.tiles:
            sheet.write_string(row, 0, section.title)
            sheet.write_string(row, 1, tile.metric)
            sheet.write_string(row, 2, tile.label)
            write_cell(sheet, row, 3, tile.value, formats)
            for col, text in ((4, tile.detail), (5, tile.change), (6, tile.period or "")):
                if text:
                    sheet.write_string(row, col, text)
            row += 1
    sheet.set_column(0, 2, 28)
    sheet.set_column(3, 6, 16)


def _table(sheet: Worksheet, table: Table, formats: _Formats) -> None:
    sheet.write_string(0, 0, table.title, formats.bold)
    for col, column in enumerate(table.columns):
        sheet.write_string(2, col, column.label, formats.bold)
    for r, row in enumerate(table.rows, start=3):
        for col, (column, cell) in enumerate(zip(table.columns, row, strict=True)):
            write_cell(sheet, r, col, cell, formats, numeric=column.numeric)
    if not table.rows:
        sheet.write_string(3, 0, table.empty)
    if table.note:
        sheet.write_string(len(table.rows) + 4, 0, table.note)
    for col, column in enumerate(table.columns):
        sheet.set_column(col, col, 14 if column.numeric else 30)
    sheet.freeze_panes(3, 0)
