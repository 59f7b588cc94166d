"""Recipient and portfolio metrics: holdings, co-held programs, sequences, channels, feedback,
career outcomes and demographics (metrics.md, "Recipients").

Holdings read the per-credential table; activity breakdowns (channels, feedback) read `daily`,
whose counts already exclude events of credentials never issued. Sensitive rows carry the
distinct `recipients` of each cell for the privacy layer, which suppresses them before any
surface. Builders return expressions; the runner executes them (statements.py) and shapes rows here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from credlens.domain.events import CHANNELS
from credlens.domain.query import Query
from credlens.metrics.issuance import program_filter
from credlens.metrics.verification import UNKNOWN
from credlens.store.scope import IssuerTables

Rows = list[dict[str, Any]]
TOP_PAIRS = 50
HOLDING_BUCKETS = ("1", "2", "3", "4", "5+")
DEMOGRAPHICS = ("gender", "age_band", "education_level", "employment_status", "country")
RATINGS = ("1", "2", "3", "4", "5")


def held_by(scope: ir.Table, end: dt.datetime) -> ir.Table:
    """Distinct (recipient, program) holdings issued before ``end``, with the first issuance and
    the number of credentials of each; the runner materializes it once per window.

    NOTE: recipients are keyed by the 64-bit hash of their key stored with each credential
    (`recipient_hash`): measured at 10M events, the portfolio self-join on the 64-character keys
    took ~0.9 s against ~0.3 s on integers. Two of ~1M recipients share a hash with probability ~3e-8.
    """
    held = scope.filter(scope.issued_at < end)
    return held.group_by(recipient="recipient_hash", program_id=held.program_id).aggregate(
        first_at=held.issued_at.min(), n=held.count()
    )


def people(holdings: ir.Table) -> ir.Table:
    """Per recipient: programs held and credentials held; the runner materializes it once per
    window for the portfolio and the pairs' pre-filter."""
    return holdings.group_by("recipient").aggregate(programs=holdings.count(), credentials=holdings.n.sum())


def portfolio(holdings: ir.Table, people: ir.Table) -> ir.Table:
    """Per recipient, how many credentials they hold (capped at 5) — and the recipients per program
    (rows with `program_id`), which the lift of co-held programs needs: ONE query."""
    # Grouped by the credentials held first, then capped: a group-by of a column's own values over
    # every recipient takes a faster path than one of a computed value (docs/performance.md).
    counts = people.group_by("credentials").aggregate(n=people.count())
    sizes = counts.group_by(bucket=ibis.least(counts.credentials, 5).cast("int64")).aggregate(value=counts.n.sum())
    holders = holdings.group_by("program_id").aggregate(value=holdings.count())
    return ibis.union(
        sizes.mutate(program_id=ibis.null("string")).select("program_id", "bucket", "value"),
        holders.mutate(bucket=ibis.null("int64")).select("program_id", "bucket", "value"),
    )


def credentials_per_recipient(rows: Rows) -> Rows:
    found = {int(r["bucket"]): int(r["value"]) for r in rows if r["program_id"] is None}
    return [{"key": key, "value": found.get(i + 1, 0)} for i, key in enumerate(HOLDING_BUCKETS)]


def recounted(tables: IssuerTables, scope: ir.Table, end: dt.datetime) -> ir.Table:
    """`held_by` for the recipients awarded a credential at or after ``end`` only: the portfolio
    rollups (store/portfolios.py) hold everyone else as of ``end`` already. The runner materializes it.

    NOTE: measured at 10M events, for last_quarter ~28,000 holdings of the 1.4M are recounted here
    (~35 ms); for a window ending today, none.
    """
    p = tables["portfolios"]
    late = p.filter(p.last_at >= end)
    return held_by(scope.semi_join(late, "recipient_hash"), end)


