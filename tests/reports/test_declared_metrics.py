"""Each dashboard declares the metrics it reads (its run computes only those): a page built from the
FULL result must read nothing outside its declaration, or a narrowed run would miss a number."""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest

from credlens.domain.issuers import Issuer
from credlens.domain.query import parse_query
from credlens.insights import engine
from credlens.metrics.registry import REGISTRY
from credlens.metrics.runner import run
from credlens.reports import compare, executive, market, portfolios, programs
from credlens.reports import insights as insight_page
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.metrics.test_programs_recipients_market import BERLIN, crowd_events, january, portfolio_events


class Reads(dict[str, Any]):
    """A metrics dict that remembers which metrics were read."""

    seen: set[str]

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)

    def __iter__(self) -> Any:
        self.seen.add("* every metric *")
        return super().__iter__()

    def items(self) -> Any:
        self.seen.add("* every metric *")
        return super().items()


def recording(result: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    result = copy.deepcopy(result)
    for part in (result, result.get("comparison")):
        if part is not None:
            part["metrics"] = Reads(part["metrics"])
            part["metrics"].seen = seen
    return result


PAGES: dict[str, tuple[frozenset[str], Callable[[dict[str, Any]], Any]]] = {
    "programs": (programs.METRICS, lambda r: programs.build(r, 10)),
    "market": (market.METRICS, market.build),
    "insights": (engine.METRICS, lambda r: insight_page.build(r, engine.find(r), [])),
    "portfolios": (portfolios.METRICS, lambda r: portfolios.build(r, 10)),
    "compare": (compare.METRICS, lambda r: compare.build([("a", "A", r), ("b", "B", r)], "program")),
    "executive": (
        executive.METRICS,
        lambda r: executive.build(r, {p: r for p, _ in executive.FIXED_WINDOWS}, 10),
    ),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_page_reads_only_the_metrics_it_declares(warehouse: Warehouse, page: str) -> None:
    issuer: Issuer = warehouse.create_issuer("berlin", "Berlin Academy", timezone=BERLIN)[0]
    events = portfolio_events() + crowd_events()
    random.Random(5).shuffle(events)
    assert ingest(warehouse, issuer, events).rejections == []
    full = run(january(compare="previous"), warehouse.tables(issuer.issuer_id))
    declared, build = PAGES[page]
    seen: set[str] = set()
    build(recording(full, seen))
    assert seen, "the page read no metric: the recorder is not in the way"
    assert seen <= declared, sorted(seen - declared)
    narrowed = run(january(compare="previous"), warehouse.tables(issuer.issuer_id), only=declared)
    assert narrowed["metrics"] == {k: v for k, v in full["metrics"].items() if k in declared}
    build(narrowed)  # and the page builds from the narrowed run


def test_each_metric_asked_alone_equals_the_full_run(warehouse: Warehouse) -> None:
    """A run asking one metric takes its own path through the runner (e.g. the issued trend is read
    off the active changes when those are counted, and counted per bucket otherwise; new recipients
    need no holdings): every such path must give the full run's value, comparison included."""
    issuer: Issuer = warehouse.create_issuer("berlin", "Berlin Academy", timezone=BERLIN)[0]
    events = portfolio_events() + crowd_events()
    random.Random(7).shuffle(events)
    assert ingest(warehouse, issuer, events).rejections == []
    tables = warehouse.tables(issuer.issuer_id)
    programs = sorted(r["key"] for r in run(january(), tables)["metrics"]["programs"]["rows"])
    assert len(programs) >= 2  # so that the filter leaves something out
    queries = {  # a month against the one before; all time (its trends start at the first issuance); a filter
        "january": january(compare="previous"),
        "all": parse_query("berlin", BERLIN, period="all", today=dt.date(2026, 6, 1)),
        "one program": january(compare="previous", programs=tuple(programs[:1])),
    }
    for label, query in queries.items():
        full = run(query, tables)
        for metric_id in sorted(REGISTRY):
            alone = run(query, tables, only=frozenset({metric_id}))
            assert alone["metrics"] == {metric_id: full["metrics"][metric_id]}, (label, metric_id)
            if "comparison" in full:
                before = alone["comparison"]["metrics"]
                assert before == {metric_id: full["comparison"]["metrics"][metric_id]}, (label, metric_id)
