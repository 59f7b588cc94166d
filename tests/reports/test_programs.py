"""The Programs page's engagement story on a hand-built cohort: the funnel issued → opened →
downloaded → shared on LinkedIn → added to a profile, each step "n of m who ..." (on screen, in
`.json` and `.csv`), the chart with every step of the table, and one meaning for "Change"."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from credlens.domain.issuers import Issuer
from credlens.domain.query import parse_query
from credlens.metrics.runner import run
from credlens.reports import exports, programs
from credlens.reports.view import Dashboard, Table
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.metrics.test_programs_recipients_market import Events, day


def _events() -> list[dict[str, Any]]:
    """January: 10 issued, c0-c5 opened, c0-c3 (and c6, unopened) downloaded, c0-c1 shared on
    LinkedIn (c2 by e-mail), c0 added to a profile. December: 8 issued, 2 opened."""
    ev = Events("st-")
    for n in range(10):
        ev.issue(f"c{n}", day(1, 5), f"jan{n}", "p1")
    for n in range(8):
        ev.issue(f"d{n}", day(12, 5, 2025), f"dec{n}", "p1")
    for n in range(6):
        ev.add("credential.viewed", day(1, 6), f"c{n}", actor="owner")
    for credential in ("d0", "d1"):
        ev.add("credential.viewed", day(12, 6, 2025), credential, actor="owner")
    for credential in ("c0", "c1", "c2", "c3", "c6"):
        ev.add("credential.downloaded", day(1, 7), credential, format="pdf")
    ev.add("credential.shared", day(1, 8), "c0", channel="linkedin")
    ev.add("credential.shared", day(1, 8), "c1", channel="linkedin")
    ev.add("credential.shared", day(1, 8), "c2", channel="email")
    ev.add("credential.profile_added", day(1, 9), "c0")
    ev.add("credential.delivery_failed", day(1, 5), "c9", reason="invalid_address")
    return ev.items


@pytest.fixture
def page(warehouse: Warehouse) -> Dashboard:
    issuer: Issuer
    issuer, _ = warehouse.create_issuer("story", "Story Academy")
    assert ingest(warehouse, issuer, _events()).rejections == []
    query = parse_query(
        "story", "UTC", date_from="2026-01-01", date_to="2026-01-31", compare="previous", today=dt.date(2026, 6, 1)
    )
    result = run(query, warehouse.tables(issuer.issuer_id), programs.FUNNEL, only=programs.METRICS)
    return programs.build(result, 10)


def _table(page: Dashboard, table_id: str) -> Table:
    table = page.table(table_id)
    assert table is not None
    return table


def _texts(table: Table, column: str) -> list[str]:
    n = [c.key for c in table.columns].index(column)
    return [row[n].text for row in table.rows]


def test_the_funnel_tells_each_step_of_the_one_before(page: Dashboard) -> None:
    funnel = _table(page, "funnel")
    assert _texts(funnel, "key") == [
        "Issued",
        "Opened by the owner",
        "Downloaded",
        "Shared on LinkedIn",
        "Added to a profile",
    ]
    assert _texts(funnel, "value") == ["10", "6", "4", "2", "1"]
    assert _texts(funnel, "of") == [
        "",
        "6 of 10 issued opened it (60\u00a0%)",
        "4 of 6 who opened downloaded it (67\u00a0%)",
        "2 of 4 who downloaded shared it on LinkedIn (50\u00a0%)",
        "1 of 2 who shared it on LinkedIn added it to a profile (50\u00a0%)",
    ]
    section = next(s for s in page.sections if s.id == "engagement")
    assert section.intro.startswith(
        "Of 10 credentials issued, 6 opened it; of those, 4 downloaded it, 2 shared it on LinkedIn and 1 added "
        "it to a profile."
    )


def test_of_those_who_opened_is_filled_in_json_and_csv(page: Dashboard) -> None:
    table = _table(page, "of_those_who_opened")
    assert _texts(table, "of") == [
        "6 of 10 issued opened it (60\u00a0%)",
        "4 of 6 who opened downloaded it (67\u00a0%)",
        "3 of 6 who opened shared it (50\u00a0%)",
        "1 of 6 who opened added it to a profile (17\u00a0%)",
    ]
    rows = table.json()["rows"]
    assert [r["of"]["value"] for r in rows] == [10, 6, 6, 6]
    assert [r["metric"]["value"] for r in rows] == [
        "opened",
        "opened_and_downloaded",
        "opened_and_shared",
        "opened_and_profile_added",
    ]
    exported = list(csv.DictReader(io.StringIO(exports.table_csv(table))))
    assert [(r["value"], r["of"], r["share"]) for r in exported] == [
        ("6", "10", "0.6"),
        ("4", "6", "0.666667"),
        ("3", "6", "0.5"),
        ("1", "6", "0.166667"),
    ]


def test_the_funnel_chart_has_every_step_of_the_table(page: Dashboard) -> None:
    chart = next(c for s in page.sections for c in s.charts if c.id == "funnel_chart")
    drawn = [(v["key"], v["value"]) for v in chart.spec["data"]["values"]]
    funnel = _table(page, "funnel")
    assert drawn == [(row[0].text, row[1].value) for row in funnel.rows]
    assert chart.spec["encoding"]["y"]["sort"] == [key for key, _ in drawn]


def test_a_count_changes_by_its_difference_and_a_rate_in_points(page: Dashboard) -> None:
    tiles = {t.metric: t for s in page.sections for t in s.tiles}
    assert tiles["issued"].change == "+2 (+25.0 %) vs previous window"  # 10 against 8
    assert tiles["view_rate"].change == "+35.0 pts vs previous window"  # 60 % against 25 %
    funnel = _table(page, "funnel")
    assert _texts(funnel, "change")[:2] == ["+2 (+25.0 %)", "+4 (+200.0 %)"]
    assert funnel.json()["rows"][0]["change"]["value"] == 2
    reengagement = _table(page, "reengagement")
    assert _texts(reengagement, "change")[-2] == "+35.0 pts"  # opened within 30 days: 6 of 10 against 2 of 8
    assert reengagement.json()["rows"][-2]["change"]["value"] == pytest.approx(0.35)


def test_downloads_profiles_and_failed_deliveries_are_shown_by_what_the_events_say(page: Dashboard) -> None:
    formats = _table(page, "downloads_by_format")
    assert [(row[0].text, row[1].text) for row in formats.rows] == [("PDF", "5")]
    assert formats.json()["rows"][0]["key"]["value"] == "pdf"  # the id stays in .json
    platforms = _table(page, "profile_adds_by_platform")
    assert [(row[0].text, row[1].text) for row in platforms.rows] == [("LinkedIn", "1")]
    failures = _table(page, "delivery_failures_by_reason")
    assert [(row[0].text, row[1].text) for row in failures.rows] == [("Invalid address", "1")]
    assert exports.table_csv(failures).splitlines()[1] == "invalid_address,1,1"  # the change is the difference
    assert _table(page, "public_views_by_country").rows == ()  # no public view in the window
