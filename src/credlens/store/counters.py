"""Tables of counts kept current by differences: take out what some rows counted, change the rows, add
back what they count now.

Such a table (`cohort_days`, `recipient_days`) is a function of the rows it counts, so it needs no
merge rule: whatever order the changes came in, each of its rows is the count over the rows as they
are. A change is noted in a temporary table of the connection (`record`) and then added to the table
in one go (`apply`), in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Counters:
    table: str
    key: tuple[str, ...]  # issuer_id first; any other may be NULL
    columns: tuple[str, ...]  # BIGINT counts; a row whose counts are all 0 is dropped

    @property
    def pending(self) -> str:
        return f"{self.table}_delta"

    def record_sql(self, counts: str) -> tuple[str, ...]:
        """Note ``counts`` (a SELECT of key and columns, signed) in the pending change."""
        return (
            f"CREATE TEMP TABLE IF NOT EXISTS {self.pending} AS SELECT * FROM {self.table} LIMIT 0",
            f"INSERT INTO {self.pending} {counts}",
        )

    def apply_sql(self) -> tuple[str, ...]:
        """Add the pending change to the table: the rows it touches are replaced by their sums."""
        same = " AND ".join(f"x.{k} IS NOT DISTINCT FROM t.{k}" for k in self.key)
        touched = f"EXISTS (SELECT 1 FROM {self.pending} x WHERE {same})"
        sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in self.columns)
        key = ", ".join(self.key)
        kept = " OR ".join(f"{c} <> 0" for c in self.columns)
        after = f"{self.table}_after"
        return (
            f"""CREATE OR REPLACE TEMP TABLE {after} AS
            SELECT {key}, {sums} FROM (
                SELECT * FROM {self.table} t WHERE {touched}
                UNION ALL SELECT * FROM {self.pending}) GROUP BY ALL""",
            f"DELETE FROM {self.table} t WHERE {touched}",
            f"INSERT INTO {self.table} SELECT * FROM {after} WHERE {kept}",
            f"DROP TABLE {after}",
            f"DROP TABLE {self.pending}",
        )

    def record(self, con: Any, counts: str, params: list[Any] | None = None) -> None:
        first, insert = self.record_sql(counts)
        con.execute(first)
        con.execute(insert, params or [])

    def apply(self, con: Any) -> None:
        for statement in self.apply_sql():
            con.execute(statement)
