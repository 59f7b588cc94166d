"""Recipient and portfolio metrics: holdings, co-held programs, sequences, channels, feedback,
career outcomes and demographics (metrics.md, "Recipients").

Holdings read the per-credential table; activity breakdowns (channels, feedback) read `daily`,
whose counts already exclude events of credentials never issued. Sensitive rows carry the
distinct `recipients` of each cell for the privacy layer, which suppresses them before any surface.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from credlens.domain.events import CHANNELS
from credlens.domain.query import Query
from credlens.metrics.issuance import program_filter
from credlens.store.scope import IssuerTables

Rows = list[dict[str, Any]]
UNKNOWN = "unknown"
TOP_PAIRS = 50
HOLDING_BUCKETS = ("1", "2", "3", "4", "5+")
DEMOGRAPHICS = ("gender", "age_band", "education_level", "employment_status", "country")
RATINGS = ("1", "2", "3", "4", "5")


def held_by(scope: ir.Table, end: dt.datetime) -> ir.Table:
    """Distinct (recipient, program) holdings issued before ``end``, with the first issuance of each."""
    held = scope.filter(scope.issued_at < end)
    return held.group_by("recipient_key", "program_id").aggregate(first_at=held.issued_at.min(), n=held.count())


def credentials_per_recipient(scope: ir.Table, end: dt.datetime) -> Rows:
    held = scope.filter(scope.issued_at < end)
    per = held.group_by("recipient_key").aggregate(n=held.count())
    bucket = ibis.least(per.n, 5).name("bucket")
    rows = per.group_by(bucket).aggregate(value=per.count()).to_pyarrow().to_pylist()
    found = {int(r["bucket"]): int(r["value"]) for r in rows}
    return [{"key": key, "value": found.get(i + 1, 0)} for i, key in enumerate(HOLDING_BUCKETS)]


def co_held_programs(holdings: ir.Table, names: dict[str, str | None]) -> Rows:
    """The most held pairs (A < B) with support and lift, from one self-join on the recipient."""
    a = holdings.select(recipient_key="recipient_key", a="program_id")
    b = holdings.select(recipient_key="recipient_key", b="program_id")
    pairs = a.join(b, "recipient_key").filter(lambda t: t.a < t.b)
    top = pairs.group_by("a", "b").aggregate(value=pairs.count()).order_by([ibis.desc("value"), "a", "b"])
    rows = top.limit(TOP_PAIRS).to_pyarrow().to_pylist()
    if not rows:
        return []
    holders = holdings.group_by("program_id").aggregate(n=holdings.count()).to_pyarrow().to_pylist()
    per_program = {r["program_id"]: int(r["n"]) for r in holders}
    total = int(holdings.recipient_key.nunique().to_pyarrow().as_py())
    out = []
    for r in rows:
        both, n_a, n_b = int(r["value"]), per_program[r["a"]], per_program[r["b"]]
        out.append(
            {
                "key": f"{r['a']} + {r['b']}",
                "a": r["a"],
                "b": r["b"],
                "a_name": names.get(r["a"]),
                "b_name": names.get(r["b"]),
                "value": both,
                "support": round(both / total, 6),
                "lift": round(both * total / (n_a * n_b), 6),
            }
        )
    return out


def program_sequences(holdings: ir.Table, names: dict[str, str | None]) -> Rows:
    """Recipients who earned A, then B strictly later (first credential of each), with median days."""
    a = holdings.select(recipient_key="recipient_key", a="program_id", a_at="first_at")
    b = holdings.select(recipient_key="recipient_key", b="program_id", b_at="first_at")
    pairs = a.join(b, "recipient_key").filter(lambda t: t.a_at < t.b_at)
    days = (pairs.b_at.epoch_seconds() - pairs.a_at.epoch_seconds()) / 86_400
    top = pairs.group_by("a", "b").aggregate(value=pairs.count(), median_days=days.median())
    rows = top.order_by([ibis.desc("value"), "a", "b"]).limit(TOP_PAIRS).to_pyarrow().to_pylist()
    return [
        {
            "key": f"{r['a']} → {r['b']}",
            "a": r["a"],
            "b": r["b"],
            "a_name": names.get(r["a"]),
            "b_name": names.get(r["b"]),
            "value": int(r["value"]),
            "median_days": round(float(r["median_days"]), 6),
        }
        for r in rows
    ]


def daily_in_window(query: Query, tables: IssuerTables, event_type: str) -> ir.Table:
    """`daily` rows of one event type on the window's issuer-local days, for programs in scope."""
    d = tables["daily"]
    d = d.filter((d.type == event_type) & d.day.between(query.window.start, query.window.end))
    if query.filters.kind is not None:
        d = d.filter(d.kind == query.filters.kind)
    return d.filter(program_filter(query, tables, d.program_id, kind=False))


