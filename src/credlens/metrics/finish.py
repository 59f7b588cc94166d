"""Each metric's result from its inputs' rows: one function per `Finish` of the registry.

`finish(plan, read)` makes the result of every metric the plan finishes (the asked ones and those
they are finished with), counts first: a program's row compares its rates with the issuer's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from credlens.metrics import attributes, designs, market, programs, recipients, verification
from credlens.metrics.buckets import bucket_rows
from credlens.metrics.issuance import active_total, enrollment_rows, enrollment_totals, renewal_rows
from credlens.metrics.plan import Plan
from credlens.metrics.registry import REGISTRY, Finish, Metric, Shape

Json = dict[str, Any]
Rows = list[dict[str, Any]]
# The statements whose one row holds some of the window's counts.
COUNT_ROWS = ("cohort_median", "cohort_recipients", "state", "new_recipients", "renewals", "verification_totals")


class Read:
    """The rows of a window's statements by name, and the trend buckets' keys; what several
    metrics share is worked out once."""

    def __init__(self, plan: Plan, rows: dict[str, Rows], keys: list[str]) -> None:
        self.plan, self.rows, self.keys = plan, rows, keys
        self.results: Json = {}  # the metrics finished so far (`Metric.reads`)

    @cached_property
    def counts(self) -> Json:
        """One row of every count the statements computed."""
        row: Json = {}
        for name in [n for n in self.rows if n.startswith(("days/", "cohort/"))]:
            row.update(self.rows[name][0])
        for name in COUNT_ROWS:
            if name in self.rows:
                row.update(self.rows[name][0])
        if self.plan.rolled_up and "demographics" in self.rows and self.demographics is not None:
            row.setdefault(
                "unique_recipients", sum(int(r["value"]) for r in self.demographics if r["attribute"] == "country")
            )
        row.update(enrollment_totals(self.enrollments) if "enrollments" in self.rows else {})
        if "active_changes" in self.rows:
            row["active_credentials"] = active_total(self.rows["active_changes"])
        return row

    @cached_property
    def demographics(self) -> Rows | None:
        """The window's recipients per demographic attribute and value: from the fold's
        `recipient_days` less the straddlers not awarded in the window (an unfiltered scope), or
        from the cohort's combinations of attributes."""
        if "demographics" not in self.rows:
            return None
        if "demographics_unseen" in self.rows:
            return recipients.marginals(self.rows["demographics"], self.rows["demographics_unseen"])
        return recipients.cell_marginals(self.rows["demographics"])

    @cached_property
    def enrollments(self) -> dict[str, dict[str, int]]:
        return enrollment_rows(self.rows["enrollments"]) if "enrollments" in self.rows else {}

    @cached_property
    def changes(self) -> Rows:  # credentials started and ended per bucket
        return verification.changes_per_bucket(self.keys, self.rows["active_changes"])

    def trend(self) -> Rows:
        return bucket_rows(self.keys, self.rows["verification_trend"])

    @cached_property
    def names(self) -> dict[str, Any]:
        return {k: v["name"] for k, v in programs.name_rows(self.rows["programs"]).items()}

    @cached_property
    def pairs(self) -> Rows:
        return recipients.ordered_pairs(self.rows["pairs"])

    @cached_property
    def attributes(self) -> dict[str, Rows]:
        (name,) = [n for n in self.rows if n.startswith("attributes/")]
        wanted = frozenset(name.removeprefix("attributes/").split(","))
        return attributes.attribute_rows(self.rows[name], wanted)


def finish(plan: Plan, read: Read) -> Json:
    """The results of the plan's metrics, those asked in the registry's order."""
    counting = [m for m in plan.finished if REGISTRY[m].finish is Finish.COUNTS]
    for metric_id in counting + [m for m in plan.finished if m not in counting]:
        metric = REGISTRY[metric_id]
        read.results[metric_id] = FINISH[metric.finish](read, metric)
    return {metric_id: read.results[metric_id] for metric_id in plan.asked}


