"""A dashboard value (a report, a page) as a PDF (fpdf2): headline numbers as boxes, each chart as a
PNG drawn from the page's own Vega-Lite spec (vl-convert), every table, the notes; the data of the
charts last, so a chart is never the only way to read a number.

The text uses the PDF core font (Helvetica, Windows-1252): no font file to ship or find; the few
characters it lacks are written the way a typewriter would ("→" as "->").
"""

from __future__ import annotations

import io
from typing import Any

import vl_convert
from fpdf import FPDF
from fpdf.fonts import FontFace

from credlens.reports.view import Cell, Chart, Dashboard, Section, Table, Tile

Json = dict[str, Any]
ACCENT = (11, 92, 173)  # the stylesheet's accent (charts.ACCENT)
MUTED = (87, 96, 106)
INK = (27, 31, 36)
CHART_WIDTH = 640  # pixels of the chart's plot; the PNG is drawn at 2x and fitted to the page
TILES_PER_ROW = 3
_PLAIN = str.maketrans(
    {
        "→": "->",
        "≤": "<=",
        "≥": ">=",
        "ε": "epsilon ",
        "−": "-",
        "\u2009": " ",
        "\u202f": " ",
        "✓": "v",
        "≈": "~",
    }
)
ENCODING = "windows-1252"


def plain(text: str) -> str:
    """Text the core font can write: known symbols spelled out, anything else as "?"."""
    return text.translate(_PLAIN).encode(ENCODING, "replace").decode(ENCODING)


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.core_fonts_encoding = ENCODING
        self.report_title = title
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)
        self.set_title(plain(title))
        self.set_creator("credlens")

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("Helvetica", "", 7)
        self.set_text_color(*MUTED)
        self.cell(0, 5, plain(f"{self.report_title} · page {self.page_no()}"), align="R")
        self.set_text_color(*INK)


def render(document: Dashboard, title: str, subtitle: str) -> bytes:
    pdf = _Document(title)
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "B", 17)
    pdf.multi_cell(0, 8, plain(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 5, plain(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(3)
    chart_data: list[Table] = []
    for section in document.sections:
        _section(pdf, section)
        chart_data += [t for t in section.tables if t.collapsed]
    if chart_data:
        _heading(pdf, "Chart data")
        _paragraph(pdf, "The numbers each chart above is drawn from.")
        for table in chart_data:
            _table(pdf, table)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 50:  # no heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 13)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 7, plain(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1)


def _paragraph(pdf: FPDF, text: str, size: float = 9, muted: bool = False) -> None:
    pdf.set_font("Helvetica", "I" if muted else "", size)
    if muted:
        pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, size * 0.48, plain(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _section(pdf: FPDF, section: Section) -> None:
    _heading(pdf, section.title)
    if section.intro:
        _paragraph(pdf, section.intro, 10)
    if section.tiles:
        _tiles(pdf, section.tiles)
    for chart in section.charts:
        _chart(pdf, chart)
    for table in section.tables:
        if not table.collapsed:
            _table(pdf, table)
    for note in section.notes:
        _paragraph(pdf, note, 7.5, muted=True)


def _tiles(pdf: FPDF, tiles: tuple[Tile, ...]) -> None:
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / TILES_PER_ROW
    height = 21.0
    for start in range(0, len(tiles), TILES_PER_ROW):
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.get_y()
        for n, tile in enumerate(tiles[start : start + TILES_PER_ROW]):
            left = pdf.l_margin + n * width
            pdf.set_draw_color(208, 215, 222)
            pdf.rect(left + 0.5, top, width - 1.5, height - 1.5)
            pdf.set_xy(left + 2, top + 1.5)
            pdf.set_font("Helvetica", "", 8)
            pdf.set_text_color(*MUTED)
            pdf.cell(width - 5, 4, _fit(pdf, tile.label, width - 5))
            pdf.set_xy(left + 2, top + 6)
            pdf.set_font("Helvetica", "B", 15)
            pdf.set_text_color(*INK)
            pdf.cell(width - 5, 7, plain(tile.value.text))
            pdf.set_font("Helvetica", "", 7)
            pdf.set_text_color(*MUTED)
            for offset, text in ((13.5, tile.detail), (16.5, tile.change)):
                if text:
                    pdf.set_xy(left + 2, top + offset)
                    pdf.cell(width - 5, 3, _fit(pdf, text, width - 5))
        pdf.set_text_color(*INK)
        pdf.set_xy(pdf.l_margin, top + height)
    pdf.ln(1)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    shown = plain(text)
    while shown and pdf.get_string_width(shown) > width:
        shown = shown[:-2] + "…"
    return shown


def _chart(pdf: FPDF, chart: Chart) -> None:
    png = chart_png(chart.spec)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if pdf.get_y() + 70 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width * 0.85, alt_text=plain(chart.description))
    pdf.ln(2)


def chart_png(spec: Json) -> bytes:
    """The chart as the page draws it, at a fixed width (the page's is its container's)."""
    png: bytes = vl_convert.vegalite_to_png(_fixed_width(spec), scale=2)
    return png


def _fixed_width(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: CHART_WIDTH if k == "width" and v == "container" else _fixed_width(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fixed_width(v) for v in value]
    return value


def _table(pdf: FPDF, table: Table) -> None:
    if pdf.get_y() + 25 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font("Helvetica", "B", 9)
    pdf.multi_cell(0, 5, plain(table.title), new_x="LMARGIN", new_y="NEXT")
    if not table.rows:
        _paragraph(pdf, table.empty, 8, muted=True)
        return
    pdf.set_font("Helvetica", "", 7.5)
    widths = tuple(1.0 if c.numeric else 2.2 for c in table.columns)
    heading = FontFace(emphasis="BOLD", fill_color=(238, 242, 246))
    align = tuple("RIGHT" if c.numeric else "LEFT" for c in table.columns)
    with pdf.table(
        col_widths=widths,
        text_align=align,
        headings_style=heading,
        line_height=3.8,
        borders_layout="HORIZONTAL_LINES",
        padding=0.8,
    ) as grid:
        head = grid.row()
        for column in table.columns:
            head.cell(plain(column.label))
        for row in table.rows:
            line = grid.row()
            for cell in row:
                line.cell(plain(_text(cell)))
    if table.note:
        _paragraph(pdf, table.note, 7, muted=True)
    pdf.ln(2)


def _text(cell: Cell) -> str:
    return cell.text if cell.text or cell.value is None else str(cell.value)
