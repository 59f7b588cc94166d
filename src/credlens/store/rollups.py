"""Derived tables as folds of events, so that they are correct whatever order events arrive in.

Each column of a derived row is a commutative, idempotent-under-dedupe fold of the events that
touch it: ``min`` / ``max`` timestamps, ``sum`` counters, a set ``union`` of days, or ``latest``
(the value of the event with the greatest ``(occurred_at, event_id)``, so ties break the same way
in any order). One spec yields both SQL statements the writer needs: the aggregate of a batch per
key, and the merge of that aggregate into the stored row. A rebuild from raw events is the same
aggregate over all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import pyarrow as pa
import pyarrow.compute as pc

from credlens.domain.events import CHANNELS


class Fold(Enum):
    MIN = "min"
    MAX = "max"
    SUM = "sum"
    UNION = "union"


@dataclass(frozen=True)
class Column:
    name: str
    fold: Fold
    expr: str  # the contribution of one event row `e`; NULL contributes nothing


@dataclass(frozen=True)
class Latest:
    """Columns set together by the latest event matching ``when``; stored with ``<group>_at/_src``."""

    group: str
    when: str
    values: tuple[tuple[str, str], ...]  # (column, expression over e)


@dataclass(frozen=True)
class Rollup:
    table: str
    key: str
    hash: str
    key_expr: str
    where: str
    columns: tuple[Column, ...]
    latest: tuple[Latest, ...] = ()

    def column_names(self) -> list[str]:
        names = [c.name for c in self.columns]
        for group in self.latest:
            names += [v for v, _ in group.values] + [f"{group.group}_at", f"{group.group}_src"]
        return names


def _is(*types: str) -> str:
    quoted = ", ".join(f"'{t}'" for t in types)
    return f"e.type IN ({quoted})" if len(types) > 1 else f"e.type = {quoted}"


def _when(cond: str, value: str = "e.occurred_at") -> str:
    return f"CASE WHEN {cond} THEN {value} END"


def _count(cond: str) -> str:
    return f"CASE WHEN {cond} THEN 1 ELSE 0 END"


OWNER_ACTIVITY = (
    "((e.type IN ('credential.viewed', 'credential.downloaded', 'credential.shared') AND e.actor = 'owner')"
    " OR e.type = 'credential.profile_added')"
)
ISSUED = _is("credential.issued")
OWNER_VIEW = "e.type = 'credential.viewed' AND e.actor = 'owner'"
PUBLIC_VIEW = "e.type = 'credential.viewed' AND e.actor = 'public'"

CREDENTIALS = Rollup(
    table="credentials",
    key="credential_id",
    hash="cred_hash",
    key_expr="e.credential_id",
    where="e.credential_id IS NOT NULL AND e.type NOT IN ('program.enrolled', 'recipient.consent_changed')",
    columns=(
        Column("issue_event_id", Fold.MIN, _when(ISSUED, "e.event_id")),
        Column("program_id", Fold.MIN, _when(ISSUED, "e.program_id")),
        Column("kind", Fold.MIN, _when(ISSUED, "e.program_kind")),
        Column("recipient_key", Fold.MIN, _when(ISSUED, "e.recipient_key")),
        Column("issued_at", Fold.MIN, _when(ISSUED)),
        Column("delivered_at", Fold.MIN, _when(_is("credential.delivered"))),
        Column("delivery_failed_at", Fold.MIN, _when(_is("credential.delivery_failed"))),
        Column("first_owner_view_at", Fold.MIN, _when(OWNER_VIEW)),
        Column("first_public_view_at", Fold.MIN, _when(PUBLIC_VIEW)),
        Column("first_download_at", Fold.MIN, _when(_is("credential.downloaded"))),
        Column("first_share_at", Fold.MIN, _when(_is("credential.shared"))),
        *(
            Column(
                f"first_share_{ch}_at",
                Fold.MIN,
                _when(f"e.type = 'credential.shared' AND e.channel = '{ch}'"),
            )
            for ch in CHANNELS
        ),
        Column("first_profile_add_at", Fold.MIN, _when(_is("credential.profile_added"))),
        Column("first_referral_at", Fold.MIN, _when(_is("credential.referral_clicked"))),
        Column("first_verified_at", Fold.MIN, _when(_is("credential.verified"))),
        Column("revoked_at", Fold.MIN, _when(_is("credential.revoked"))),
        Column("expired_at", Fold.MIN, _when(_is("credential.expired"))),
        Column("renewed_at", Fold.MAX, _when(_is("credential.renewed"))),
        Column("first_owner_activity_at", Fold.MIN, _when(OWNER_ACTIVITY)),
        Column("last_owner_activity_at", Fold.MAX, _when(OWNER_ACTIVITY)),
        Column("owner_days", Fold.UNION, _when(OWNER_ACTIVITY, "CAST(e.occurred_at AS DATE)")),
        Column("owner_views", Fold.SUM, _count(OWNER_VIEW)),
        Column("public_views", Fold.SUM, _count(PUBLIC_VIEW)),
        Column("downloads", Fold.SUM, _count(_is("credential.downloaded"))),
        Column("shares", Fold.SUM, _count(_is("credential.shared"))),
        Column("profile_adds", Fold.SUM, _count(_is("credential.profile_added"))),
        Column("referrals", Fold.SUM, _count(_is("credential.referral_clicked"))),
        Column("verifications", Fold.SUM, _count(_is("credential.verified"))),
        Column("rating_count", Fold.SUM, _count(_is("recipient.feedback"))),
        Column("rating_sum", Fold.SUM, "CASE WHEN e.type = 'recipient.feedback' THEN e.rating ELSE 0 END"),
        Column("events", Fold.SUM, "1"),
        # The recipient as the 64-bit hash `recipients.recipient_hash` also holds: metrics count and
        # join recipients on it, 2-3x faster than on the 64-character keys (docs/performance.md).
        Column("recipient_hash", Fold.MIN, _when(ISSUED, "md5_number_lower(e.recipient_key)")),
        # One issuance per credential (a second is refused), so MIN is its design.
        Column("design_id", Fold.MIN, _when(ISSUED, "e.design_id")),
        Column("design_name", Fold.MIN, _when(ISSUED, "e.design_name")),
    ),
    latest=(
        Latest(
            "expires_set",
            "e.type IN ('credential.issued', 'credential.renewed') AND e.expires_at IS NOT NULL",
            (("expires_at", "e.expires_at"),),
        ),
    ),
)

PROGRAMS = Rollup(
    table="programs",
    key="program_id",
    hash="program_hash",
    key_expr="e.program_id",
    where="e.program_id IS NOT NULL",
    columns=(Column("first_seen_at", Fold.MIN, "e.occurred_at"),),
    latest=(
        Latest("name", f"{ISSUED} AND e.program_name IS NOT NULL", (("name", "e.program_name"),)),
        Latest("kind", f"{ISSUED} AND e.program_kind IS NOT NULL", (("kind", "e.program_kind"),)),
        Latest(
            "department",
            f"{ISSUED} AND e.program_department IS NOT NULL",
            (("department", "e.program_department"),),
        ),
    ),
)

RECIPIENTS = Rollup(
    table="recipients",
    key="recipient_key",
    hash="recipient_hash",
    key_expr="e.recipient_key",
    where="e.recipient_key IS NOT NULL",
    columns=(Column("first_seen_at", Fold.MIN, "e.occurred_at"),),
    latest=(
        Latest("country", f"{ISSUED} AND e.recipient_country IS NOT NULL", (("country", "e.recipient_country"),)),
        Latest(
            "demographics",
            f"{ISSUED} AND (e.gender IS NOT NULL OR e.age_band IS NOT NULL"
            " OR e.education_level IS NOT NULL OR e.employment_status IS NOT NULL)",
            tuple((c, f"e.{c}") for c in ("gender", "age_band", "education_level", "employment_status")),
        ),
        Latest("consent", "e.detailed_tracking IS NOT NULL", (("detailed_tracking", "e.detailed_tracking"),)),
    ),
)

_VERIFIED = _is("credential.verified")
_OUTCOME = _is("verification.outcome")
VERIFICATIONS = Rollup(
    table="verifications",
    key="verification_id",
    hash="verification_hash",
    key_expr=f"CASE WHEN {_VERIFIED} THEN e.event_id ELSE e.verification_id END",
    where=f"({_VERIFIED} OR {_OUTCOME})",
    columns=(
        Column("credential_id", Fold.MIN, "e.credential_id"),
        Column("cred_hash", Fold.MIN, "e.cred_hash"),
        Column("verified_at", Fold.MIN, _when(_VERIFIED)),
        *(
            Column(name, Fold.MIN, _when(_VERIFIED, f"e.{src}"))
            for name, src in (
                ("consent", "verifier_consent"),
                ("organization", "verifier_organization"),
                ("industry", "verifier_industry"),
                ("size", "verifier_size"),
                ("country", "verifier_country"),
                ("result", "result"),
            )
        ),
        Column("outcome_count", Fold.SUM, _count(_OUTCOME)),
        Column("hired_count", Fold.SUM, _count(f"{_OUTCOME} AND e.outcome = 'hired'")),
        Column("first_outcome_at", Fold.MIN, _when(_OUTCOME)),
    ),
    latest=(Latest("outcome", _OUTCOME, (("outcome", "e.outcome"),)),),
)

ROLLUPS: tuple[Rollup, ...] = (CREDENTIALS, PROGRAMS, RECIPIENTS, VERIFICATIONS)


def aggregate_sql(rollup: Rollup, source: str) -> str:
    """One row per key of ``source`` (an event relation aliased ``e``): the fold of its events."""
    selects = [
        "e.issuer_id AS issuer_id",
        f"md5_number_lower({rollup.key_expr}) AS {rollup.hash}",
        f"{rollup.key_expr} AS {rollup.key}",
    ]
    for col in rollup.columns:
        selects.append(f"{_aggregate(col)} AS {col.name}")
    for group in rollup.latest:
        order = "(e.occurred_at, e.event_id)"
        for name, expr in group.values:
            selects.append(f"arg_max({expr}, {order}) FILTER (WHERE {group.when}) AS {name}")
        selects.append(f"max(e.occurred_at) FILTER (WHERE {group.when}) AS {group.group}_at")
        selects.append(f"arg_max(e.event_id, {order}) FILTER (WHERE {group.when}) AS {group.group}_src")
    body = ",\n  ".join(selects)
    return f"SELECT\n  {body}\nFROM {source} e\nWHERE {rollup.where}\nGROUP BY ALL"


def _aggregate(col: Column) -> str:
    if col.fold is Fold.SUM:
        return f"CAST(sum({col.expr}) AS INTEGER)"
    if col.fold is Fold.UNION:
        return f"list_sort(list_distinct(list({col.expr}) FILTER (WHERE {col.expr} IS NOT NULL)))"
    return f"{col.fold.value}({col.expr})"


def changed_columns(rollup: Rollup, delta: pa.Table) -> frozenset[str]:
    """The columns (and latest groups) that merging ``delta`` (an ``aggregate_sql`` result) can change:
    a column whose every value is NULL (or 0, for a sum) leaves each stored value as it is, and so
    does a latest group none of whose rows has a value."""
    changed = set()
    for col in rollup.columns:
        values = delta.column(col.name)
        if values.null_count == len(values):
            continue
        if col.fold is not Fold.SUM or pc.max(pc.abs(values)).as_py():
            changed.add(col.name)
    for group in rollup.latest:
        at = delta.column(f"{group.group}_at")
        if at.null_count < len(at):
            changed.add(group.group)
    return frozenset(changed)


def assignments(rollup: Rollup, changed: frozenset[str] | None = None) -> dict[str, str]:
    """The stored row ``t`` merged with its per-key delta ``d``: an expression per column that
    ``changed`` (``changed_columns``; None: all) says may change; the others stay as they are."""
    sets = {col.name: _merge(col) for col in rollup.columns if changed is None or col.name in changed}
    for group in rollup.latest:
        if changed is not None and group.group not in changed:
            continue
        at, src = f"{group.group}_at", f"{group.group}_src"
        newer = f"d.{at} IS NOT NULL AND (t.{at} IS NULL OR (d.{at}, d.{src}) > (t.{at}, t.{src}))"
        for name in [v for v, _ in group.values] + [at, src]:
            sets[name] = f"CASE WHEN {newer} THEN d.{name} ELSE t.{name} END"
    return sets


def merge_sql(rollup: Rollup, delta: str, changed: frozenset[str] | None, stored: str) -> str:
    """Fold the per-key ``delta`` into the stored rows of ``stored`` (a `stored_sql` result).

    ``changed`` (``changed_columns``; None: all) limits the SET to what the delta can change: DuckDB
    reads and rewrites every column an UPDATE sets, and the checkpoint after it too. The rows are
    matched by row id alone, a join DuckDB turns into a filter of the table's scan, which then reads
    the batch's rows only (no RETURNING: it reads every column of every row, whatever it returns).
    """
    sets = [f"{name} = {expr}" for name, expr in assignments(rollup, changed).items()]
    if not sets:  # nothing the delta can change: an UPDATE still needs one assignment
        sets = [f"{rollup.key} = t.{rollup.key}"]
    body = ",\n  ".join(sets)
    keys = f"t.issuer_id = d.issuer_id AND t.{rollup.hash} = d.{rollup.hash} AND t.{rollup.key} = d.{rollup.key}"
    matched = f"(SELECT d.*, t.row_id FROM {delta} d JOIN {stored} t ON {keys})"
    return f"UPDATE {rollup.table} t SET\n  {body}\nFROM {matched} d\nWHERE t.rowid = d.row_id"


def stored_sql(rollup: Rollup, delta: str, into: str, columns: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Statements that put the stored rows of the keys of ``delta`` into the temporary table ``into``:
    their ``row_id``, key, and ``columns``.

    The rows are found by their hash alone, then read by row id: DuckDB turns a join on row ids into
    a filter of the table's scan, which then reads no other column of the other rows, where a join
    on the key (or an UPDATE's RETURNING) reads every column it returns of every row of the table.
    In separate statements, so that the optimizer cannot join on the key first.
    """
    names = ", ".join(f"t.{name}" for name in ("issuer_id", rollup.hash, rollup.key, *columns))
    keys = f"s.issuer_id = d.issuer_id AND s.{rollup.hash} = d.{rollup.hash} AND s.{rollup.key} = d.{rollup.key}"
    return (
        f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT rowid AS row_id FROM {rollup.table} "
        f"WHERE {rollup.hash} IN (SELECT {rollup.hash} FROM {delta})",
        f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT t.rowid AS row_id, {names} FROM {rollup.table} t "
        f"SEMI JOIN {into} c ON t.rowid = c.row_id",
        f"DELETE FROM {into} s WHERE NOT EXISTS (SELECT 1 FROM {delta} d WHERE {keys})",  # another key's hash
    )