def share_channels(query: Query, tables: IssuerTables) -> Rows:
    d = daily_in_window(query, tables, "credential.shared")
    rows = d.group_by("channel").aggregate(value=d.events.sum()).to_pyarrow().to_pylist()
    found = {r["channel"]: int(r["value"]) for r in rows}
    out = [{"key": channel, "value": found.get(channel, 0)} for channel in CHANNELS]
    return sorted(out, key=lambda r: -r["value"])


def feedback(query: Query, tables: IssuerTables) -> dict[str, Any]:
    """Ratings 1-5 in the window, every rating present, with the count and the mean."""
    d = daily_in_window(query, tables, "recipient.feedback")
    rows = d.group_by("rating").aggregate(value=d.events.sum()).to_pyarrow().to_pylist()
    found = {str(r["rating"]): int(r["value"]) for r in rows}
    counts = [found.get(rating, 0) for rating in RATINGS]
    count = sum(counts)
    mean = sum(int(rating) * n for rating, n in zip(RATINGS, counts, strict=True)) / count if count else None
    rows = [{"key": rating, "value": n} for rating, n in zip(RATINGS, counts, strict=True)]
    return {"rows": rows, "count": count, "mean": None if mean is None else round(mean, 6)}


def career_outcomes(tables: IssuerTables, scope: ir.Table, start: dt.datetime, end: dt.datetime) -> Rows:
    """Reported outcomes of credentials in scope, by outcome, with their distinct recipients."""
    o = tables["reported_outcomes"]
    o = o.filter((o.occurred_at >= start) & (o.occurred_at < end))
    owners = scope.select("credential_id", "recipient_key")
    joined = o.join(owners, "credential_id")
    rows = (
        joined.group_by("outcome")
        .aggregate(value=joined.count(), recipients=joined.recipient_key.nunique())
        .to_pyarrow()
        .to_pylist()
    )
    out = [{"key": r["outcome"], "value": int(r["value"]), "recipients": int(r["recipients"])} for r in rows]
    return sorted(out, key=lambda r: (-r["value"], r["key"]))


def recipient_demographics(tables: IssuerTables, cohort: ir.Table) -> Rows:
    """Distinct recipients of the cohort by each attribute, in ONE query (a union of group-bys)."""
    people = cohort.select("recipient_key").distinct()
    r = tables["recipients"].select("recipient_key", *DEMOGRAPHICS)
    joined = people.left_join(r, "recipient_key")
    parts = [
        joined.group_by(key=joined[attribute].fill_null(UNKNOWN))
        .aggregate(value=joined.count())
        .mutate(attribute=ibis.literal(attribute))
        for attribute in DEMOGRAPHICS
    ]
    rows = ibis.union(*parts).to_pyarrow().to_pylist()
    order = {attribute: i for i, attribute in enumerate(DEMOGRAPHICS)}
    out = [
        {"attribute": r["attribute"], "key": r["key"], "value": int(r["value"]), "recipients": int(r["value"])}
        for r in rows
    ]
    return sorted(out, key=lambda r: (order[r["attribute"]], -r["value"], r["key"]))
