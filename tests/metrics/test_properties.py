"""Properties of the metrics over random event sets (Hypothesis)."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credlens.domain.query import parse_query
from credlens.metrics.registry import REGISTRY, Shape
from credlens.metrics.runner import run
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest

STEP_EVENTS: dict[str, dict[str, Any]] = {
    "delivered": {"type": "credential.delivered"},
    "viewed_owner": {"type": "credential.viewed", "actor": "owner"},
    "viewed_public": {"type": "credential.viewed", "actor": "public"},
    "downloaded": {"type": "credential.downloaded", "format": "pdf"},
    "shared": {"type": "credential.shared", "channel": "linkedin"},
    "shared_x": {"type": "credential.shared", "channel": "x"},
    "profile_added": {"type": "credential.profile_added"},
    "referred": {"type": "credential.referral_clicked"},
    "verified": {"type": "credential.verified", "verifier": {}},
}

credential_events = st.lists(st.tuples(st.sampled_from(sorted(STEP_EVENTS)), st.integers(0, 60)), max_size=6)


def events_for(plan: list[tuple[bool, list[tuple[str, int]]]]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    start = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
    for n, (issued, steps) in enumerate(plan):
        if issued:
            events.append(
                {
                    "id": f"i{n}",
                    "type": "credential.issued",
                    "occurred_at": (start + dt.timedelta(days=n)).isoformat(),
                    "credential_id": f"c{n}",
                    "program": {"id": f"p{n % 3}"},
                    "recipient": {"id": f"r{n % 4}"},
                }
            )
        for k, (step, day) in enumerate(steps):
            when = start + dt.timedelta(days=n + day, hours=k)
            events.append(
                {"id": f"e{n}-{k}", "occurred_at": when.isoformat(), "credential_id": f"c{n}", **STEP_EVENTS[step]}
            )
    return events


def metrics_of(batches: list[list[dict[str, Any]]]) -> dict[str, Any]:
    store = Warehouse(Path(tempfile.mkdtemp()) / "data")
    try:
        issuer, _ = store.create_issuer("acme", "Acme", timezone="Europe/Berlin")
        store.cursor().execute("UPDATE issuers SET pseudonym_secret = ?", ["cd" * 32])
        for batch in batches:
            ingest(store, issuer, batch)
        query = parse_query(
            "acme", "Europe/Berlin", date_from="2026-01-01", date_to="2026-01-31", today=dt.date(2026, 6, 1)
        )
        result = run(query, store.tables(issuer.issuer_id))
    finally:
        store.close()
    del result["query"]["generated_at"]
    return result


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(st.tuples(st.booleans(), credential_events), min_size=1, max_size=12), seed=st.integers(0, 999))
def test_funnel_never_increases_rates_are_fractions_and_order_does_not_matter(
    plan: list[tuple[bool, list[tuple[str, int]]]], seed: int
) -> None:
    events = events_for(plan)
    ordered = metrics_of([events])
    steps = [s["value"] for s in ordered["metrics"]["funnel"]["steps"]]
    assert steps == sorted(steps, reverse=True)
    for metric in REGISTRY.values():
        if metric.shape is Shape.RATE and metric.id != "views_per_share":  # a ratio, not a fraction
            value = ordered["metrics"][metric.id]["value"]
            assert value is None or 0 <= value <= 1, (metric.id, value)
    assert ordered["metrics"]["issued"]["value"] == sum(1 for issued, _ in plan if issued)
    programs = ordered["metrics"]["programs"]["rows"]
    assert sum(row["issued"] for row in programs) == ordered["metrics"]["issued"]["value"]
    for row in programs:
        for rate in ("view_rate", "share_rate", "profile_add_rate", "verification_rate", "completion_rate"):
            assert row[rate] is None or 0 <= row[rate] <= 1, (row["key"], rate, row[rate])
    rng = random.Random(seed)
    shuffled = events + rng.sample(events, min(3, len(events)))  # with re-sent duplicates
    rng.shuffle(shuffled)
    size = rng.randint(3, 9)
    assert metrics_of([shuffled[i : i + size] for i in range(0, len(shuffled), size)]) == ordered
