"""`compared`: a run computes some of its metrics in the comparison window only (issue 16, the
Executive page's regression): those get a change, the others none, and the insights are the same."""

from __future__ import annotations

from credlens.domain.issuers import Issuer
from credlens.insights import engine
from credlens.metrics.runner import run_for
from credlens.store.warehouse import Warehouse
from credlens.web.dashboards import _covers
from tests.conftest import ingest
from tests.metrics.test_renewals_designs import design_events, follow, issued

WINDOW = {"date_from": "2026-03-01", "date_to": "2026-03-31", "compare": "previous"}


def test_only_the_compared_metrics_run_in_the_comparison_window(warehouse: Warehouse, issuer: Issuer) -> None:
    before = [issued(f"b{k}", "p", "2026-02-05T10:00:00Z", design="modern") for k in range(40)]
    before += [follow("credential.shared", f"b{k}", "2026-02-06T10:00:00Z", channel="email") for k in range(5)]
    assert ingest(warehouse, issuer, design_events() + before).rejections == []
    tables = warehouse.tables(issuer.issuer_id)
    full = run_for(issuer, tables, only=engine.METRICS, **WINDOW)  # type: ignore[arg-type]
    part = run_for(issuer, tables, only=engine.METRICS, compared=engine.COMPARED, **WINDOW)  # type: ignore[arg-type]
    assert set(part["comparison"]["metrics"]) == engine.METRICS & engine.COMPARED
    assert "designs" in part["metrics"]
    assert all("change" not in row for row in part["metrics"]["designs"]["rows"])
    assert part["metrics"]["share_rate"]["change"] == full["metrics"]["share_rate"]["change"]
    assert {k: v for k, v in part["metrics"].items() if k in engine.COMPARED} == {
        k: v for k, v in full["metrics"].items() if k in engine.COMPARED
    }
    assert engine.find(part) == engine.find(full)
    assert engine.find(part)  # something to compare: modern's share rate and issuance moved


def test_a_run_covers_another_only_with_its_comparisons() -> None:
    wide = {"only": frozenset({"a", "b", "c"}), "compared": frozenset({"a", "b"})}
    assert _covers(wide, {"only": frozenset({"a"})})  # a is compared there
    assert not _covers(wide, {"only": frozenset({"c"})})  # c is not
    assert _covers(wide, {"only": frozenset({"a", "c"}), "compared": frozenset({"a"})})
    assert not _covers(wide, {"only": frozenset({"d"})})
    assert _covers({"only": None}, {"only": frozenset({"d"})})
    assert not _covers({"only": None, "compared": frozenset({"a"})}, {})
