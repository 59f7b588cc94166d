"""The report (docs/reports.md) read back: the PDF by text extraction (pypdf), the XLSX by openpyxl, the
Markdown as text; each holds the numbers `GET /api/v1/stats` answers for the same query, suppressed
cells as the screen shows them, and the PDF's pages render."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pypdfium2
import pytest
from fastapi.testclient import TestClient

from credlens.config import Settings
from credlens.delivery.report import Report, ReportRequest, build_report, render
from credlens.domain.query import QueryError
from credlens.insights.engine import run_for as insight_run
from credlens.reports.report import NOT_RELEASED, guide_sentence
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app
from tests.cli.test_insights import store_with_a_difference
from tests.reports.board import FUNNEL, SUPPRESSED, WINDOW, build_board
from tests.web.conftest import BASE_URL, TEST_SECRET

Json = dict[str, Any]
REQUEST = ReportRequest(period=None, date_from=WINDOW["from"], date_to=WINDOW["to"], compare=WINDOW["compare"])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Json]:
    """The report of the hand-built issuer, and the stats API's answer for the same query."""
    data_dir = tmp_path_factory.mktemp("board") / "data"
    issuer, keys = build_board(data_dir)
    store = Warehouse(data_dir)
    try:
        report = build_report(issuer, store.tables(issuer.issuer_id), REQUEST, warehouse=store)
    finally:
        store.close()
    settings = Settings(data_dir=data_dir, environment="test", secret_key=TEST_SECRET)
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        got = client.get(
            "/api/v1/stats", params={**WINDOW, "funnel": FUNNEL}, headers={"Authorization": f"Bearer {keys.read}"}
        )
    assert got.status_code == 200
    return report, got.json()


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)


def test_the_interface_names_the_report(built: tuple[Report, Json]) -> None:
    report, _ = built
    assert report.title == "Crowd College: credential report"
    assert report.period_label == "2026-01-01 to 2026-01-31, against the window before"
    assert report.filename("pdf") == "credlens-crowd-report-2026-01-01-2026-01-31.pdf"
    assert ReportRequest().period == "30d"  # the project's preset name


def test_the_funnel_is_told_in_the_guides_words(built: tuple[Report, Json]) -> None:
    report, stats = built
    steps = {s["step"]: s["value"] for s in stats["metrics"]["funnel"]["steps"]}
    assert steps == {"issued": 30, "opened": 18, "downloaded": 10, "shared_linkedin": 5, "profile_added": 2}
    sentence = "18 of 30 opened; 10 of those downloaded; 5 shared on LinkedIn; 2 added it to their profile."
    assert guide_sentence(stats["metrics"]["funnel"]["steps"]) == sentence
    assert sentence in render(report, "md").decode()
    assert sentence in pdf_text(render(report, "pdf")).replace("\n", " ")


def test_the_pdf_holds_the_numbers_of_the_stats_api(built: tuple[Report, Json]) -> None:
    report, stats = built
    m = stats["metrics"]
    text = pdf_text(render(report, "pdf"))
    lines = text.splitlines()
    for metric in ("issued", "unique_recipients", "new_recipients", "verifications", "hires"):
        assert f"{m[metric]['value']:,}" in text, metric
    rate = m["verification_rate"]
    assert f"{rate['value'] * 100:.1f} %" in text
    assert f"{rate['numerator']} of {rate['denominator']}" in text
    # career outcomes: the shown cell as its value, the suppressed ones as the screen says them
    new_job = next(r for r in m["career_outcomes"]["rows"] if r["key"] == "new_job")
    assert any(line.startswith(f"New job {new_job['value']}") for line in lines), lines
    for label in SUPPRESSED:
        assert any(line.startswith(f"{label} suppressed") for line in lines), label
    # shares by channel: count and rate of each channel with shares
    linkedin = next(line for line in lines if line.startswith("LinkedIn "))
    rate_text = f"{m['share_rate_linkedin']['value'] * 100:.1f} %"
    assert linkedin.startswith(f"LinkedIn {m['shared_linkedin']['value']} {rate_text}")
    for heading in ("Programs side by side", "Definitions of the numbers used", "Verification and hires"):
        assert heading in text


