"""Per-design rates of the cohort (metrics.md, `designs`): the certificate or badge template each
credential was issued with (`credential.issued` `design`), per program, from `credentials`."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

Json = dict[str, Any]
# A design's rates and their counts: what insights compare between designs (insights/designs.py).
RATES = {"view_rate": "opened", "share_rate": "shared", "profile_add_rate": "profile_added"}
_FIRST = {"opened": "first_owner_view_at", "shared": "first_share_at", "profile_added": "first_profile_add_at"}


def per_design(cohort: ir.Table) -> ir.Table:
    """The cohort's credentials issued with a design, counted per (program, design); the design's name
    is the one of its latest issuance (ties: the greatest name)."""
    c = cohort.filter(cohort.design_id.notnull())
    counts = {count: c[column].count() for count, column in _FIRST.items()}
    return c.group_by(["program_id", "design_id"]).aggregate(
        issued=c.count(), name=c.design_name.argmax(c.issued_at), **counts
    )


def design_rows(rows: list[Json], names: dict[str, str | None]) -> list[Json]:
    """Rows `{key, program, program_name, design, name, value, issued, <counts>, <rates>}`, largest first."""
    out = []
    for r in rows:
        issued = int(r["issued"])
        row: Json = {
            "key": f"{r['program_id']}/{r['design_id']}",
            "program": r["program_id"],
            "program_name": names.get(r["program_id"]),
            "design": r["design_id"],
            "name": r["name"],
            "value": issued,
            "issued": issued,
        }
        for rate, count in RATES.items():
            row[count] = int(r[count] or 0)
            row[rate] = round(row[count] / issued, 6) if issued else None
        out.append(row)
    return sorted(out, key=lambda row: (-row["issued"], row["key"]))
