"""Peer benchmarks: an issuer's rates beside the noisy mean, median and quartiles of the other issuers
of its industry, and beside Accredible's published averages (docs/metrics.md, docs/privacy.md).

Each peer's rates come from the metrics engine (``run_for``), never from SQL of their own; a peer
counts for a metric when it issued at least ``N_MIN`` credentials in the window and the rate's
denominator is at least ``N_MIN``. A release needs ``K_MIN`` such peers, is stored, and is reused
for the same (industry, metric, window, asking issuer); each spends ε from the industry's budget.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from credlens.domain.industries import known
from credlens.domain.issuers import Issuer
from credlens.domain.query import Query, parse_query
from credlens.metrics.runner import describe, run_for
from credlens.privacy.noise import half_width95, laplace_scale, noisy_rate
from credlens.reports.published import published
from credlens.store.releases import Release, ReleaseKey
from credlens.store.warehouse import Warehouse

Json = dict[str, Any]

METRICS: tuple[str, ...] = (
    "view_rate",
    "share_rate",
    "share_rate_linkedin",
    "profile_add_rate",
    "referral_rate",
    "verification_rate",
    "delivery_rate",
    "completion_rate",
)
OWN_METRICS = frozenset((*METRICS, "issued"))  # what the issuer's own values are read from
N_MIN = 50  # credentials issued in the window (and denominator of the rate) for a peer to count
K_MIN = 5  # peers for a release
STATISTICS = 4  # mean, first quartile, median, third quartile: each is drawn with ε (basic composition)
FEWER_PEERS = f"fewer than {K_MIN} peer issuers with ≥ {N_MIN} credentials"
FEWER_ENROLLED = f"{FEWER_PEERS} and ≥ {N_MIN} enrollments"  # completion_rate's denominator
NO_INDUSTRY = "no industry set: an issuer admin chooses one (`credlens issuer set-industry`, or the admin page)"
BANDS = ("bottom quartile", "third quartile", "second quartile", "top quartile")


@dataclass(frozen=True)
class Privacy:
    """The instance's settings (config.py): ε of each statistic, and the ε budget per industry and month."""

    epsilon: float = 1.0
    budget: float = 100.0


def window_of(issuer: Issuer, programs: list[str] | None = None, **params: str | None) -> Query:
    """The asked window, parsed as every surface parses it (QueryError names a bad parameter)."""
    return parse_query(issuer.slug, issuer.timezone, programs=tuple(programs or ()), **params)  # type: ignore[arg-type]


def benchmarks(
    warehouse: Warehouse,
    issuer: Issuer,
    query: Query,
    privacy: Privacy,
    *,
    now: dt.datetime | None = None,
    rng: np.random.Generator | None = None,
    own: Json | None = None,
) -> Json:
    """The benchmarks JSON of docs/api.md for ``issuer`` over ``query``'s window (its program filter
    narrows the issuer's own values only; peers are whole issuers). ``own``: the metrics of a run of
    the same query holding OWN_METRICS (a dashboard's), else they are run here."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    own = own if own is not None else _rates(warehouse, issuer, query)
    industry = known(issuer.industry)
    peers = _Peers(warehouse, issuer, industry, query)
    kept = _stored_releases(warehouse, issuer, industry, query)
    out: Json = {}
    for metric in METRICS:
        mine = own.get(metric) or {"value": None, "numerator": 0, "denominator": 0}
        entry: Json = {
            "issuer": {k: mine[k] for k in ("value", "numerator", "denominator")},
            "peers": None,
            "percentile_band": None,
            "published": published(industry, metric),
            "why_not": None,
        }
        if industry is None:
            entry["why_not"] = NO_INDUSTRY
        else:
            key = ReleaseKey(industry, metric, query.window.start, query.window.end, issuer.issuer_id)
            release, why_not = _release(warehouse, key, kept.get(metric), peers.values, privacy, now, rng)
            entry["why_not"] = why_not
            if release is not None:
                entry["peers"] = _shown(release)
                entry["percentile_band"] = band(mine["value"], release)
        out[metric] = entry
    return {"query": describe(query), "industry": industry, "benchmarks": out}


def released(warehouse: Warehouse, issuer: Issuer, query: Query) -> dict[str, Json]:
    """The peer values already released for the issuer and window, by metric (the insight engine's
    reference): never computes, never spends ε, never returns an unreleased value."""
    industry = known(issuer.industry)
    if industry is None:
        return {}
    return {metric: _shown(release) for metric, release in _stored_releases(warehouse, issuer, industry, query).items()}


def band(value: float | None, release: Release) -> str | None:
    """Where the issuer's own value falls among the noisy quartiles (post-processing, no ε)."""
    if value is None:
        return None
    q1, median, q3 = sorted((release.q1, release.median, release.q3))
    return BANDS[sum(value >= q for q in (q1, median, q3))]


def budget_period(now: dt.datetime) -> str:
    return f"{now.year:04d}-{now.month:02d}"


def _stored_releases(warehouse: Warehouse, issuer: Issuer, industry: str | None, query: Query) -> dict[str, Release]:
    """The releases already stored for the issuer's window, by metric: one read for every metric."""
    if industry is None:
        return {}
    keys = [ReleaseKey(industry, m, query.window.start, query.window.end, issuer.issuer_id) for m in METRICS]
    return {key.metric: release for key, release in warehouse.benchmark_releases(keys).items()}


