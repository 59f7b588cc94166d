"""The program manager's dashboard: completion, the engagement funnel and "of those who opened",
shares by channel, re-engagement, verification by program and feedback."""

from __future__ import annotations

from typing import Any

from credlens.domain.events import CHANNELS
from credlens.reports import charts, notes
from credlens.reports.blocks import Spec, metric_rows, rows_table, tile
from credlens.reports.view import Chart, Dashboard, Section, Table

# The metrics this page reads, so its run computes only those (tests/reports/test_declared_metrics.py
# checks that the page reads nothing else).
METRICS = frozenset(
    {
        "completion_rate",
        "feedback",
        "funnel",
        "issued",
        "median_days_to_open",
        "opened",
        "opened_and_downloaded",
        "opened_and_profile_added",
        "opened_and_shared",
        "opened_within_30d",
        "opened_within_7d",
        "owner_active_days_mean",
        "programs",
        "reengagement_rate",
        "share_rate",
        "share_rate_email",
        "share_rate_embed",
        "share_rate_facebook",
        "share_rate_link",
        "share_rate_linkedin",
        "share_rate_other",
        "share_rate_whatsapp",
        "share_rate_x",
        "shared_email",
        "shared_embed",
        "shared_facebook",
        "shared_link",
        "shared_linkedin",
        "shared_other",
        "shared_whatsapp",
        "shared_x",
        "verification_rate",
        "view_rate",
    }
)

Json = dict[str, Any]


def build(result: Json) -> Dashboard:
    return Dashboard(
        "programs",
        "Programs",
        "How the programs in scope are completed, opened, shared and verified.",
        result["query"],
        (_headline(result), _funnel(result), _channels(result), _per_program(result), _feedback(result)),
        result.get("comparison", {}).get("window"),
    )


def _headline(result: Json) -> Section:
    items = (
        ("issued", "Credentials issued"),
        ("completion_rate", "Completion rate"),
        ("view_rate", "Opened by the owner"),
        ("share_rate", "Share rate"),
        ("reengagement_rate", "Re-engagement"),
        ("verification_rate", "Verification rate"),
    )
    return Section("headline", "This window", tiles=tuple(tile(result, m, label) for m, label in items))


def _funnel(result: Json) -> Section:
    m = result["metrics"]
    steps = m["funnel"]["steps"]
    first = steps[0]["value"] if steps else 0
    rows = []
    for n, step in enumerate(steps):
        before = steps[n - 1]["value"] if n else None
        rows.append(
            {
                "key": step["step"],
                "value": step["value"],
                "of_issued": step["value"] / first if first else None,
                "of_previous": step["value"] / before if before else None,
                "change": step.get("change"),
            }
        )
    funnel = rows_table(
        "funnel",
        "Engagement funnel (each step has every step before it)",
        rows,
        (
            Spec("key", "Step", "text"),
            Spec("value", "Credentials", "count", "funnel"),
            Spec("of_issued", "Of issued", "percent"),
            Spec("of_previous", "Of the step before", "percent"),
        ),
        metric="funnel",
        with_change="comparison" in result,
    )
    return Section(
        "engagement",
        "Engagement",
        charts=(_funnel_chart(rows),),
        tables=(funnel, *_after_opening(result)),
        notes=(notes.COHORT, notes.ENGAGEMENT_BLIND_SPOTS),
    )


def _after_opening(result: Json) -> tuple[Table, Table]:
    """The "of those who opened" breakdown, and re-engagement with the time to open."""
    opened = metric_rows(
        result,
        "of_those_who_opened",
        "Of those who opened their credential",
        (
            ("opened", "Opened by the owner"),
            ("opened_and_downloaded", "… and downloaded it"),
            ("opened_and_shared", "… and shared it"),
            ("opened_and_profile_added", "… and added it to a profile"),
        ),
    )
    reengagement = metric_rows(
        result,
        "reengagement",
        "Re-engagement and time to open",
        (
            ("reengagement_rate", "Came back 30+ days after first opening"),
            ("owner_active_days_mean", "Active days per opened credential"),
            ("median_days_to_open", "Median days to open"),
            ("opened_within_7d", "Opened within 7 days"),
            ("opened_within_30d", "Opened within 30 days"),
            ("completion_rate", "Completion rate (enrolments that led to a credential)"),
        ),
    )
    return opened, reengagement


