"""The issuer's programs, as assignable to program managers, shown by name and filtered by department."""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

from credlens.store.scope import IssuerTables


@dataclass(frozen=True)
class Program:
    program_id: str
    name: str | None
    department: str | None = None


def programs(tables: IssuerTables) -> list[Program]:
    """Every program the issuer's events named, by id (read by every dashboard for its filters)."""

    def build() -> ir.Expr:
        p = tables["programs"]
        return p.select("program_id", "name", "department").order_by("program_id")

    rows = tables.query("catalog", build)
    return [Program(row["program_id"], row["name"], row["department"]) for row in rows]