def test_the_xlsx_holds_numbers_as_numbers(built: tuple[Report, Json]) -> None:
    report, stats = built
    m = stats["metrics"]
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))
    tiles = book["Summary"].iter_rows(min_row=5)
    summary = {row[1].value: row[3] for row in tiles if row[1].value and not row[6].value}  # the window's own
    for metric in ("issued", "unique_recipients", "new_recipients", "verifications", "verification_rate", "view_rate"):
        cell = summary[metric]
        assert cell.value == m[metric]["value"], metric
        assert cell.data_type == "n"
    assert summary["verification_rate"].number_format == "0.0%"
    assert summary["issued"].number_format == "#,##0"
    outcomes = {row[0].value: row[1].value for row in book["career_outcomes"].iter_rows(min_row=4)}
    assert outcomes["New job"] == 13
    assert all(outcomes[label] == "suppressed" for label in SUPPRESSED)
    funnel = [row[1].value for row in book["funnel"].iter_rows(min_row=4)]
    assert funnel == [s["value"] for s in m["funnel"]["steps"]]
    assert book["funnel"]["C5"].value == "18 of 30 issued opened it (60\u00a0%)"  # a text column stays text
    channels = {row[0].value: (row[1].value, row[2]) for row in book["share_rate_by_channel"].iter_rows(min_row=4)}
    assert channels["LinkedIn"][0] == m["shared_linkedin"]["value"]
    assert channels["LinkedIn"][1].value == pytest.approx(m["share_rate_linkedin"]["value"])
    assert channels["LinkedIn"][1].number_format == "0.0%"
    assert {"Summary", "issued_windows", "programs", "definitions"} <= set(book.sheetnames)


def test_the_markdown_is_a_message_body(built: tuple[Report, Json]) -> None:
    report, stats = built
    text = render(report, "md").decode()
    assert text.startswith("# Crowd College: credential report\n")
    assert f"**Credentials issued**: {stats['metrics']['issued']['value']}" in text
    assert "| Raise | suppressed |" in text
    assert "## Definitions" in text


def test_a_pdf_page_renders(built: tuple[Report, Json]) -> None:
    report, _ = built
    document = pypdfium2.PdfDocument(render(report, "pdf"))
    try:
        assert len(document) >= 2
        image = document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    dark = sum(image.histogram()[:128])
    assert dark > 2000  # text and boxes drawn, not a blank page


def test_a_bad_window_names_its_parameter(tmp_path: Path) -> None:
    issuer, _ = build_board(tmp_path / "data")
    store = Warehouse(tmp_path / "data")
    try:
        with pytest.raises(QueryError) as refused:
            build_report(issuer, store.tables(issuer.issuer_id), ReportRequest(period="fortnight"))
        assert refused.value.field == "period"
        with pytest.raises(QueryError) as unknown:
            build_report(issuer, store.tables(issuer.issuer_id), ReportRequest(programs=("nope",)))
        assert unknown.value.field == "program"
    finally:
        store.close()


def test_top_findings_and_benchmarks_appear_where_they_exist(tmp_path: Path) -> None:
    """p1's credentials all verified, p2's none: a tested finding; an industry with published averages."""
    data_dir = Path(store_with_a_difference(tmp_path))
    store = Warehouse(data_dir)
    try:
        issuer = store.issuer("acme")
        assert issuer is not None
        store.set_industry(issuer.issuer_id, "bootcamp", actor="cli")
        issuer = store.issuer("acme")
        assert issuer is not None
        request = ReportRequest(period=None, date_from="2026-02-01", date_to="2026-02-28")
        found = insight_run(issuer, store.tables(issuer.issuer_id), date_from="2026-02-01", date_to="2026-02-28")
        with_store = render(build_report(issuer, store.tables(issuer.issuer_id), request, warehouse=store), "md")
        without = render(build_report(issuer, store.tables(issuer.issuer_id), request), "md")
    finally:
        store.close()
    text = with_store.decode()
    assert found["insights"]
    assert "## Top findings" in text
    assert found["insights"][0]["finding"] in text
    assert "## Benchmarks" in text
    assert NOT_RELEASED in text  # published averages alone: a report makes no peer release
    assert "## Benchmarks" not in without.decode()