def _release(
    warehouse: Warehouse,
    key: ReleaseKey,
    stored: Release | None,
    values: Callable[[str], list[float]],
    privacy: Privacy,
    now: dt.datetime,
    rng: np.random.Generator | None,
) -> tuple[Release | None, str | None]:
    if stored is not None:
        return stored, None
    rates = values(key.metric)
    if len(rates) < K_MIN:
        return None, FEWER_ENROLLED if key.metric == "completion_rate" else FEWER_PEERS
    period = budget_period(now)
    cost = STATISTICS * privacy.epsilon
    refusal = (
        f"the privacy budget of {key.industry} for {period} is spent (ε {privacy.budget:g}); "
        "no new benchmark until next month, released ones stay"
    )
    if warehouse.benchmark_spent(key.industry, period) + cost > privacy.budget + 1e-9:
        return None, refusal
    release = draw(key, rates, privacy.epsilon, period, now, rng)
    recorded = warehouse.record_release(release, privacy.budget)
    return (recorded, None) if recorded is not None else (None, refusal)


def draw(
    key: ReleaseKey,
    rates: list[float],
    epsilon: float,
    period: str,
    now: dt.datetime,
    rng: np.random.Generator | None = None,
) -> Release:
    """One release: each statistic with Laplace noise of scale sensitivity/ε (docs/privacy.md).

    One credential moves a peer's rate by at most 1/N_MIN, so the mean of k rates by at most
    1/(k·N_MIN), and any order statistic (quartiles, median) of k rates by at most 1/N_MIN."""
    k = len(rates)
    mean_scale = laplace_scale(1 / (k * N_MIN), epsilon)
    order_scale = laplace_scale(1 / N_MIN, epsilon)
    q1, median, q3 = statistics.quantiles(rates, n=4, method="inclusive")
    return Release(
        key.industry,
        key.metric,
        key.date_from,
        key.date_to,
        key.issuer_id,
        k,
        noisy_rate(statistics.fmean(rates), mean_scale, rng),
        noisy_rate(q1, order_scale, rng),
        noisy_rate(median, order_scale, rng),
        noisy_rate(q3, order_scale, rng),
        mean_scale,
        STATISTICS * epsilon,
        period,
        now,
    )


def _shown(release: Release) -> Json:
    half = half_width95(release.mean_scale)
    return {
        "issuers": release.issuers,
        "value": release.mean,
        "median": release.median,
        "ci95": [round(max(0.0, release.mean - half), 4), round(min(1.0, release.mean + half), 4)],
        "epsilon": release.epsilon,
        "released_at": release.released_at.isoformat(timespec="seconds") + "Z",
    }


def _rates(warehouse: Warehouse, issuer: Issuer, query: Query) -> Json:
    """The issuer's own rates (and `issued`) over the query, from the metrics engine."""
    params: dict[str, Any] = {
        "date_from": query.window.start.isoformat(),
        "date_to": query.window.end.isoformat(),
        "kind": query.filters.kind,
        "department": query.filters.department,
    }
    only = OWN_METRICS
    result = run_for(
        issuer, warehouse.tables(issuer.issuer_id), programs=list(query.filters.programs), only=only, **params
    )
    metrics: Json = result["metrics"]
    return metrics


class _Peers:
    """The other issuers of the industry, their rates computed on first need (a stored release needs none)."""

    def __init__(self, warehouse: Warehouse, issuer: Issuer, industry: str | None, query: Query) -> None:
        self.warehouse, self.issuer, self.industry = warehouse, issuer, industry
        # the asked calendar days, in each peer's own calendar, over the whole issuer
        self.window = window_of(issuer, date_from=query.window.start.isoformat(), date_to=query.window.end.isoformat())
        self._rates: list[Json] | None = None

    def values(self, metric: str) -> list[float]:
        """The metric's rate of each qualifying peer (never the asking issuer)."""
        if self._rates is None:
            others = [
                i
                for i in self.warehouse.issuers()
                if i.issuer_id != self.issuer.issuer_id and known(i.industry) == self.industry
            ]
            self._rates = [_rates(self.warehouse, peer, self.window) for peer in others]
        return [
            float(rates[metric]["value"])
            for rates in self._rates
            if (rates["issued"]["value"] or 0) >= N_MIN and rates[metric]["denominator"] >= N_MIN
        ]


NOT_RELEASED = "no peer release for this window yet (the Executive or Programs page of the window makes one)"


def stored(warehouse: Warehouse, issuer: Issuer, query: Query, own: Json) -> Json:
    """The benchmarks JSON from the releases already stored for the window and the issuer's own
    ``own`` metrics: what a report shows (it never draws a release, so never spends ε)."""
    industry = known(issuer.industry)
    kept = _stored_releases(warehouse, issuer, industry, query)
    out: Json = {}
    for metric in METRICS:
        mine = own.get(metric) or {"value": None, "numerator": 0, "denominator": 0}
        entry: Json = {
            "issuer": {k: mine.get(k) for k in ("value", "numerator", "denominator")},
            "peers": None,
            "percentile_band": None,
            "published": published(industry, metric),
            "why_not": NO_INDUSTRY if industry is None else None,
        }
        if industry is not None:
            release = kept.get(metric)
            if release is None:
                entry["why_not"] = NOT_RELEASED
            else:
                entry["peers"] = _shown(release)
                entry["percentile_band"] = band(mine.get("value"), release)
        out[metric] = entry
    return {"query": describe(query), "industry": industry, "benchmarks": out}
