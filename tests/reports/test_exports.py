"""CSV renderings hold the raw values, `suppressed` where the page says so, and never a formula."""

from __future__ import annotations

from credlens.reports import exports
from credlens.reports.view import Cell, Column, Dashboard, Section, Table, Tile


def _dashboard() -> Dashboard:
    table = Table(
        "outcomes",
        "Outcomes",
        (Column("key", "Outcome", numeric=False), Column("value", "Reports")),
        (
            (Cell("new_job", "new_job"), Cell(57, "57")),
            (Cell("=cmd()", "=cmd()"), Cell(None, "suppressed", suppressed=True)),
            (Cell("raise", "raise"), Cell(None, "n/a")),
        ),
    )
    tile = Tile("issued", "Issued", Cell(43, "43"), "credentials issued", period="30d")
    return Dashboard("x", "X", "", {}, (Section("s", "S", tiles=(tile,), tables=(table,)),))


def test_one_table_as_shown() -> None:
    table = _dashboard().table("outcomes")
    assert table is not None
    assert exports.table_csv(table) == "key,value\nnew_job,57\n'=cmd(),suppressed\nraise,\n"


def test_the_whole_page_in_long_form() -> None:
    lines = exports.dashboard_csv(_dashboard()).splitlines()
    assert lines[:3] == ["section,table,row,column,value", "s,tiles,issued@30d,value,43", "s,outcomes,1,key,new_job"]
    assert "s,outcomes,2,value,suppressed" in lines
    assert len(lines) == 1 + 1 + 6


def test_a_suppressed_row_keeps_its_key_and_hides_its_numbers() -> None:
    from credlens.reports.blocks import Spec, rows_table  # noqa: PLC0415

    rows = [
        {"key": "female", "value": 12},
        {"key": "non_binary", "value": None, "recipients": None, "suppressed": True},
    ]
    table = rows_table("d", "D", rows, (Spec("key", "Value", "text"), Spec("value", "Recipients")))
    assert exports.table_csv(table) == "key,value\nfemale,12\nnon_binary,suppressed\n"
