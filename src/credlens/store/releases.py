"""Peer benchmark releases: stored so that asking again returns the same noisy value, and summed
per industry and budget period as the privacy ledger (docs/privacy.md, Benchmarks across issuers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class ReleaseKey:
    """What a release answers: one metric of one industry's peers over one window, for one asking
    issuer (its peers exclude it)."""

    industry: str
    metric: str
    date_from: dt.date
    date_to: dt.date
    issuer_id: int


@dataclass(frozen=True)
class Release:
    """Noisy statistics of the peers' rates; nothing of any single peer."""

    industry: str
    metric: str
    date_from: dt.date
    date_to: dt.date
    issuer_id: int
    issuers: int
    mean: float
    q1: float
    median: float
    q3: float
    mean_scale: float
    epsilon: float  # spent by this release, all its statistics together
    budget_period: str
    released_at: dt.datetime


_COLUMNS = ", ".join(f.name for f in fields(Release))
_KEY = "industry = ? AND metric = ? AND date_from = ? AND date_to = ? AND issuer_id = ?"


def _key_values(key: ReleaseKey) -> list[Any]:
    return [key.industry, key.metric, key.date_from, key.date_to, key.issuer_id]


def find(con: Any, key: ReleaseKey) -> Release | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM benchmark_releases WHERE {_KEY}", _key_values(key)).fetchall()
    return Release(*rows[0]) if rows else None


def find_many(con: Any, keys: Sequence[ReleaseKey]) -> dict[ReleaseKey, Release]:
    """The stored releases answering ``keys``, which differ in their metric alone: one statement
    for a page's panel instead of one per metric."""
    if not keys:
        return {}
    first = keys[0]
    if any(replace(key, metric=first.metric) != first for key in keys):
        raise ValueError("the keys must differ in their metric alone")
    where = "industry = ? AND date_from = ? AND date_to = ? AND issuer_id = ?"
    values = [first.industry, first.date_from, first.date_to, first.issuer_id]
    rows = con.execute(f"SELECT {_COLUMNS} FROM benchmark_releases WHERE {where}", values).fetchall()
    found = {release.metric: release for release in (Release(*row) for row in rows)}
    return {key: found[key.metric] for key in keys if key.metric in found}


def spent(con: Any, industry: str, budget_period: str) -> float:
    """ε spent by the industry's releases in one budget period."""
    rows = con.execute(
        "SELECT coalesce(sum(epsilon), 0) FROM benchmark_releases WHERE industry = ? AND budget_period = ?",
        [industry, budget_period],
    ).fetchall()
    return float(rows[0][0])


def insert(con: Any, release: Release) -> None:
    values = [getattr(release, f.name) for f in fields(Release)]
    con.execute(f"INSERT INTO benchmark_releases ({_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values)


def ledger(con: Any) -> list[Release]:
    """Every release, oldest first: the instance operator's view of the budget spent."""
    rows = con.execute(f"SELECT {_COLUMNS} FROM benchmark_releases ORDER BY released_at, industry, metric").fetchall()
    return [Release(*row) for row in rows]