def rolled_up_holdings(tables: IssuerTables, late: ir.Table, end: dt.datetime) -> ir.Table:
    """`held_by(scope, end)` of an unfiltered scope, from the rollups and the recounted holdings."""
    h = tables["holdings"]
    kept = h.filter(h.recipient_last_at < end).select(
        recipient="recipient_hash", program_id="program_id", first_at="first_at", n=h.n.cast("int64")
    )
    return ibis.union(kept, late.select("recipient", "program_id", "first_at", late.n.cast("int64").name("n")))


def rolled_up_people(tables: IssuerTables, late: ir.Table, end: dt.datetime) -> ir.Table:
    """`people` of an unfiltered scope, from the rollups and the recounted holdings."""
    p = tables["portfolios"]
    kept = p.filter(p.last_at < end).select(
        recipient="recipient_hash", programs=p.programs.cast("int64"), credentials=p.credentials.cast("int64")
    )
    recount = people(late)
    return ibis.union(
        kept, recount.select("recipient", recount.programs.cast("int64"), recount.credentials.cast("int64"))
    )


def pair_rows(holdings: ir.Table) -> ir.Table:
    """Per recipient, each pair of programs A < B they hold, with the first issuance of each."""
    a = holdings.select(recipient="recipient", a="program_id", a_at="first_at")
    b = holdings.select(recipient="recipient", b="program_id", b_at="first_at")
    joined = a.join(b, "recipient").filter(lambda t: t.a < t.b)
    return joined.select("a", "b", "a_at", "b_at")


def held_pairs(holdings: ir.Table, people: ir.Table) -> ir.Table:
    """`pair_rows` of the recipients holding two programs or more.

    NOTE: measured at 10M events, ~80 % of recipients hold one program; leaving them out before the
    self-join costs a group-by, which `people` (materialized anyway) already paid.
    """
    return pair_rows(holdings.semi_join(people.filter(people.programs >= 2), "recipient"))


def rolled_up_pairs(tables: IssuerTables, late: ir.Table, end: dt.datetime) -> ir.Table:
    """`held_pairs` of an unfiltered scope, from the rollups and the recounted holdings."""
    c = tables["co_holdings"]
    kept = c.filter(c.recipient_last_at < end).select("a", "b", "a_at", "b_at")
    return ibis.union(kept, pair_rows(late))


def pairs(rows: ir.Table) -> ir.Table:
    """Per pair A < B of `pair_rows`: recipients holding both, those who earned A strictly before B
    and B strictly before A, with the median days between for each order; ONE pass."""
    a_first, b_first = rows.a_at < rows.b_at, rows.b_at < rows.a_at
    days = (rows.b_at.epoch_seconds() - rows.a_at.epoch_seconds()) / 86_400
    return rows.group_by("a", "b").aggregate(
        both=rows.count(),
        a_then_b=a_first.ifelse(1, 0).sum(),
        b_then_a=b_first.ifelse(1, 0).sum(),
        a_to_b_days=days.median(where=a_first),
        b_to_a_days=(-days).median(where=b_first),
    )


def ordered_pairs(rows: Rows) -> Rows:
    """`pairs` rows as ordered pairs (A, B) and (B, A): `both` holders, `then` those who earned the
    first strictly before the second, with the median days."""
    out: Rows = []
    for r in rows:
        out.append(
            {"a": r["a"], "b": r["b"], "both": r["both"], "then": r["a_then_b"], "median_days": r["a_to_b_days"]}
        )
        out.append(
            {"a": r["b"], "b": r["a"], "both": r["both"], "then": r["b_then_a"], "median_days": r["b_to_a_days"]}
        )
    return out


def co_held_programs(pair_rows: Rows, portfolio_rows: Rows, names: dict[str, Any]) -> Rows:
    """The most held pairs (A < B) with support and lift."""
    holders = {r["program_id"]: int(r["value"]) for r in portfolio_rows if r["program_id"] is not None}
    total = sum(int(r["value"]) for r in portfolio_rows if r["program_id"] is None)
    top = sorted((r for r in pair_rows if r["a"] < r["b"]), key=lambda r: (-r["both"], r["a"], r["b"]))[:TOP_PAIRS]
    return [
        {
            **_pair_row(r, f"{r['a']} + {r['b']}", names),
            "value": int(r["both"]),
            "support": round(r["both"] / total, 6),
            "lift": round(r["both"] * total / (holders[r["a"]] * holders[r["b"]]), 6),
        }
        for r in top
    ]


