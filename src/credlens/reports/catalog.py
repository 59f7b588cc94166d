"""The issuer's programs and departments, for the dashboards' filters and the empty state."""

from __future__ import annotations

from dataclasses import dataclass

from credlens.store.catalog import programs as issuer_programs
from credlens.store.scope import IssuerTables


@dataclass(frozen=True)
class Catalog:
    programs: tuple[tuple[str, str], ...]  # (program id, name), by name
    departments: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """No program has been seen: the issuer has sent no issuance or enrollment yet."""
        return not self.programs

    def name(self, program_id: str) -> str:
        return dict(self.programs).get(program_id, program_id)


def catalog(tables: IssuerTables) -> Catalog:
    rows = issuer_programs(tables)
    programs = sorted(((p.program_id, p.name or p.program_id) for p in rows), key=lambda x: (x[1], x[0]))
    departments = sorted({p.department for p in rows if p.department})
    return Catalog(tuple(programs), tuple(departments))
