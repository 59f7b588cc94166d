"""The program manager's dashboard: completion, the engagement funnel and "of those who opened",
shares by channel, re-engagement, verification by program and feedback."""

from __future__ import annotations

from typing import Any

from credlens.domain.events import CHANNELS
from credlens.reports import charts, formats, labels, notes
from credlens.reports.blocks import Spec, breakdown, change_cell, metric_rows, rows_table, tile
from credlens.reports.labels import CHANNEL_NAMES
from credlens.reports.view import Cell, Chart, Column, Dashboard, Section, Table

# The metrics this page reads, so its run computes only those (tests/reports/test_declared_metrics.py
# checks that the page reads nothing else).
METRICS = frozenset(
    {
        "completion_rate",
        "delivery_failures_by_reason",
        "downloads_by_format",
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
        "profile_adds_by_platform",
        "programs",
        "public_views_by_country",
        "public_views_by_referrer",
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


def build(result: Json, k: int) -> Dashboard:
    """The page; ``k`` is the issuer's suppression threshold, which the page states."""
    return Dashboard(
        "programs",
        "Programs",
        "How the programs in scope are completed, opened, shared and verified.",
        result["query"],
        (
            _headline(result),
            _funnel(result),
            _channels(result),
            _public_views(result, k),
            _events_by_attribute(result),
            _per_program(result),
            _feedback(result),
        ),
        result.get("comparison", {}).get("window"),
    )


TOP_SHOWN = 10  # rows of an open-ended breakdown on the page


def _public_views(result: Json, k: int) -> Section:
    """Where the public views of the window come from: the referring site and the viewer's country."""
    referrer = breakdown(
        result,
        "public_views_by_referrer",
        "Public views by referring site",
        "Referring site",
        "Public views",
        limit=TOP_SHOWN,
        names=labels.UNKNOWN,
        note=f"The {TOP_SHOWN} largest; the stats API lists up to 50.",
    )
    countries = result["metrics"]["public_views_by_country"]["rows"]
    country = breakdown(
        result,
        "public_views_by_country",
        "Public views by viewer country",
        "Country",
        "Public views",
        limit=TOP_SHOWN,
        names=labels.names_for((r["key"] for r in countries), labels.country),
        note=f"The {TOP_SHOWN} largest; the stats API lists them all.",
    )
    return Section(
        "public_views",
        "Where public views come from",
        tables=(referrer, country),
        notes=(notes.sensitive(k),),
        intro="Views of the credentials by anyone but their owner, in the window: the site they came from and "
        "the viewer's country, where the event says them.",
    )


def _events_by_attribute(result: Json) -> Section:
    """Downloads by format, profile adds by platform and failed deliveries by reason, in the window."""
    tables = (
        breakdown(result, "downloads_by_format", "Downloads by format", "Format", "Downloads", names=labels.FORMATS),
        breakdown(
            result,
            "profile_adds_by_platform",
            "Added to a profile, by platform",
            "Platform",
            "Profile adds",
            names=labels.PLATFORMS,
        ),
        breakdown(
            result,
            "delivery_failures_by_reason",
            "Failed deliveries by reason",
            "Reason",
            "Failed deliveries",
            names=labels.DELIVERY_FAILURES,
        ),
    )
    return Section(
        "downloads_profiles_deliveries",
        "Downloads, profiles and failed deliveries",
        tables=tables,
        intro="Events in the window, of credentials in scope, by what the event says: the file format "
        "downloaded, the platform of the profile, why a delivery failed.",
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


# The engagement story of the reporting guide ("22 of 43 opened, 8 of those downloaded, 5 shared on
# LinkedIn, 1 added it to their profile"), asked as a custom funnel: the stats API's default funnel is
# issued → opened → shared → verified (docs/metrics.md, "Funnel steps").
FUNNEL = ("issued", "opened", "downloaded", "shared_linkedin", "profile_added")
# What a step's credentials did, as the page says it ("58 of 86 who opened downloaded it").
STEPS = {
    "issued": ("Issued", "were issued"),
    "delivered": ("Delivered", "were delivered"),
    "opened": ("Opened by the owner", "opened it"),
    "downloaded": ("Downloaded", "downloaded it"),
    "shared": ("Shared", "shared it"),
    **{f"shared_{ch}": (f"Shared on {name}", f"shared it on {name}") for ch, name in CHANNEL_NAMES.items()},
    "profile_added": ("Added to a profile", "added it to a profile"),
    "referred": ("Referred someone", "referred someone"),
    "verified": ("Verified", "were verified"),
}
# Who a step's share is of ("86 issued", "86 who opened").
OF_WHOM = {"issued": "issued", "opened": "who opened"}


def of_text(value: float | None, base: float | None, base_step: str, step: str) -> str:
    """ "58 of 86 who opened downloaded it (67 %)": a step's count against the step it is counted from."""
    if value is None or base is None:
        return formats.NA
    whom = OF_WHOM.get(base_step) or f"who {STEPS[base_step][1].removesuffix(' it')}"
    share = f" ({formats.percent(value / base, 0)})".replace(" %", "\u00a0%") if base else ""  # never wraps
    return f"{value:,.0f} of {base:,.0f} {whom} {STEPS[step][1]}{share}"


def _funnel(result: Json) -> Section:
    steps = result["metrics"]["funnel"]["steps"]
    first = steps[0]["value"] if steps else 0
    rows: list[tuple[Cell, ...]] = []
    with_change = "comparison" in result
    for n, step in enumerate(steps):
        value, name = step["value"], step["step"]
        before = steps[n - 1] if n else None
        of = Cell(None, "")
        if before is not None:
            of = Cell(before["value"], of_text(value, before["value"], before["step"], name))
        cells = (
            Cell(name, STEPS[name][0]),
            formats.value_cell(value, "count"),
            of,
            formats.value_cell(value / before["value"], "percent")
            if before and before["value"]
            else Cell(None, "" if before is None else formats.NA),
            formats.value_cell(value / first if first else None, "percent"),
        )
        rows.append((*cells, change_cell(step, rate=False)) if with_change else cells)
    columns = (
        Column("key", "Step", numeric=False),
        Column("value", "Credentials", "funnel"),
        Column("of", "Of the step before", numeric=False),
        Column("of_previous", "Share of the step before"),
        Column("of_issued", "Share of issued"),
    )
    funnel = Table(
        "funnel",
        "Engagement funnel (each step has every step before it)",
        (*columns, Column("change", "Change")) if with_change else columns,
        tuple(rows),
        metric="funnel",
    )
    return Section(
        "engagement",
        "Engagement",
        charts=(_funnel_chart(steps),),
        tables=(funnel, *_after_opening(result)),
        notes=(notes.COHORT, notes.ENGAGEMENT_BLIND_SPOTS),
        intro=story(steps),
    )


def story(steps: list[Json]) -> str:
    """The funnel in one sentence: "Of 43 credentials issued, 22 opened it; of those, 8 downloaded it,
    5 shared it on LinkedIn and 1 added it to a profile." """
    if not steps or not steps[0]["value"]:
        return "No credential in scope was issued in this window."
    told = [f"{s['value']:,} {STEPS[s['step']][1]}" for s in steps[1:] if s["value"] is not None]
    if not told:
        return ""
    head = f"Of {steps[0]['value']:,} credentials issued, {told[0]}"
    rest = told[1:]
    if not rest:
        return head + "."
    tail = rest[0] if len(rest) == 1 else ", ".join(rest[:-1]) + " and " + rest[-1]
    return (
        f"{head}; of those, {tail}. Each step counts the credentials that also took every step before it; "
        f"this page's funnel is {' → '.join(_lower(STEPS[s['step']][0]) for s in steps)} (the stats API's "
        "default funnel is issued → opened → shared → verified)."
    )


def _lower(label: str) -> str:
    """ "Shared on LinkedIn" -> "shared on LinkedIn" (names keep their capitals)."""
    return label[:1].lower() + label[1:]


# The "of those who opened" rows: the metric, and the step it stands for.
AFTER_OPENING = (
    ("opened_and_downloaded", "downloaded"),
    ("opened_and_shared", "shared"),
    ("opened_and_profile_added", "profile_added"),
)


def _after_opening(result: Json) -> tuple[Table, Table]:
    """The "of those who opened" breakdown, and re-engagement with the time to open."""
    m = result["metrics"]
    opened, issued = m["opened"]["value"], m["issued"]["value"]
    with_change = "comparison" in result
    rows: list[tuple[Cell, ...]] = []
    items = (("opened", "opened", issued, "issued"), *((mid, step, opened, "opened") for mid, step in AFTER_OPENING))
    for metric_id, step, base, base_step in items:
        value = m[metric_id]["value"]
        label = STEPS[step][0] if metric_id == "opened" else f"… and {STEPS[step][1]}"
        cells = (
            Cell(metric_id, label, hint=notes.definition(metric_id)),
            formats.value_cell(value, "count"),
            Cell(base, of_text(value, base, base_step, step)),
            formats.value_cell(value / base if value is not None and base else None, "percent"),
        )
        rows.append((*cells, change_cell(m[metric_id], rate=False)) if with_change else cells)
    columns = (
        Column("metric", "Credentials", numeric=False),
        Column("value", "Count"),
        Column("of", "Of whom", numeric=False),
        Column("share", "Share"),
    )
    after = Table(
        "of_those_who_opened",
        "Of those who opened their credential",
        (*columns, Column("change", "Change")) if with_change else columns,
        tuple(rows),
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
    return after, reengagement


def _funnel_chart(steps: list[Json]) -> Chart:
    """Every step of the funnel table, in its order and with its label."""
    return Chart(
        "funnel_chart",
        "Engagement funnel",
        charts.step_bars(
            [{"key": STEPS[s["step"]][0], "value": s["value"]} for s in steps],
            "Engagement funnel",
            "credentials",
            "Funnel",
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
            Spec("key", "Channel", "text", names=CHANNEL_NAMES),
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
            [{"key": CHANNEL_NAMES[r["key"]], "value": r["rate"]} for r in rows],
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
        intro="One row per program: the credentials it issued in the window and what became of them (opened, "
        "shared, verified), completion of its enrolments, verifications per 100 credentials, the mean rating, and "
        "perceived value: 100 means as valued as the issuer's average program (shares, profile adds and "
        "verifications against the issuer-wide rates). Each column header holds its exact definition.",
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
