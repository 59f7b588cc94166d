"""The issuer's programs, as assignable to program managers and shown by name."""

from __future__ import annotations

from dataclasses import dataclass

from credlens.store.scope import IssuerTables


@dataclass(frozen=True)
class Program:
    program_id: str
    name: str | None


def programs(tables: IssuerTables) -> list[Program]:
    p = tables["programs"]
    rows = p.select("program_id", "name").order_by("program_id").to_pyarrow().to_pylist()
    return [Program(row["program_id"], row["name"]) for row in rows]
