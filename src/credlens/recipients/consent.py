"""Consent figures for the issuer's admin: how many recipients opted in to detailed tracking."""

from __future__ import annotations

from credlens.store.scope import IssuerTables


def opted_in(tables: IssuerTables) -> tuple[int, int]:
    """(recipients with ``detailed_tracking = true``, all recipients) of the issuer."""
    r = tables["recipients"]
    row = (
        r.aggregate(opted=r.detailed_tracking.fill_null(False).cast("int64").sum(), total=r.count())
        .to_pyarrow()
        .to_pylist()[0]
    )
    return int(row["opted"] or 0), int(row["total"] or 0)
