"""A dashboard value (a report, a page) as a PDF (fpdf2): headline numbers as boxes, each chart as a
PNG drawn from the page's own Vega-Lite spec (vl-convert), every table, the notes; the data of the
charts last, so a chart is never the only way to read a number.

The text uses the PDF core font (Helvetica, Windows-1252): no font file to ship or find; the few
characters it lacks are written the way a typewriter would ("→" as "->").
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import vl_convert
from fpdf import FPDF

from credlens.reports.view import Cell, Chart, Dashboard, Section, Table, Tile

Json = dict[str, Any]
ACCENT = (11, 92, 173)  # the stylesheet's accent (charts.ACCENT)
MUTED = (87, 96, 106)
INK = (27, 31, 36)
CHART_WIDTH = 640  # pixels of the chart's plot, fitted to the page
SCALE = 1.5  # ~170 dpi on the page
DRAWING = ThreadPoolExecutor(2, thread_name_prefix="credlens-chart")  # vl-convert draws outside the GIL
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
    charts = [chart for section in document.sections for chart in section.charts]
    pngs = dict(zip((c.id for c in charts), DRAWING.map(chart_png, [c.spec for c in charts]), strict=True))
    chart_data: list[Table] = []
    for section in document.sections:
        _section(pdf, section, pngs)
        chart_data += [t for t in section.tables if t.collapsed]
    if chart_data:
        _heading(pdf, "Chart data")
        _paragraph(pdf, "The numbers each chart above is drawn from.")
        for table in chart_data:
            _table(pdf, table)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 70:  # no heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 13)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 7, plain(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1)


def _paragraph(pdf: FPDF, text: str, size: float = 9, muted: bool = False) -> None:
    style = "I" if muted else ""
    line = size * 0.45
    if muted:
        pdf.set_text_color(*MUTED)
    for words in _wrap(pdf, plain(text), pdf.epw, style, size):
        if pdf.get_y() + line > pdf.page_break_trigger:
            pdf.add_page()
        pdf.set_font("Helvetica", style, size)
        pdf.text(pdf.l_margin, pdf.get_y() + 0.78 * line, words)
        pdf.set_y(pdf.get_y() + line)
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _section(pdf: FPDF, section: Section, pngs: dict[str, bytes]) -> None:
    _heading(pdf, section.title)
    if section.intro:
        _paragraph(pdf, section.intro, 10)
    if section.tiles:
        _tiles(pdf, section.tiles)
    for chart in section.charts:
        _chart(pdf, chart, pngs[chart.id])
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


def _chart(pdf: FPDF, chart: Chart, png: bytes) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if pdf.get_y() + 70 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width * 0.85, alt_text=plain(chart.description))
    pdf.ln(2)


def chart_png(spec: Json) -> bytes:
    """The chart as the page draws it, at a fixed width (the page's is its container's)."""
    png: bytes = vl_convert.vegalite_to_png(_fixed_width(spec), scale=SCALE)
    return png


def _fixed_width(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: CHART_WIDTH if k == "width" and v == "container" else _fixed_width(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fixed_width(v) for v in value]
    return value


LINE = 3.4  # mm per line of a table cell at TABLE_SIZE
PAD = 1.4
TABLE_SIZE = 7.5


def _table(pdf: FPDF, table: Table) -> None:
    """A table drawn line by line with the core font's own metrics (fpdf2's table shapes each cell's
    text twice, most of a report's time: docs/performance.md)."""
    if pdf.get_y() + 25 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font("Helvetica", "B", 9)
    pdf.multi_cell(0, 5, plain(table.title), new_x="LMARGIN", new_y="NEXT")
    if not table.rows:
        _paragraph(pdf, table.empty, 8, muted=True)
        return
    weights = [_weight(table, n) for n in range(len(table.columns))]
    widths = [pdf.epw * w / sum(weights) for w in weights]
    right = [c.numeric for c in table.columns]
    header = [_wrap(pdf, plain(c.label), w - 2 * PAD, "B") for c, w in zip(table.columns, widths, strict=True)]
    _grid_row(pdf, header, widths, right, bold=True)
    for row in table.rows:
        cells = [_wrap(pdf, plain(_text(cell)), w - 2 * PAD) for cell, w in zip(row, widths, strict=True)]
        if pdf.get_y() + len(max(cells, key=len)) * LINE + 2 * PAD > pdf.page_break_trigger:
            pdf.add_page()
            _grid_row(pdf, header, widths, right, bold=True)  # the header again on the new page
        _grid_row(pdf, cells, widths, right)
    pdf.ln(1)
    if table.note:
        _paragraph(pdf, table.note, 7, muted=True)
    pdf.ln(1.5)


def _grid_row(pdf: FPDF, cells: list[list[str]], widths: list[float], right: list[bool], bold: bool = False) -> None:
    height = max(len(lines) for lines in cells) * LINE + 2 * PAD
    top, left = pdf.get_y(), pdf.l_margin
    if bold:
        pdf.set_fill_color(238, 242, 246)
        pdf.rect(left, top, pdf.epw, height, style="F")
    pdf.set_font("Helvetica", "B" if bold else "", TABLE_SIZE)
    font = pdf.current_font
    for lines, width, to_right in zip(cells, widths, right, strict=True):
        for n, line in enumerate(lines):
            x = left + PAD
            if to_right:
                x = left + width - PAD - _width(font, line, TABLE_SIZE) / pdf.k
            pdf.text(x, top + PAD + (n + 0.78) * LINE, line)
        left += width
    pdf.set_draw_color(208, 215, 222)
    pdf.line(pdf.l_margin, top + height, pdf.l_margin + pdf.epw, top + height)
    pdf.set_y(top + height)


def _width(font: Any, text: str, size: float) -> float:
    """Width in points of ``text`` in a core font (its table of widths, per 1000 units)."""
    widths = font.cw
    return float(sum(widths.get(c, 500) for c in text)) * size / 1000


def _wrap(pdf: FPDF, text: str, width: float, style: str = "", size: float = TABLE_SIZE) -> list[str]:
    """``text`` in lines no wider than ``width`` mm, broken between words (a longer word is cut)."""
    pdf.set_font("Helvetica", style, size)
    font, limit = pdf.current_font, width * pdf.k
    if _width(font, text, size) <= limit:
        return [text]
    lines: list[str] = []
    current = ""
    for whole in text.split(" "):
        word = whole
        candidate = f"{current} {word}" if current else word
        if _width(font, candidate, size) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        while _width(font, word, size) > limit and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _width(font, word[:cut], size) > limit:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines or [""]


def _weight(table: Table, n: int) -> float:
    """A column's share of the width: its longest cell, within bounds (a header wraps by words)."""
    longest_word = max((len(w) for w in table.columns[n].label.split()), default=4)
    longest_cell = max((len(_text(row[n])) for row in table.rows), default=4)
    return float(min(max(longest_word + 2, longest_cell, 7), 42))


def _text(cell: Cell) -> str:
    return cell.text if cell.text or cell.value is None else str(cell.value)
