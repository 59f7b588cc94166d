"""Breakdowns by an event's own attribute (metrics/attributes.py): downloads by format, public views
by referrer and viewer country (sensitive), profile adds by platform, failed deliveries by reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from credlens.domain.query import parse_query
from credlens.metrics.runner import run
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.metrics.test_programs_recipients_market import Events, day

ONLY = frozenset(
    {
        "downloads_by_format",
        "public_views_by_referrer",
        "public_views_by_country",
        "profile_adds_by_platform",
        "delivery_failures_by_reason",
    }
)


def _events() -> list[dict[str, Any]]:
    """12 credentials of p1 in January (c0-c11) and one of p2 (q0); events in January unless said."""
    ev = Events("at-")
    for n in range(12):
        ev.issue(f"c{n}", day(1, 2), f"person{n}", "p1")
    ev.issue("q0", day(1, 2), "other", "p2")
    for n in range(7):
        ev.add("credential.downloaded", day(1, 3), f"c{n}", format="pdf")
    ev.add("credential.downloaded", day(1, 3), "c7", format="png")
    ev.add("credential.downloaded", day(2, 3), "c8", format="png")  # February: outside the window
    ev.add("credential.downloaded", day(1, 3), "q0", format="png")  # another program: outside the scope
    seen = {"actor": "public", "referrer_domain": "linkedin.com", "country": "DE"}
    for n in range(6):  # 6 recipients' credentials viewed from linkedin.com in DE, twice each
        for _ in range(2):
            ev.add("credential.viewed", day(1, 4), f"c{n}", **seen)
    ev.add("credential.viewed", day(1, 4), "c6", actor="public", referrer_domain="small.example", country="NZ")
    ev.add("credential.viewed", day(1, 4), "c7", actor="public")  # no referrer, no country: unknown
    ev.add("credential.viewed", day(1, 4), "c8", actor="owner", referrer_domain="mail.example", country="FR")
    ev.add("credential.profile_added", day(1, 5), "c0", platform="linkedin")
    ev.add("credential.profile_added", day(1, 5), "c1")  # linkedin by default (events.md)
    ev.add("credential.profile_added", day(1, 5), "c2", platform="xing")
    ev.add("credential.delivery_failed", day(1, 2), "c9", reason="bounced")
    ev.add("credential.delivery_failed", day(1, 2), "c10", reason="bounced")
    ev.add("credential.delivery_failed", day(1, 2), "c11")  # "other" by default
    return ev.items


def _run(warehouse: Warehouse, k: int) -> dict[str, Any]:
    issuer, _ = warehouse.create_issuer("attrs", "Attributes Academy")
    assert ingest(warehouse, issuer, _events()).rejections == []
    query = parse_query(
        "attrs", "UTC", date_from="2026-01-01", date_to="2026-01-31", programs=("p1",), today=dt.date(2026, 6, 1)
    )
    metrics: dict[str, Any] = run(query, warehouse.tables(issuer.issuer_id), k=k, only=ONLY)["metrics"]
    return metrics


def _pairs(metric: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(r["key"], r["value"]) for r in metric["rows"]]


def test_each_attribute_is_reported_for_the_window_and_scope(warehouse: Warehouse) -> None:
    m = _run(warehouse, k=5)
    assert _pairs(m["downloads_by_format"]) == [("pdf", 7), ("png", 1)]
    assert _pairs(m["profile_adds_by_platform"]) == [("linkedin", 2), ("xing", 1)]
    assert _pairs(m["delivery_failures_by_reason"]) == [("bounced", 2), ("other", 1)]
    # public views only (the owner's view from mail.example is not one); one recipient each for the
    # small cells: sensitive, so hidden. Two hidden cells named, each holding one view at least, would be
    # given exactly by the total (14 - 12 = 2 = 1 + 1): the largest cell is hidden too (privacy.md)
    assert _pairs(m["public_views_by_referrer"]) == [("linkedin.com", None), ("small.example", None), ("unknown", None)]
    assert _pairs(m["public_views_by_country"]) == [("DE", None), ("NZ", None), ("unknown", None)]
    assert m["public_views_by_country"]["rows"][1]["suppressed"] is True


def test_a_larger_k_hides_every_small_viewer_cell(warehouse: Warehouse) -> None:
    m = _run(warehouse, k=7)
    assert _pairs(m["public_views_by_country"]) == [("DE", None), ("NZ", None), ("unknown", None)]
    assert _pairs(m["downloads_by_format"]) == [("pdf", 7), ("png", 1)]  # not sensitive
