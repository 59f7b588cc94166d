"""A dashboard value (a report, a page) as Markdown: the body of an e-mail or a chat message.

Plain enough to read as text: headings, the headline numbers as a list, tables as pipe tables (the
chart data tables are left to the PDF and XLSX), the notes as plain paragraphs.
"""

from __future__ import annotations

from credlens.reports.view import Cell, Dashboard, Section, Table


def render(document: Dashboard, title: str, subtitle: str) -> str:
    lines = [f"# {title}", "", subtitle, ""]
    for section in document.sections:
        lines += _section(section)
    return "\n".join(lines).rstrip() + "\n"


def _section(section: Section) -> list[str]:
    lines = [f"## {section.title}", ""]
    if section.intro:
        lines += [section.intro, ""]
    for tile in section.tiles:
        extra = "; ".join(x for x in (tile.detail, tile.change) if x)
        lines.append(f"- **{tile.label}**: {tile.value.text}" + (f" ({extra})" if extra else ""))
    if section.tiles:
        lines.append("")
    for table in section.tables:
        if not table.collapsed:
            lines += _table(table)
    lines += [f"_{note}_\n" for note in section.notes]
    return lines


def _table(table: Table) -> list[str]:
    lines = [f"**{table.title}**", ""]
    if not table.rows:
        return [*lines, table.empty, ""]
    lines.append("| " + " | ".join(_escape(c.label) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if c.numeric else "---" for c in table.columns) + "|")
    lines += ["| " + " | ".join(_escape(_text(cell)) for cell in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return [*lines, ""]


def _text(cell: Cell) -> str:
    return cell.text if cell.text or cell.value is None else str(cell.value)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
