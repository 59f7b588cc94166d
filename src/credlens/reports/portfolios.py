"""Recipients & portfolios: credentials per recipient, co-held programs with lift, common sequences,
share channels and demographics (suppressed per privacy.md)."""

from __future__ import annotations

from typing import Any

from credlens.reports import charts, labels, notes
from credlens.reports.blocks import Spec, breakdown, rows_table, tile
from credlens.reports.view import Chart, Dashboard, Section

# The metrics this page reads, so its run computes only those (tests/reports/test_declared_metrics.py
# checks that the page reads nothing else).
METRICS = frozenset(
    {
        "co_held_programs",
        "credentials_per_recipient",
        "new_recipients",
        "program_sequences",
        "recipient_demographics",
        "share_channels",
        "unique_recipients",
    }
)

Json = dict[str, Any]


def build(result: Json, k: int) -> Dashboard:
    return Dashboard(
        "portfolios",
        "Recipients & portfolios",
        "How recipients build portfolios of credentials, and where they share them.",
        result["query"],
        (_portfolios(result), _pairs(result), _sharing(result), _demographics(result, k)),
        result.get("comparison", {}).get("window"),
    )


def _portfolios(result: Json) -> Section:
    tiles = (tile(result, "unique_recipients", "Unique recipients"), tile(result, "new_recipients", "New recipients"))
    table = breakdown(
        result, "credentials_per_recipient", "Recipients by credentials held", "Credentials", "Recipients"
    )
    chart = Chart(
        "per_recipient_chart",
        "Credentials per recipient",
        charts.ordered_bars(
            result["metrics"]["credentials_per_recipient"]["rows"],
            "Recipients by credentials held",
            "recipients",
            "Recipients by number of credentials held",
        ),
        "credentials_per_recipient",
        "Bar chart of recipients by credentials held; the table below holds the same numbers.",
    )
    return Section(
        "portfolios",
        "Portfolios",
        tiles=tiles,
        charts=(chart,),
        tables=(table,),
        intro=notes.definition("credentials_per_recipient"),
    )


LIFT = (
    "Lift compares how often two programs are held together with how often they would be if recipients "
    "chose them independently: 1× is chance, 2× twice as often, 0.5× half as often."
)


def lift_words(lift: float | None) -> str:
    """ "held together 0.8× as often as chance": the lift in words, whichever side of 1 it is."""
    if lift is None:
        return ""
    if round(lift, 1) == 1:
        return "held together about as often as chance"
    return f"held together {lift:.1f}× as often as chance"


def _pairs(result: Json) -> Section:
    m = result["metrics"]
    co_held = rows_table(
        "co_held_programs",
        "Programs held together",
        [
            {**r, "pair": f"{r['a_name'] or r['a']} + {r['b_name'] or r['b']}", "lift_words": lift_words(r["lift"])}
            for r in m["co_held_programs"]["rows"][:20]
        ],
        (
            Spec("pair", "Programs", "text"),
            Spec("value", "Recipients holding both", "count", "co_held_programs"),
            Spec("support", "Support", "percent"),
            Spec("lift", "Lift", "number"),
            Spec("lift_words", "Compared with chance", "text"),
        ),
        metric="co_held_programs",
        note=LIFT,
    )
    sequences = rows_table(
        "program_sequences",
        "Common sequences (earned A, then B)",
        [
            {**r, "pair": f"{r['a_name'] or r['a']} → {r['b_name'] or r['b']}"}
            for r in m["program_sequences"]["rows"][:20]
        ],
        (
            Spec("pair", "Sequence", "text"),
            Spec("value", "Recipients", "count", "program_sequences"),
            Spec("median_days", "Median time between", "days"),
        ),
        metric="program_sequences",
    )
    return Section("pairs", "Co-held programs and sequences", tables=(co_held, sequences))


def _sharing(result: Json) -> Section:
    table = breakdown(
        result, "share_channels", "Shares in the window, by channel", "Channel", "Shares", names=labels.CHANNEL_NAMES
    )
    chart = Chart(
        "share_channels_chart",
        "Shares by channel",
        charts.ranked_bars(
            [
                {**r, "key": labels.CHANNEL_NAMES.get(r["key"], r["key"])}
                for r in result["metrics"]["share_channels"]["rows"]
            ],
            "Shares by channel",
            "shares",
            "Shares",
        ),
        "share_channels",
        "Bar chart of shares by channel; the table below holds the same numbers.",
    )
    return Section(
        "sharing", "Where recipients share", charts=(chart,), tables=(table,), notes=(notes.ENGAGEMENT_BLIND_SPOTS,)
    )


def _demographics(result: Json, k: int) -> Section:
    rows = [
        {**r, "attribute_key": labels.attribute_value(r["attribute"], str(r["key"]))}
        for r in result["metrics"]["recipient_demographics"]["rows"]
    ]
    table = rows_table(
        "recipient_demographics",
        "Recipients of the cohort by demographic attribute",
        rows,
        (
            Spec("attribute_key", "Attribute: value", "text"),
            Spec("value", "Recipients", "count", "recipient_demographics"),
        ),
        metric="recipient_demographics",
        with_change="comparison" in result,
    )
    return Section("demographics", "Demographics", tables=(table,), notes=(notes.sensitive(k),))
