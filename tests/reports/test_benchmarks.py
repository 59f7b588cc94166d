"""Peer benchmarks (docs/metrics.md, Benchmarks; docs/privacy.md, Benchmarks across issuers)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from credlens.domain.issuers import Issuer
from credlens.privacy.noise import noisy_rate
from credlens.reports.benchmarks import FEWER_PEERS, METRICS, Privacy, benchmarks, draw, released, window_of
from credlens.store.releases import ReleaseKey
from credlens.store.warehouse import StoreError, Warehouse
from tests.conftest import ingest
from tests.factories import make_event

NOW = dt.datetime(2026, 2, 3, 12, 0)
WINDOW = {"date_from": "2026-01-01", "date_to": "2026-01-31"}


def add_issuer(warehouse: Warehouse, slug: str, credentials: int, shared: int, industry: str = "Bootcamp") -> Issuer:
    """An issuer with ``credentials`` issued in January 2026, ``shared`` of them shared."""
    issuer, _ = warehouse.create_issuer(slug, slug.title(), industry=industry)
    events = []
    for i in range(credentials):
        day = f"2026-01-{i % 28 + 1:02d}T10:00:00Z"
        cred = f"{slug}-c{i}"
        events.append(make_event("credential.issued", id=f"{slug}-i{i}", credential_id=cred, occurred_at=day))
        if i < shared:
            events.append(make_event("credential.shared", id=f"{slug}-s{i}", credential_id=cred, occurred_at=day))
    assert ingest(warehouse, issuer, events).rejections == []
    return issuer


def ask(warehouse: Warehouse, issuer: Issuer, privacy: Privacy | None = None) -> dict[str, object]:
    query = window_of(issuer, **WINDOW)
    return benchmarks(warehouse, issuer, query, privacy or Privacy(), now=NOW, rng=np.random.default_rng(1))


def share(result: dict[str, object]) -> dict[str, object]:
    return result["benchmarks"]["share_rate"]  # type: ignore[index]


def test_benchmarks_four_peers_release_nothing_and_say_why(warehouse: Warehouse) -> None:
    me = add_issuer(warehouse, "me", 60, 30)
    for n in range(4):
        add_issuer(warehouse, f"peer{n}", 50, 10 * n)
    result = share(ask(warehouse, me))
    assert result["peers"] is None
    assert result["percentile_band"] is None
    assert result["why_not"] == FEWER_PEERS
    assert result["issuer"] == {"value": 0.5, "numerator": 30, "denominator": 60}
    assert warehouse.benchmark_ledger() == []  # nothing released, no ε spent


def test_benchmarks_five_peers_release_a_value(warehouse: Warehouse) -> None:
    me = add_issuer(warehouse, "me", 60, 30)
    for n in range(5):
        add_issuer(warehouse, f"peer{n}", 50, 10 * n)  # share rates 0, .2, .4, .6, .8: mean .4
    result = share(ask(warehouse, me))
    assert result["why_not"] is None
    peers = result["peers"]
    assert peers["issuers"] == 5
    assert abs(peers["value"] - 0.4) < 0.05  # noise scale 1/(5·50·1) = 0.004
    assert peers["epsilon"] == 4.0  # mean, q1, median, q3 at ε 1 each
    assert peers["ci95"][0] < peers["value"] < peers["ci95"][1]
    assert result["percentile_band"] in ("second quartile", "top quartile")
    assert result["published"]["value"] == 0.33  # Bootcamp's published share rate
    assert result["published"]["as_of"] == "2026-12-07"


def test_benchmarks_peer_below_50_credentials_does_not_count(warehouse: Warehouse) -> None:
    me = add_issuer(warehouse, "me", 60, 30)
    for n in range(4):
        add_issuer(warehouse, f"peer{n}", 50, 10)
    add_issuer(warehouse, "small", 49, 10)
    assert share(ask(warehouse, me))["why_not"] == FEWER_PEERS


def test_benchmarks_other_industries_do_not_count(warehouse: Warehouse) -> None:
    me = add_issuer(warehouse, "me", 60, 30)
    for n in range(4):
        add_issuer(warehouse, f"peer{n}", 50, 10)
    add_issuer(warehouse, "college", 80, 10, industry="Higher Education")
    assert share(ask(warehouse, me))["why_not"] == FEWER_PEERS


def test_benchmarks_asking_issuer_is_never_its_own_peer(warehouse: Warehouse) -> None:
    # five qualifying issuers in all, the asking one among them: four peers
    me = add_issuer(warehouse, "me", 60, 30)
    for n in range(4):
        add_issuer(warehouse, f"peer{n}", 50, 10)
    assert share(ask(warehouse, me))["why_not"] == FEWER_PEERS
    peer = warehouse.issuer("peer0")
    assert peer is not None
    assert share(ask(warehouse, peer))["why_not"] == FEWER_PEERS


def test_benchmarks_same_question_returns_the_same_release_and_spends_once(warehouse: Warehouse) -> None:
    me = add_issuer(warehouse, "me", 60, 30)
    for n in range(5):
        add_issuer(warehouse, f"peer{n}", 50, 10 * n)
    first = ask(warehouse, me)
    query = window_of(me, **WINDOW)
    again = benchmarks(warehouse, me, query, Privacy(), now=NOW)  # a fresh, unseeded generator
    assert again["benchmarks"] == first["benchmarks"]
    ledger = warehouse.benchmark_ledger()
    assert len(ledger) == len(METRICS) - 1  # completion_rate has no enrolments: no peer qualifies
    assert sum(r.epsilon for r in ledger) == 4.0 * len(ledger)
    assert released(warehouse, me, query)["share_rate"] == first["benchmarks"]["share_rate"]["peers"]


def test_benchmarks_budget_spent_refuses_clearly(warehouse: Warehouse) -> None:
    me = add_issuer(warehouse, "me", 60, 30)
    for n in range(5):
        add_issuer(warehouse, f"peer{n}", 50, 10 * n)
    result = ask(warehouse, me, Privacy(epsilon=1.0, budget=8.0))["benchmarks"]
    # releases go in METRICS order at 4 ε each: two of them fit in 8
    assert result["view_rate"]["peers"] is not None
    assert result["share_rate"]["peers"] is not None
    refused = result["share_rate_linkedin"]
    assert refused["peers"] is None
    assert refused["why_not"].startswith("the privacy budget of Bootcamp for 2026-02 is spent")
    assert sum(r.epsilon for r in warehouse.benchmark_ledger()) == 8.0
    # asked again: the releases made stay, and nothing more is spent
    again = ask(warehouse, me, Privacy(epsilon=1.0, budget=8.0))["benchmarks"]
    assert again["share_rate"]["peers"] == result["share_rate"]["peers"]
    assert sum(r.epsilon for r in warehouse.benchmark_ledger()) == 8.0


def test_benchmarks_issuer_without_industry_is_asked_to_choose(warehouse: Warehouse) -> None:
    me, _ = warehouse.create_issuer("me", "Me")
    result = share(ask(warehouse, me))
    assert result["peers"] is None
    assert result["published"] is None
    assert "no industry set" in result["why_not"]


def test_noise_scale_matches_sensitivity_over_epsilon() -> None:
    # 5 peers, 50 credentials each, ε = 0.5: the mean's noise is Laplace(0, 1/(5·50·0.5) = 0.008)
    key = ReleaseKey("Bootcamp", "share_rate", dt.date(2026, 1, 1), dt.date(2026, 1, 31), 1)
    rng = np.random.Generator(np.random.PCG64(20261207))
    noise = [draw(key, [0.4] * 5, 0.5, "2026-01", NOW, rng).mean - 0.4 for _ in range(4000)]
    assert stats.kstest(noise, stats.laplace(scale=0.008).cdf).pvalue > 0.01
    # a scale twice as large is told apart
    assert stats.kstest(noise, stats.laplace(scale=0.016).cdf).pvalue < 1e-6


def test_noise_is_clamped_and_on_the_grid() -> None:
    rng = np.random.Generator(np.random.PCG64(3))
    values = [noisy_rate(0.999, 0.05, rng) for _ in range(200)]
    assert min(values) >= 0.0
    assert max(values) <= 1.0
    assert all(abs(v * 10_000 - round(v * 10_000)) < 1e-6 for v in values)


def test_industry_matched_case_insensitively_unknown_refused(warehouse: Warehouse) -> None:
    issuer, _ = warehouse.create_issuer("a", "A", industry="online courses")
    assert issuer.industry == "Online Courses"
    assert warehouse.set_industry(issuer.issuer_id, "SOFTWARE/IT", actor="test") == "Software/IT"
    with pytest.raises(StoreError, match="choose one of: Awarding Body, Bootcamp"):
        warehouse.create_issuer("b", "B", industry="Basket weaving")
