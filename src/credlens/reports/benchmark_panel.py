"""The Benchmarks panel of the Executive and Programs pages: the benchmarks JSON as one section, so the
page, its `.json` and its `.csv` twin show the same released values (docs/dashboards.md)."""

from __future__ import annotations

from typing import Any

from credlens.reports.formats import percent
from credlens.reports.notes import definition
from credlens.reports.view import Cell, Column, Section, Table

Json = dict[str, Any]

LABELS = {
    "view_rate": "View rate",
    "share_rate": "Share rate",
    "share_rate_linkedin": "Share rate (LinkedIn)",
    "profile_add_rate": "Profile-add rate",
    "referral_rate": "Referral rate",
    "verification_rate": "Verification rate",
    "delivery_rate": "Delivery rate",
    "completion_rate": "Completion rate",
}
COLUMNS = (
    Column("metric", "Metric", numeric=False),
    Column("yours", "Yours"),
    Column("peers", "Peers: mean (noisy)"),
    Column("peers_noise", "± (95 % of the noise)"),
    Column("peer_issuers", "Peer issuers"),
    Column("peer_median", "Peers: median (noisy)"),
    Column("band", "Your place among peers", numeric=False),
    Column("published", "Accredible published (not measured here)"),
    Column("why_not", "Why no peer value", numeric=False),
)


def section(result: Json) -> Section:
    """One row per benchmark metric; peer values only as released, published figures labelled apart."""
    industry = result["industry"]
    rows = []
    notes: list[str] = []
    for metric_id, entry in result["benchmarks"].items():
        mine, peers, published = entry["issuer"], entry["peers"], entry["published"]
        label = LABELS.get(metric_id, metric_id)
        peer_cell = noise_cell = issuers_cell = median_cell = Cell(None, "—")
        if peers is not None:
            low, high = peers["ci95"]
            half = round(max(peers["value"] - low, high - peers["value"]), 4)
            peer_cell = Cell(peers["value"], percent(peers["value"]))
            noise_cell = Cell(half, f"± {half * 100:.1f} pts")
            issuers_cell = Cell(peers["issuers"], str(peers["issuers"]))
            median_cell = Cell(peers["median"], percent(peers["median"]))
        published_cell = Cell(None, "—")
        if published is not None:
            published_cell = Cell(published["value"], f"{percent(published['value'], 0)} (published)")
            notes.append(f"{label}: {published['note']}")
        rows.append(
            (
                Cell(label, label, hint=definition(metric_id)),
                Cell(mine["value"], percent(mine["value"])),
                peer_cell,
                noise_cell,
                issuers_cell,
                median_cell,
                Cell(entry["percentile_band"], entry["percentile_band"] or "—"),
                published_cell,
                Cell(entry["why_not"], entry["why_not"] or ""),
            )
        )
    where = f"other issuers in {industry}" if industry else "other issuers of your industry (none set)"
    table = Table(
        "benchmarks",
        "Benchmarks",
        COLUMNS,
        tuple(rows),
        note="Peer values are released with differential-privacy noise and never name or count a peer's data.",
    )
    intro = (
        f"Your rates beside the {where} with at least 50 credentials in this window (shown when 5 or more "
        "qualify), and Accredible's published averages, which are theirs, not measured here."
    )
    if result["benchmarks"]:
        source = next((e["published"] for e in result["benchmarks"].values() if e["published"]), None)
        if source is not None:
            notes.append(f"Published figures: {source['source']}, read {source['as_of']}.")
    return Section("benchmarks", "Benchmarks", tables=(table,), notes=tuple(notes), intro=intro)
