"""`credlens report`: writes the report as PDF, XLSX or Markdown; one-line errors like `credlens query`."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store.warehouse import Warehouse
from tests.reports.board import build_board

runner = CliRunner()
WINDOW = ["--from", "2026-01-01", "--to", "2026-01-31"]
SENTENCE = "18 of 30 opened; 10 of those downloaded; 5 shared on LinkedIn; 2 added it to their profile."


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli-report") / "data"
    build_board(path)
    return str(path)


def test_report_writes_each_format(data_dir: str, tmp_path: Path) -> None:
    for fmt in ("md", "pdf", "xlsx"):
        target = tmp_path / f"board.{fmt}"
        args = ["report", "--issuer", "crowd", *WINDOW, "--program", "p1", "--format", fmt, "-o", str(target)]
        result = runner.invoke(app, [*args, "--data-dir", data_dir])
        assert result.exit_code == 0, result.output
        assert "Crowd College: credential report · programs p1" in result.stderr
    assert SENTENCE in (tmp_path / "board.md").read_text()
    assert (tmp_path / "board.pdf").read_bytes().startswith(b"%PDF-")
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "board.xlsx").read_bytes()))
    assert book["Summary"]["A1"].value == "Crowd College: credential report · programs p1"
    store = Warehouse(Path(data_dir))
    try:
        issuer = store.issuer("crowd")
        assert issuer is not None
        exports = [e.detail for e in store.audit_entries(issuer.issuer_id) if (e.actor, e.action) == ("cli", "export")]
    finally:
        store.close()
    assert "report PDF (2026-01-01 to 2026-01-31, against the window before)" in exports


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "30d", *WINDOW, "--format", "md"], "--period or --from/--to, not both"),
        (["--format", "md"], "a window is needed"),
        (["--period", "fortnight", "--format", "md"], "--period:"),
        (["--period", "30d", "--format", "docx"], "--format: must be one of pdf, xlsx, md"),
        (["--period", "30d", "--format", "md", "--compare", "never"], "--compare: must be one of previous, year"),
        (["--period", "30d", "--format", "md", "--program", "nope"], "--program: unknown program(s) nope"),
    ],
)
def test_report_refuses_bad_input_in_one_line(data_dir: str, tmp_path: Path, args: list[str], message: str) -> None:
    target = tmp_path / "out.md"
    result = runner.invoke(app, ["report", "--issuer", "crowd", *args, "-o", str(target), "--data-dir", data_dir])
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()


def test_report_names_an_unknown_issuer(data_dir: str, tmp_path: Path) -> None:
    args = ["report", "--issuer", "nobody", "--period", "30d", "--format", "md", "-o", str(tmp_path / "x.md")]
    result = runner.invoke(app, [*args, "--data-dir", data_dir])
    assert result.exit_code == 1
    assert "unknown issuer 'nobody' (known: crowd)" in result.stderr