def program_sequences(pair_rows: Rows, names: dict[str, Any]) -> Rows:
    """Recipients who earned A, then B strictly later (first credential of each), with median days."""
    top = sorted((r for r in pair_rows if r["then"]), key=lambda r: (-r["then"], r["a"], r["b"]))[:TOP_PAIRS]
    return [
        {
            **_pair_row(r, f"{r['a']} → {r['b']}", names),
            "value": int(r["then"]),
            "median_days": round(float(r["median_days"]), 6),
        }
        for r in top
    ]


def _pair_row(pair: dict[str, Any], key: str, names: dict[str, Any]) -> dict[str, Any]:
    """What a row of a program pair says of its two programs."""
    a, b = pair["a"], pair["b"]
    return {"key": key, "a": a, "b": b, "a_name": names.get(a), "b_name": names.get(b)}


def daily_activity(query: Query, tables: IssuerTables, first_day: dt.date, last_day: dt.date) -> ir.Table:
    """Shares by channel and feedback by rating on the window's issuer-local days, for programs in
    scope, from `daily`: ONE query."""
    d = tables["daily"]
    d = d.filter(d.type.isin(("credential.shared", "recipient.feedback")) & d.day.between(first_day, last_day))
    if query.filters.kind is not None:
        d = d.filter(d.kind == query.filters.kind)
    d = d.filter(program_filter(query, tables, d.program_id, kind=False))
    key = (d.type == "credential.shared").ifelse(d.channel, d.rating.cast("string"))
    return d.group_by("type", key=key).aggregate(value=d.events.sum())


def share_channels(rows: Rows) -> Rows:
    found = {r["key"]: int(r["value"]) for r in rows if r["type"] == "credential.shared"}
    out = [{"key": channel, "value": found.get(channel, 0)} for channel in CHANNELS]
    return sorted(out, key=lambda r: -r["value"])


def feedback(rows: Rows) -> dict[str, Any]:
    """Ratings 1-5 in the window, every rating present, with the count and the mean."""
    found = {r["key"]: int(r["value"]) for r in rows if r["type"] == "recipient.feedback"}
    counts = [found.get(rating, 0) for rating in RATINGS]
    count = sum(counts)
    mean = sum(int(rating) * n for rating, n in zip(RATINGS, counts, strict=True)) / count if count else None
    out = [{"key": rating, "value": n} for rating, n in zip(RATINGS, counts, strict=True)]
    return {"rows": out, "count": count, "mean": None if mean is None else round(mean, 6)}