def counted(metric: Metric, row: Json, funnel: tuple[str, ...]) -> Json | None:
    """A count, rate, mean or funnel from the window's counts; None when they are not in ``row``."""
    counts = {k: int(v or 0) for k, v in row.items() if k != "median_days_to_open"}
    if metric.id == "median_days_to_open":
        if metric.id not in row:
            return None
        median = row[metric.id]
        return {"value": None if median is None else round(float(median), 6)}
    if not metric.counts(funnel) <= counts.keys():
        return None
    if metric.id == "owner_active_days_mean":
        opened = counts["opened"]
        return {"value": round(counts["owner_active_days_total"] / opened, 6) if opened else None}
    if metric.shape is Shape.RATE:
        assert metric.numerator is not None
        assert metric.denominator is not None
        num, den = counts[metric.numerator], counts[metric.denominator]
        return {"value": round(num / den, 6) if den else None, "numerator": num, "denominator": den}
    if metric.shape is Shape.FUNNEL:
        return {"steps": [{"step": s, "value": counts[f"funnel_{k}"]} for k, s in enumerate(funnel)]}
    return {"value": counts[metric.id]}


def shape(row: Json, funnel: tuple[str, ...]) -> Json:
    """Every count, rate, mean and funnel metric whose counts are in ``row``."""
    out = {}
    for metric in REGISTRY.values():
        if metric.finish is Finish.COUNTS and (result := counted(metric, row, funnel)) is not None:
            out[metric.id] = result
    return out


def _counts(read: Read, metric: Metric) -> Json:
    result = counted(metric, read.counts, read.plan.funnel)
    assert result is not None, f"{metric.id}: its counts were not planned"
    return result


def _rows(rows: Rows) -> Json:
    return {"rows": rows}


def _issued_trend(read: Read, _: Metric) -> Json:
    issued = [{"key": r["key"], "value": r["started"]} for r in read.changes if r["key"]]
    return _rows(bucket_rows(read.keys, issued))


def _segment_trend(read: Read, metric: Metric) -> Json:
    attribute = metric.id.removeprefix("verifications_by_").removesuffix("_trend")
    return _rows(market.segment_trend(read.keys, read.rows["segment_trends"], attribute))


def _programs(read: Read, _: Metric) -> Json:
    info = programs.name_rows(read.rows["programs"])
    counts = programs.count_rows(read.rows["per_program"])
    return _rows(programs.program_rows(info, counts, read.enrollments, read.results))


def _verifier_breakdown(read: Read, metric: Metric) -> Json:
    attribute = metric.id.removeprefix("verifications_by_")
    return _rows(verification.breakdown_rows(read.rows["verification_breakdowns"], attribute))


def _top_verifiers(read: Read, _: Metric) -> Json:
    by = read.rows["verification_breakdowns"]
    return _rows(verification.breakdown_rows(by, "organization", verification.TOP_VERIFIERS))


def _demographics(read: Read, _: Metric) -> Json:
    assert read.demographics is not None
    return _rows(recipients.demographic_rows(read.demographics))


FINISH: dict[Finish, Callable[[Read, Metric], Json]] = {
    Finish.COUNTS: _counts,
    Finish.ISSUED_TREND: _issued_trend,
    Finish.VERIFICATION_TREND: lambda read, _: _rows(read.trend()),
    Finish.PER_1K_ACTIVE: lambda read, _: _rows(verification.per_1k_active(read.keys, read.changes, read.trend())),
    Finish.VERIFIER_BREAKDOWN: _verifier_breakdown,
    Finish.TOP_VERIFIERS: _top_verifiers,
    Finish.SEGMENT_TREND: _segment_trend,
    Finish.EMPLOYER_SEGMENTS: lambda read, _: _rows(market.segment_rows(read.rows["employers"])),
    Finish.PROGRAMS: _programs,
    Finish.PROGRAM_RENEWALS: lambda read, _: _rows(renewal_rows(read.rows["program_renewals"], read.names)),
    Finish.DESIGNS: lambda read, _: _rows(designs.design_rows(read.rows["designs"], read.names)),
    Finish.CREDENTIALS_PER_RECIPIENT: lambda read, _: _rows(
        recipients.credentials_per_recipient(read.rows["portfolio"])
    ),
    Finish.CO_HELD_PROGRAMS: lambda read, _: _rows(
        recipients.co_held_programs(read.pairs, read.rows["portfolio"], read.names)
    ),
    Finish.PROGRAM_SEQUENCES: lambda read, _: _rows(recipients.program_sequences(read.pairs, read.names)),
    Finish.SHARE_CHANNELS: lambda read, _: _rows(recipients.share_channels(read.rows["daily_activity"])),
    Finish.FEEDBACK: lambda read, _: recipients.feedback(read.rows["daily_activity"]),
    Finish.CAREER_OUTCOMES: lambda read, _: _rows(recipients.outcome_rows(read.rows["career_outcomes"])),
    Finish.ATTRIBUTE: lambda read, metric: _rows(read.attributes[metric.id]),
    Finish.DEMOGRAPHICS: _demographics,
}