def merged_sql(rollup: Rollup, stored: str, delta: str, columns: tuple[str, ...], changed: frozenset[str]) -> str:
    """What ``merge_sql`` leaves in ``columns`` (and the key's) of the rows of ``stored`` (a
    `stored_sql` result holding those columns), computed from them and ``delta`` without reading the table."""
    sets = assignments(rollup, changed)
    names = ", ".join(f"{sets.get(name, 't.' + name)} AS {name}" for name in columns)
    return (
        f"SELECT t.issuer_id, t.{rollup.hash}, t.{rollup.key}, {names} FROM {stored} t JOIN {delta} d "
        f"ON t.issuer_id = d.issuer_id AND t.{rollup.hash} = d.{rollup.hash} AND t.{rollup.key} = d.{rollup.key}"
    )


def _merge(col: Column) -> str:
    old, new = f"t.{col.name}", f"d.{col.name}"
    if col.fold is Fold.SUM:
        return f"{old} + {new}"
    if col.fold is Fold.UNION:  # NOTE: DuckDB's list_concat(NULL, NULL) is [], which no single fold gives
        union = f"list_sort(list_distinct(list_concat({old}, {new})))"
        return f"CASE WHEN {new} IS NULL THEN {old} WHEN {old} IS NULL THEN {new} ELSE {union} END"
    return f"{'least' if col.fold is Fold.MIN else 'greatest'}({old}, {new})"


def insert_sql(rollup: Rollup, delta: str, existing: str) -> str:
    """Insert the delta rows whose key was not merged (the ``existing`` relation lists merged keys)."""
    names = ["issuer_id", rollup.hash, rollup.key, *rollup.column_names()]
    cols = ", ".join(names)
    return (
        f"INSERT INTO {rollup.table} ({cols}) SELECT {', '.join('d.' + n for n in names)} FROM {delta} d "
        f"WHERE NOT EXISTS (SELECT 1 FROM {existing} x "
        f"WHERE x.issuer_id = d.issuer_id AND x.{rollup.key} = d.{rollup.key})"
    )