def career_outcomes(tables: IssuerTables, scope: ir.Table, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """Reported outcomes of credentials in scope, by outcome, with their distinct recipients."""
    o = tables["reported_outcomes"]
    o = o.filter((o.occurred_at >= start) & (o.occurred_at < end))
    joined = o.join(scope.select("cred_hash", "recipient_hash"), "cred_hash")  # on the hash: see verification.in_window
    return joined.group_by("outcome").aggregate(value=joined.count(), recipients=joined.recipient_hash.nunique())


def outcome_rows(rows: Rows) -> Rows:
    out = [{"key": r["outcome"], "value": int(r["value"]), "recipients": int(r["recipients"])} for r in rows]
    return sorted(out, key=lambda r: (-r["value"], r["key"]))


def recipient_demographics(tables: IssuerTables, cohort: ir.Table) -> ir.Table:
    """Distinct recipients of the cohort per combination of attributes, in ONE pass; demographic_rows
    adds them up per attribute.

    NOTE: every recipient of an issued credential has its one `recipients` row (from the issuance),
    so a semi-join counts each once without a distinct over the cohort (measured: ~2x faster at 10M).
    Measured at 10M events, one group-by of the attributes' combinations (a few thousand rows) took
    ~365 ms against ~560 ms for a union of one group-by per attribute (the semi-join ran each time).
    """
    recipients = tables["recipients"]
    joined = recipients.semi_join(cohort, recipients.recipient_hash == cohort.recipient_hash)
    return joined.group_by(*DEMOGRAPHICS).aggregate(value=joined.count())


def demographic_days(tables: IssuerTables, first: dt.date, last: dt.date) -> ir.Table:
    """`recipient_demographics` of an unfiltered scope, per attribute and value, from the fold's
    `recipient_days` (store/portfolios.py): the recipients first awarded on or before the window's
    last day, less those last awarded before its first day. Those awarded before and after the window
    and not in it are counted too: `straddling_unseen` takes them out.

    NOTE: measured at 10M events (`all`), grouping the 1.1M recipients of `portfolios` in the window by
    their attributes took ~90 ms of CPU; these are a few thousand rows.
    """
    d = tables["recipient_days"]
    d = d.filter(d.day <= last)
    counted = d.first - (d.day < first).ifelse(d.last, 0)
    return d.group_by("attribute", key=d.value).aggregate(value=counted.sum())


def straddling_unseen(tables: IssuerTables, cohort: ir.Table, start: dt.datetime, end: dt.datetime) -> ir.Table:
    """The recipients awarded before the window and after it but not in it, per combination of
    attributes: `demographic_days` counted them. Only those with three awards or more can have one in
    the window, so only theirs are looked up in the cohort (as spans.touching does)."""
    p = tables["portfolios"]
    straddling = p.filter((p.first_at < start) & (p.last_at >= end))
    candidates = straddling.filter(straddling.credentials >= 3)
    seen = cohort.semi_join(candidates, "recipient_hash").select("recipient_hash").distinct()
    unseen = straddling.anti_join(seen, "recipient_hash")
    return unseen.group_by(*DEMOGRAPHICS).aggregate(value=unseen.count())


def cell_marginals(cells: Rows, sign: int = 1) -> Rows:
    """Per attribute and value, the recipients of the attributes' combinations holding it (``sign``
    times), as `demographic_days` gives them."""
    totals: dict[tuple[str, Any], int] = {}
    for r in cells:
        for attribute in DEMOGRAPHICS:
            totals[attribute, r[attribute]] = totals.get((attribute, r[attribute]), 0) + sign * int(r["value"])
    return [{"attribute": a, "key": k, "value": n} for (a, k), n in totals.items()]


def marginals(days: Rows, unseen: Rows) -> Rows:
    """`demographic_days` less `straddling_unseen`: per attribute and value, the window's recipients."""
    totals: dict[tuple[str, Any], int] = {}
    for r in [*days, *cell_marginals(unseen, -1)]:
        totals[r["attribute"], r["key"]] = totals.get((r["attribute"], r["key"]), 0) + int(r["value"])
    return [{"attribute": a, "key": k, "value": n} for (a, k), n in totals.items()]


def demographic_rows(rows: Rows) -> Rows:
    """The rows of `recipient_demographics` from per attribute and value counts (`cell_marginals`,
    `marginals`): a missing value is `unknown`, a value no recipient of the window holds is left out.

    NOTE: the cells are grouped by the raw values and missing ones named here: measured at 10M
    events, grouping 1.1M recipients by five COALESCEd columns took ~220 ms of CPU, by the columns ~100 ms.
    """
    order = {attribute: i for i, attribute in enumerate(DEMOGRAPHICS)}
    out = [
        {"attribute": r["attribute"], "key": UNKNOWN if r["key"] is None else r["key"], "value": n, "recipients": n}
        for r in rows
        if (n := int(r["value"]))
    ]
    return sorted(out, key=lambda r: (order[r["attribute"]], -r["value"], r["key"]))
