"""The metrics JSON of the runner on the small demo, kept as fixtures (tests/metrics/fixtures/runner/).

Every demo issuer × every preset × filters (none, one program, a kind, a department, a custom funnel,
compare=previous and compare=year), custom windows crossing daylight-saving changes, and the partial
runs (`only`, `compared`) the pages and reports ask for. `generated_at` is left out; the rest is
written as `canonical` renders it, so a test can ask for byte-identical output.

Regenerate (only when a metric's definition changes, which is a versioned change: CHANGELOG.md):
`python -m tests.metrics.runner_fixtures`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from credlens.domain.issuers import Issuer
from credlens.domain.periods import Preset
from credlens.insights import engine
from credlens.metrics.runner import run_for
from credlens.reports import compare, executive, market, portfolios
from credlens.reports import programs as program_report
from credlens.store.catalog import programs
from credlens.store.warehouse import Warehouse

TODAY = dt.date(2026, 11, 20)  # the demo's last day: the fixtures do not drift with the date
FIXTURES = Path(__file__).parent / "fixtures" / "runner"
FUNNEL = "issued,delivered,opened,downloaded,profile_added"
PROBE = frozenset({"issued", "verifications"})
# (name, only, compared): the partial runs of the surfaces (web/dashboards.py, reports/, insights/).
PARTIAL: tuple[tuple[str, frozenset[str], frozenset[str] | None], ...] = (
    ("tiles", executive.FIXED_METRICS, None),
    ("issued", frozenset({"issued"}), None),
    ("insights", engine.METRICS | PROBE, engine.COMPARED | PROBE),
    (
        "programs_page",
        program_report.METRICS | engine.METRICS | PROBE,
        program_report.METRICS | engine.COMPARED | PROBE,
    ),
    ("market", market.METRICS | PROBE, None),
    ("portfolios", portfolios.METRICS | PROBE, None),
    ("compare", compare.METRICS | compare.DESIGN_METRICS, None),
)
# Windows crossing daylight-saving changes (spring: US 8 Mar, EU 29 Mar, Sydney 5 Apr; autumn:
# Sydney 4 Oct, EU 25 Oct, US 1 Nov).
CUSTOM = (("2026-03-01", "2026-04-30"), ("2026-10-01", "2026-11-15"))


def build(data: Path) -> Warehouse:
    """The small demo with its events ending on TODAY, through the real ingestion path."""
    from credlens.cli.demo import build_demo  # noqa: PLC0415

    store = Warehouse(data)
    build_demo(store, "small", today=TODAY)
    return store


def cases(store: Warehouse, issuer: Issuer) -> Iterator[dict[str, Any]]:
    """The issuer's cases: the parameters of `run_for`, `only` and `compared` (None: all)."""
    catalog = programs(store.tables(issuer.issuer_id))
    program = catalog[0].program_id
    department = next((p.department for p in catalog if p.department), None)
    for preset in Preset:
        p = preset.value
        yield {"params": {"period": p}}
        yield {"params": {"period": p, "programs": [program]}}
        yield {"params": {"period": p, "kind": "badge"}}
        if department is not None:
            yield {"params": {"period": p, "department": department}}
        yield {"params": {"period": p, "funnel": FUNNEL}}
        if preset is not Preset.ALL:
            yield {"params": {"period": p, "compare": "previous"}}
            yield {"params": {"period": p, "compare": "year", "programs": [program]}}
    for date_from, date_to in CUSTOM:
        window = {"date_from": date_from, "date_to": date_to}
        yield {"params": {**window, "compare": "previous"}}
        yield {"params": {**window, "interval": "day", "kind": "certificate"}}
    for name, only, compared in PARTIAL:
        for p in ("30d", "last_quarter", "all"):
            params = {"period": p} if p == "all" or name == "tiles" else {"period": p, "compare": "previous"}
            yield {"partial": name, "params": params, "only": sorted(only), "compared": compared and sorted(compared)}


def result(store: Warehouse, case: dict[str, Any]) -> Any:
    """The case's metrics JSON, without `generated_at`."""
    issuer = store.issuer(case["issuer"])
    assert issuer is not None
    only = None if case.get("only") is None else frozenset(case["only"])
    compared = None if case.get("compared") is None else frozenset(case["compared"])
    params = {**case["params"], "today": TODAY}
    found = run_for(issuer, store.tables(issuer.issuer_id), only=only, compared=compared, **params)
    del found["query"]["generated_at"]
    return found


def canonical(value: Any) -> str:
    """One rendering for comparing bytes: sorted keys, Python's float repr."""
    return json.dumps(value, sort_keys=True, default=str)


def load(slug: str) -> list[dict[str, Any]]:
    with gzip.open(FIXTURES / f"{slug}.json.gz", "rt", encoding="utf-8") as f:
        found: list[dict[str, Any]] = json.load(f)
    return found


def main() -> None:
    import tempfile  # noqa: PLC0415

    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp) / "data")
        try:
            for issuer in sorted(store.issuers(), key=lambda i: i.slug):
                rows = []
                for found in cases(store, issuer):
                    case = {"issuer": issuer.slug, **found}
                    rows.append({**case, "result": json.loads(canonical(result(store, case)))})
                text = "[\n" + ",\n".join(canonical(row) for row in rows) + "\n]\n"
                with gzip.GzipFile(FIXTURES / f"{issuer.slug}.json.gz", "wb", mtime=0) as f:
                    f.write(text.encode())
                print(issuer.slug, len(rows), "cases")
        finally:
            store.close()


if __name__ == "__main__":
    main()