def _funnel_chart(rows: list[Json]) -> Chart:
    return Chart(
        "funnel_chart",
        "Engagement funnel",
        charts.ordered_bars(
            [{"key": r["key"], "value": r["value"]} for r in rows], "Engagement funnel", "credentials", "Funnel"
        ),
        "funnel",
        "Bar chart of the funnel steps; the table below holds the same numbers.",
    )


def _channels(result: Json) -> Section:
    m = result["metrics"]
    rows = [
        {
            "key": ch,
            "value": m[f"shared_{ch}"]["value"],
            "rate": m[f"share_rate_{ch}"]["value"],
            "change": m[f"shared_{ch}"].get("change"),
        }
        for ch in CHANNELS
    ]
    rows.sort(key=lambda r: (-r["value"], r["key"]))
    table = rows_table(
        "share_rate_by_channel",
        "Credentials shared, by channel",
        rows,
        (
            Spec("key", "Channel", "text"),
            Spec("value", "Credentials shared", "count", "shared"),
            Spec("rate", "Share rate", "percent", "share_rate"),
        ),
        metric="share_rate",
        with_change="comparison" in result,
    )
    chart = Chart(
        "channels_chart",
        "Share rate by channel",
        charts.ranked_bars(
            [{"key": r["key"], "value": r["rate"]} for r in rows],
            "Share rate by channel",
            "share rate",
            "Share rate by channel",
            percent=True,
        ),
        "share_rate_by_channel",
        "Bar chart of the share rate per channel; the table below holds the same numbers.",
    )
    return Section(
        "channels", "Shares by channel", charts=(chart,), tables=(table,), notes=(notes.ENGAGEMENT_BLIND_SPOTS,)
    )


def program_table(result: Json, table_id: str = "programs") -> Table:
    return rows_table(
        table_id,
        "Per program (cohort; completion by activity)",
        result["metrics"]["programs"]["rows"],
        (
            Spec("name", "Program", "text"),
            Spec("department", "Department", "text"),
            Spec("issued", "Issued", "count", "issued"),
            Spec("completion_rate", "Completion", "percent", "completion_rate"),
            Spec("view_rate", "Opened", "percent", "view_rate"),
            Spec("share_rate", "Shared", "percent", "share_rate"),
            Spec("verification_rate", "Verified", "percent", "verification_rate"),
            Spec("employer_interest", "Verifications per 100", "number", "programs"),
            Spec("avg_rating", "Mean rating", "number", "programs"),
            Spec("perceived_value_index", "Perceived value", "number", "programs"),
        ),
        metric="programs",
    )


def _per_program(result: Json) -> Section:
    return Section(
        "per_program",
        "Verification and value by program",
        tables=(program_table(result),),
        intro=notes.definition("programs"),
    )


def _feedback(result: Json) -> Section:
    feedback = result["metrics"]["feedback"]
    table = rows_table(
        "feedback",
        f"Ratings given in the window (mean {feedback['mean']:.2f} of {feedback['count']:,})"
        if feedback.get("mean") is not None
        else "Ratings given in the window",
        feedback["rows"],
        (Spec("key", "Rating", "text"), Spec("value", "Ratings", "count", "feedback")),
        metric="feedback",
        with_change="comparison" in result,
    )
    chart = Chart(
        "feedback_chart",
        "Ratings",
        charts.ordered_bars(feedback["rows"], "Ratings (1–5)", "ratings", "Distribution of ratings"),
        "feedback",
        "Bar chart of ratings 1 to 5; the table below holds the same numbers.",
    )
    return Section(
        "feedback", "Recipient feedback", charts=(chart,), tables=(table,), intro=notes.definition("feedback")
    )
