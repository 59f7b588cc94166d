"""Renewal metrics (`due_for_renewal`, `renewed`, `renewal_rate`, `program_renewals`) and per-design
rates (`designs`) on a hand-built event set, read from the per-credential table; the design through
ingestion and the fold, and a version 6 file upgraded; insights from the store, scoped to programs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from credlens.domain.issuers import Issuer
from credlens.domain.query import parse_query
from credlens.insights.engine import run_for
from credlens.metrics.runner import run
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest, reopened_as_version

WINDOW = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


def issued(n: str, program: str, when: str, expires: str | None = None, design: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"id": f"i-{n}", "type": "credential.issued", "occurred_at": when,
                             "credential_id": n, "program": {"id": program, "name": program.upper()},
                             "recipient": {"id": f"r-{n}"}}  # fmt: skip
    if expires:
        event["expires_at"] = expires
    if design:
        event["design"] = {"id": design, "name": design.title()}
    return event


def follow(kind: str, n: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"{kind}-{n}", "type": kind, "occurred_at": when, "credential_id": n, **fields}


def renewal_events() -> list[dict[str, Any]]:
    """Program a: c1 renewed in March; c2 lapsed in March (expires_at); c3 expired explicitly in March;
    c4 revoked before it would have expired (not due); c5 expires in May (expiring, not due).
    Program b: c6 renewed in March, c7 expires in April. Due in March: a 3 (c1, c2, c3), b 1 (c6)."""
    return [
        issued("c1", "a", "2025-03-01T10:00:00Z", "2026-03-20T00:00:00Z"),
        follow("credential.renewed", "c1", "2026-03-10T10:00:00Z", expires_at="2027-03-20T00:00:00Z"),
        issued("c2", "a", "2025-03-01T10:00:00Z", "2026-03-15T00:00:00Z"),
        issued("c3", "a", "2025-03-01T10:00:00Z"),
        follow("credential.expired", "c3", "2026-03-05T10:00:00Z"),
        issued("c4", "a", "2025-03-01T10:00:00Z", "2026-03-25T00:00:00Z"),
        follow("credential.revoked", "c4", "2026-03-02T10:00:00Z"),
        issued("c5", "a", "2025-05-10T10:00:00Z", "2026-05-10T00:00:00Z"),
        issued("c6", "b", "2025-03-01T10:00:00Z", "2026-03-30T00:00:00Z"),
        follow("credential.renewed", "c6", "2026-03-29T10:00:00Z", expires_at="2027-03-30T00:00:00Z"),
        issued("c7", "b", "2025-04-10T10:00:00Z", "2026-04-10T00:00:00Z"),
    ]


def test_renewal_metrics_per_issuer_and_program(warehouse: Warehouse, issuer: Issuer) -> None:
    assert ingest(warehouse, issuer, renewal_events()).rejections == []
    query = parse_query(issuer.slug, issuer.timezone, **WINDOW)  # type: ignore[arg-type]
    metrics = run(query, warehouse.tables(issuer.issuer_id))["metrics"]
    assert metrics["due_for_renewal"] == {"value": 4}
    assert metrics["renewed"] == {"value": 2}
    assert metrics["renewal_rate"] == {"value": 0.5, "numerator": 2, "denominator": 4}
    # expiring in the 90 days after 31 March (New York): c5 (10 May) and c7 (10 April)
    assert metrics["expiring_next_90d"] == {"value": 2}
    rows = {r["key"]: r for r in metrics["program_renewals"]["rows"]}
    assert rows["a"] | {"name": None} == {"key": "a", "name": None, "value": 1, "expiring_next_90d": 1,
                                          "due_for_renewal": 3, "renewed": 1, "renewal_rate": 0.333333}  # fmt: skip
    assert rows["a"]["name"] == "A"
    assert (rows["b"]["due_for_renewal"], rows["b"]["renewed"], rows["b"]["expiring_next_90d"]) == (1, 1, 1)


def design_events() -> list[dict[str, Any]]:
    """March: program p, 40 credentials in design "modern" (30 shared), 40 in "classic" (6 shared),
    10 without a design (all shared: not in any design's row); program q, 40 in "modern" (none shared)."""
    events = []
    for k in range(130):
        program, design = (
            ("p", "modern") if k < 40 else ("p", "classic") if k < 80 else ("p", None) if k < 90 else ("q", "modern")
        )
        events.append(issued(f"d{k}", program, "2026-03-05T10:00:00Z", design=design))
        if k < 30 or 40 <= k < 46 or 80 <= k < 90:
            events.append(follow("credential.shared", f"d{k}", "2026-03-06T10:00:00Z", channel="linkedin"))
    return events


def test_designs_per_program_from_the_fold(warehouse: Warehouse, issuer: Issuer) -> None:
    assert ingest(warehouse, issuer, design_events()).rejections == []
    stored = (
        warehouse.cursor()
        .execute("SELECT design_id, design_name, count(*) FROM credentials GROUP BY ALL ORDER BY ALL")
        .fetchall()
    )
    assert stored == [("classic", "Classic", 40), ("modern", "Modern", 80), (None, None, 10)]
    query = parse_query(issuer.slug, issuer.timezone, **WINDOW)  # type: ignore[arg-type]
    rows = run(query, warehouse.tables(issuer.issuer_id))["metrics"]["designs"]["rows"]
    assert [(r["key"], r["issued"], r["shared"], r["share_rate"]) for r in rows] == [
        ("p/classic", 40, 6, 0.15),
        ("p/modern", 40, 30, 0.75),
        ("q/modern", 40, 0, 0.0),
    ]
    assert (rows[1]["program"], rows[1]["program_name"], rows[1]["design"], rows[1]["name"]) == (
        "p",
        "P",
        "modern",
        "Modern",
    )


def test_design_insights_are_scoped_to_the_programs_asked(warehouse: Warehouse, issuer: Issuer) -> None:
    assert ingest(warehouse, issuer, design_events()).rejections == []
    tables = warehouse.tables(issuer.issuer_id)
    params = WINDOW
    everything = [i for i in run_for(issuer, tables, **params)["insights"] if i["kind"] == "design_effect"]
    subjects = [i["subject"] for i in everything]
    assert {"program": "p", "design": "modern"} in subjects  # 75 % against classic's 15 %
    assert {"design": "modern"} in subjects  # pooled over p and q: 30 of 80 (37.5 %) against 6 of 40 (15 %)
    # a program manager of q alone: q has one design, so nothing is compared; nothing of p is named
    mine = run_for(issuer, tables, programs=["q"], **params)["insights"]
    assert [i for i in mine if i["kind"] == "design_effect"] == []
    assert all('"p"' not in str(i["subject"]) and "classic" not in str(i) for i in mine)


def test_a_version_6_file_gains_the_design_columns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Warehouse(data)
    issuer, _ = store.create_issuer("acme", "Acme")
    assert ingest(store, issuer, design_events()[:3]).rejections == []
    store = reopened_as_version(
        store,
        data,
        6,
        *(f"ALTER TABLE {t} DROP COLUMN {c}" for t in ("events", "credentials") for c in ("design_id", "design_name")),
    )
    con = store.cursor()
    assert con.execute("SELECT count(*) FROM credentials WHERE design_id IS NULL").fetchall() == [(2,)]
    del con
    issuer = store.issuers()[0]
    assert ingest(store, issuer, [issued("new", "p", "2026-03-07T10:00:00Z", design="modern")]).rejections == []
    con = store.cursor()
    assert con.execute("SELECT design_id FROM credentials WHERE credential_id = 'new'").fetchall() == [("modern",)]
    del con
    store.close()
