"""Tenant isolation by construction: readers get tables already filtered to one issuer."""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

SCOPED_TABLES = (
    "events",
    "credentials",
    "daily",
    "programs",
    "recipients",
    "verifications",
    "enrollments",
    "reported_outcomes",
)


@dataclass(frozen=True)
class IssuerTables:
    """Ibis tables of one issuer; ``self["credentials"]`` holds only that issuer's rows."""

    _tables: dict[str, ir.Table]
    issuer_id: int

    def __getitem__(self, name: str) -> ir.Table:
        table = self._tables[name]
        return table.filter(table.issuer_id == self.issuer_id)
