"""The DuckDB warehouse: one file under the data directory, one appending writer and one folding one
(each under its lock, on its own connection), a cursor per reader.

DuckDB lets one process hold a database file for writing; the server is that process while it
runs, and a CLI command that needs to write is told so plainly (``StoreLocked``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import logging
import secrets
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.operations as ops

from credlens.domain.industries import UnknownIndustry, industry_named
from credlens.domain.issuers import SLUG_PATTERN, ApiKey, Issuer, KeyKind, NewKeys
from credlens.privacy import consent
from credlens.privacy.pseudonyms import new_secret, recipient_key
from credlens.privacy.suppression import check_k
from credlens.store import deadlines, purges, releases
from credlens.store.accounts import Accounts
from credlens.store.appends import KeyIndexes, WriteRequest, WriteResult, append_group
from credlens.store.connection import CHECKPOINT_TRIES, Connection, ConnectionLocked, remove_leftovers
from credlens.store.erasure import ErasureReport, erase
from credlens.store.folds import FOLD_MAX_EVENTS, compact_daily, fold_pending, unfolded
from credlens.store.purges import PurgeStatus
from credlens.store.releases import Release, ReleaseKey
from credlens.store.retention import RetentionRun, retire
from credlens.store.schedules import Schedules
from credlens.store.schema import MIGRATIONS, SCHEMA_VERSION, TABLES
from credlens.store.scope import SCOPED_TABLES, IssuerTables
from credlens.store.shares import Shares
from credlens.store.webhooks import Webhooks

DB_FILE = "credlens.duckdb"
log = logging.getLogger("credlens.store")
# The tables only folds, erasures and retention runs change (all under the fold lock, which a purge
# holds throughout): its copy of them needs no catch-up (Connection.rewrite).
FOLDED_TABLES = (*(t for t in SCOPED_TABLES if t != "events"), "event_tombstones")
ERASE_TRIES = 5  # an erasure refused for a conflicting concurrent write is tried again (``_erase_aside``)
# Data versions (Warehouse.data_version) are unique in the process: two stores never share one.
_DATA_VERSIONS = itertools.count(1)
_ISSUER_COLUMNS = "issuer_id, slug, name, industry, timezone, suppression_k, raw_event_retention_days"


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    detail: str | None


class StoreError(Exception):
    """A user-facing problem with the store (bad slug, unknown issuer, ...)."""


class StoreLocked(StoreError):
    """Another process (usually ``credlens serve``) holds the database file."""


class Warehouse:
    def __init__(
        self,
        data_dir: Path,
        *,
        read_only: bool = False,
        memory_limit: str | None = None,
        defer_checkpoints: bool = False,
    ) -> None:
        """``defer_checkpoints``: commits never checkpoint; ``checkpoint`` does, called by the server's
        writer (connection.WAL_LIMIT)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_FILE
        self._data_version = next(_DATA_VERSIONS)
        try:
            self._db = Connection(
                self.path, read_only=read_only, memory_limit=memory_limit, defer_checkpoints=defer_checkpoints
            )
        except ConnectionLocked as exc:
            raise StoreLocked(
                f"the database {self.path} is held by another process (a running `credlens serve`?); "
                "stop it, or send the events to its POST /api/v1/events instead"
            ) from exc
        except duckdb.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from exc
        self._write_lock = threading.Lock()
        # NOTE: a fold runs on its own connection under its own lock, so appends (the write lock) go
        # on meanwhile: folding in the writer's turn stalled every acknowledgement for 1-2 s at each
        # fold of a sustained load (docs/performance.md). Whoever needs both takes the fold lock
        # first: a purge holds it for its whole copy, and must not keep the write lock held meanwhile.
        self._fold_lock = threading.Lock()
        self._indexes = KeyIndexes()
        self.checkpoints = 0  # how many ``checkpoint`` wrote (tests observe where checkpoints happen)
        self._secrets: dict[int, str] = {}
        self._keys = _KeyCache()
        self._schemas: dict[str, ibis.Schema] | None = None
        self.accounts = Accounts(lambda: self._db.con, self.cursor, self._write_lock)
        self.schedules = Schedules(lambda: self._db.con, self.cursor, self._write_lock)
        self.shares = Shares(lambda: self._db.con, self.cursor, self._write_lock)
        self.webhooks = Webhooks(lambda: self._db.con, self.cursor, self._write_lock, self._fold_lock)
        if not read_only:
            try:
                self._migrate()
            except BaseException:
                self._db.close()
                raise
            self.fold()  # events acknowledged before a crash may not have been folded yet
            with self._fold_lock:
                self._purge_if_pending(due_only=True)  # a purge past its deadline (purges.py)

    @property
    def _con(self) -> Any:
        """The connection, for the holder of the write lock (it changes when the file is rewritten,
        which takes the fold lock too)."""
        return self._db.con

    def _migrate(self) -> None:
        """Create missing tables; upgrade a file written by an older version (schema.MIGRATIONS)."""
        for ddl in TABLES:
            self._con.execute(ddl)
        rows = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        version = int(rows[0][0]) if rows else SCHEMA_VERSION  # a new file has the current tables
        if version > SCHEMA_VERSION:  # its tables may hold what this version would not keep current
            raise StoreError(
                f"the data directory was written by a newer credlens (schema version {version}); "
                f"this one reads up to version {SCHEMA_VERSION}: upgrade credlens"
            )
        self._con.execute("BEGIN TRANSACTION")
        try:
            for target, statements in MIGRATIONS:
                if version < target:
                    for statement in statements:
                        self._con.execute(statement)
            self._con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    @property
    def data_version(self) -> int:
        """A number that changes after every committed change of what metrics read (folds, erasures,
        retention runs, a new suppression k): a cache keyed on it (web/versioned.py) never serves
        rows a later change removed. An append alone keeps it: metrics read the fold's tables, never
        the raw events. Read it before reading the data it stands for."""
        return self._data_version

    def _changed(self) -> None:
        """Called once a change of what metrics read is committed (see ``data_version``)."""
        self._data_version = next(_DATA_VERSIONS)

    def cursor(self, holder: Any = None) -> Any:
        """A connection for one reader (a request, a command); cheap, and safe in its own thread.
        Drop it when done: a file rewrite (erasure, retention) waits for a moment with no reader.
        ``holder``: the cursor of the reader asking for another (Connection.cursor)."""
        return self._db.cursor(holder)

    def reading(self) -> AbstractContextManager[None]:
        """Every cursor taken inside is closed at its end, error or not (Connection.reading)."""
        return self._db.reading()

    def tables(self, issuer_id: int) -> IssuerTables:
        """The issuer's rows of every table as Ibis expressions: the only way metrics read the store,
        so a query can never start from another issuer's rows. Their statements stop when the deadline
        of the request or command reading ends (store/deadlines.py).

        NOTE: measured here, Ibis's ``backend.table(name)`` asks DuckDB for the schema each time
        (~3 ms a table, ~25 ms for all of them per reader); the schemas are read once per open
        store instead (migrations run before, and a file rewrite keeps them).
        """
        cursor = self.cursor()
        backend = ibis.duckdb.from_connection(cursor)
        if self._schemas is None:
            self._schemas = {name: backend.table(name).schema() for name in SCOPED_TABLES}
        namespace = ops.Namespace()
        tables = {
            name: ops.DatabaseTable(name=name, schema=schema, source=backend, namespace=namespace).to_expr()
            for name, schema in self._schemas.items()
        }
        return IssuerTables(tables, issuer_id, cursor, self.cursor, deadlines.current())

    # -- issuers and keys -------------------------------------------------------------------

    def create_issuer(
        self, slug: str, name: str, *, industry: str | None = None, timezone: str = "UTC"
    ) -> tuple[Issuer, NewKeys]:
        if not SLUG_PATTERN.match(slug):
            raise StoreError(f"issuer slug {slug!r} must be lower-case letters, digits and dashes")
        _check_timezone(self._con, timezone)
        industry = None if industry is None else _industry(industry)
        with self._write_lock:
            if self.issuer(slug) is not None:
                raise StoreError(f"issuer {slug!r} already exists")
            (issuer_id,) = self._con.execute("SELECT coalesce(max(issuer_id), 0) + 1 FROM issuers").fetchall()[0]
            self._con.execute(
                "INSERT INTO issuers (issuer_id, slug, name, industry, timezone, pseudonym_secret, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [issuer_id, slug, name, industry, timezone, new_secret(), _now()],
            )
            keys = NewKeys(ingest=self._new_key(issuer_id, KeyKind.INGEST), read=self._new_key(issuer_id, KeyKind.READ))
        issuer = self.issuer(slug)
        assert issuer is not None
        return issuer, keys

    def new_keys(self, issuer_id: int) -> NewKeys:
        """A fresh ingest and read key for an issuer (older keys stay valid until revoked)."""
        with self._write_lock:
            return NewKeys(ingest=self._new_key(issuer_id, KeyKind.INGEST), read=self._new_key(issuer_id, KeyKind.READ))

    def create_key(self, issuer_id: int, kind: KeyKind) -> tuple[ApiKey, str]:
        """One new key of a kind: its description, and the key itself to hand out once."""
        with self._write_lock:
            token = self._new_key(issuer_id, kind)
        key = next(k for k in self.api_keys(issuer_id) if k.key_id == token.split("_")[2])
        return key, token

    def api_keys(self, issuer_id: int) -> list[ApiKey]:
        """The issuer's keys, newest first, without their secrets (only hashes are stored)."""
        rows = (
            self.cursor()
            .execute(
                "SELECT key_id, kind, created_at, revoked_at FROM api_keys WHERE issuer_id = ? "
                "ORDER BY created_at DESC, key_id",
                [issuer_id],
            )
            .fetchall()
        )
        return [ApiKey(key_id, KeyKind(kind), created, revoked) for key_id, kind, created, revoked in rows]

    def revoke_key(self, issuer_id: int, key_id: str) -> bool:
        """Revoke one of the issuer's live keys; False when it has no such live key."""
        with self._write_lock:
            rows = self._con.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE issuer_id = ? AND key_id = ? AND revoked_at IS NULL "
                "RETURNING key_id",
                [_now(), issuer_id, key_id],
            ).fetchall()
            self._keys.forget()
        return bool(rows)

    def meta(self, key: str) -> str | None:
        rows = self.cursor().execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write_lock:
            self._con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def _new_key(self, issuer_id: int, kind: KeyKind) -> str:
        key_id = secrets.token_hex(6)
        token = f"cl_{kind.value}_{key_id}_{secrets.token_urlsafe(24)}"
        self._con.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
            [key_id, issuer_id, kind.value, _hash_key(token), _now()],
        )
        return token

    def issuer(self, slug: str) -> Issuer | None:
        rows = self.cursor().execute(f"SELECT {_ISSUER_COLUMNS} FROM issuers WHERE slug = ?", [slug]).fetchall()
        return Issuer(*rows[0]) if rows else None

    def issuer_by_id(self, issuer_id: int) -> Issuer | None:
        rows = (
            self.cursor().execute(f"SELECT {_ISSUER_COLUMNS} FROM issuers WHERE issuer_id = ?", [issuer_id]).fetchall()
        )
        return Issuer(*rows[0]) if rows else None

    def issuers(self) -> list[Issuer]:
        return [
            Issuer(*row)
            for row in self.cursor().execute(f"SELECT {_ISSUER_COLUMNS} FROM issuers ORDER BY slug").fetchall()
        ]

    def issuer_for_key(self, token: str, kind: KeyKind) -> Issuer | None:
        """The issuer a presented key belongs to, if it is a live key of that kind.

        NOTE: live keys are remembered (a DuckDB query per request cost ~2 ms here); revoking a key or
        changing an issuer forgets them all, before the change returns (tests/store/test_keys.py).
        """
        key_id = _key_id(token, kind)
        if key_id is None:
            return None
        live = self._keys.get(key_id, kind)
        if live is None:
            generation = self._keys.generation
            rows = (
                self.cursor()
                .execute(
                    f"SELECT k.key_hash, {', '.join('i.' + c for c in _ISSUER_COLUMNS.split(', '))} FROM api_keys k "
                    "JOIN issuers i USING (issuer_id) WHERE k.key_id = ? AND k.kind = ? AND k.revoked_at IS NULL",
                    [key_id, kind.value],
                )
                .fetchall()
            )
            if not rows:  # NOTE: misses are not remembered: made-up key ids cannot fill the cache
                return None
            live = (str(rows[0][0]), Issuer(*rows[0][1:]))
            self._keys.put(key_id, kind, live, generation)
        key_hash, issuer = live
        return issuer if hmac.compare_digest(key_hash, _hash_key(token)) else None

    def remembered_issuer(self, token: str, kind: KeyKind) -> Issuer | None:
        """``issuer_for_key`` answered from the remembered live keys alone (no query: safe on an event
        loop); None when it would have to ask the store (or the key is bad)."""
        key_id = _key_id(token, kind)
        live = self._keys.get(key_id, kind) if key_id is not None else None
        if live is None or not hmac.compare_digest(live[0], _hash_key(token)):
            return None
        return live[1]

    def remembered_secret(self, issuer_id: int) -> str | None:
        """``pseudonym_secret`` if it was read already (no query: safe on an event loop)."""
        return self._secrets.get(issuer_id)

    def pseudonym_secret(self, issuer_id: int) -> str:
        """The issuer's HMAC secret; it never changes, so it is read once per process."""
        if issuer_id not in self._secrets:
            rows = (
                self.cursor()
                .execute("SELECT pseudonym_secret FROM issuers WHERE issuer_id = ?", [issuer_id])
                .fetchall()
            )
            if not rows:
                raise StoreError(f"no issuer with id {issuer_id}")
            self._secrets[issuer_id] = str(rows[0][0])
        return self._secrets[issuer_id]

    # -- audit ------------------------------------------------------------------------------

    def audit(self, issuer_id: int, actor: str, action: str, detail: str | None = None) -> None:
        """Record who (``user:<email>``, ``key:<key id>``, ``cli``) did what; never a secret or a recipient."""
        with self._write_lock:
            self._audit(issuer_id, actor, action, detail)

    def _audit(self, issuer_id: int, actor: str, action: str, detail: str | None) -> None:
        self._con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?)", [issuer_id, _now(), actor, action, detail])

    def audit_entries(self, issuer_id: int, limit: int = 1000) -> list[AuditEntry]:
        """The issuer's audit log, newest first."""
        rows = (
            self.cursor()
            .execute(
                "SELECT logged_at, actor, action, detail FROM audit_log WHERE issuer_id = ? "
                "ORDER BY logged_at DESC LIMIT ?",
                [issuer_id, limit],
            )
            .fetchall()
        )
        return [AuditEntry(*row) for row in rows]

    # -- events -----------------------------------------------------------------------------

    def write(self, requests: list[WriteRequest]) -> list[WriteResult]:
        """Append a group of batches in one durable transaction (appends.py); not yet folded, so the
        data version stays: no metric reads the raw events (the fold that follows changes it)."""
        with self._write_lock:
            return append_group(self._con, self._indexes, requests)

    def load_key_indexes(self) -> None:
        """Load every issuer's key indexes now (the server's writer, as it starts), so that no
        acknowledgement waits for a load (~1-3 s at 10M events) later."""
        with self._write_lock:
            for (issuer_id,) in self._con.execute("SELECT issuer_id FROM issuers").fetchall():
                self._indexes.load(self._con, issuer_id, issued=True)

    def fold(self) -> int:
        """Bring the derived tables up to date with the events appended before it (folds.py); appends
        go on meanwhile, on the main connection: the fold has a connection of its own."""
        with self._fold_lock:
            return self._fold_aside()

    def _fold(self, con: Any) -> int:
        """Fold on ``con`` (the fold lock held)."""
        total = 0
        while folded := fold_pending(con):
            total += folded
            self._changed()
        return total

    def unfolded(self) -> int:
        return unfolded(self.cursor())

    def compact(self) -> None:
        """Fold everything, merge the partial daily counts (once they are many: folds.compact_daily),
        and checkpoint the file."""
        with self._fold_lock, self._write_lock:
            self._fold(self._con)
            compact_daily(self._con)
            self._changed()
            self._con.execute("CHECKPOINT")

    def wal_size(self) -> int:
        return self._db.wal_size()

    def checkpoint(self, *, over: int = 0) -> bool:
        """Write the WAL into the file if it holds more than ``over`` bytes; True if it did.

        Commits never do (connection.WAL_LIMIT): appends wait for a checkpoint whoever runs it
        (DuckDB), so the server's writer calls this only when it is idle or the WAL is past its
        bound (writer.py). Under the fold lock: a fold's open transaction would refuse it.
        """
        with self._fold_lock:
            if self._db.wal_size() <= over:
                return False
            con = self._db.con.cursor()
            size, started = self._db.wal_size(), time.perf_counter()
            try:
                for _ in range(CHECKPOINT_TRIES):
                    try:
                        con.execute("CHECKPOINT")
                    except duckdb.Error:  # e.g. refused beside another transaction: a moment later
                        time.sleep(0.05)
                        continue
                    self.checkpoints += 1
                    log.info("checkpoint of a %.0f MiB WAL: %.2f s", size / 2**20, time.perf_counter() - started)
                    return True
            finally:
                con.close()  # NOTE: a connection left open would keep the file a rewrite replaces
        return False

    # -- privacy operations (privacy.md) ---------------------------------------------------------

    def recipient_key(self, issuer_id: int, *, email: str | None = None, earner_id: str | None = None) -> str:
        """The pseudonymous key that ingestion gives this e-mail or earner id (exactly one of them)."""
        if (email is None) == (earner_id is None):
            raise StoreError("name the recipient by an e-mail or by an earner id (one of them)")
        if email is not None and "@" not in email:
            raise StoreError(f"{email!r} is not an e-mail address")
        if earner_id is not None and not earner_id.strip():
            raise StoreError("the earner id is empty")
        return recipient_key(self.pseudonym_secret(issuer_id), email=email, earner_id=earner_id)

    def erase_recipient(self, issuer_id: int, recipient_key: str, *, actor: str, purge: bool = True) -> ErasureReport:
        """Delete everything of one recipient of one issuer (store/erasure.py); with ``purge``, also
        rewrite the file at once so that their bytes are gone, else queue that rewrite (purges.py).

        Once it returns, no read shows them. Folds first, deletes in one transaction, writes the audit
        entry ``erasure`` with the counts (never who). Safe from any thread while the server runs:
        the deletion runs on a connection of its own beside the appends (which wait only for a purge's
        final catch-up and swap), and erases every event acknowledged before its transaction began;
        readers keep reading until the file swap, which waits for their cursors; the calling thread
        must not hold one.
        """
        started = time.perf_counter()
        with self._fold_lock:
            locked = time.perf_counter()
            self._fold_aside()  # the bulk of the fold; the erasure's transaction folds the rest
            folded = time.perf_counter()
            report = self._erase_aside(issuer_id, recipient_key)
            self._changed()
            erased = time.perf_counter()
            self.audit(issuer_id, actor, "erasure", report.describe())
            log.info(
                "erasure: %.2f s waiting for the fold lock, %.2f s folding, %.2f s erasing beside appends",
                locked - started,
                folded - locked,
                erased - folded,
            )
            purged = self._purge_if_pending() if report.found and purge else False
            due = self.purge_status().as_json()["purge_due"] if report.found and not purged else None
        return replace(report, purged=purged, purge_due=due)

    def purge(self) -> bool:
        """Rewrite the file now if an erasure or retention run left deleted rows in it; True when
        none are left (rewritten now, or nothing owed), False if postponed (busy readers, or a failure)."""
        with self._fold_lock:
            return self._purge_if_pending() or not self.purge_status().pending

    def interrupt_purge(self) -> None:
        """Stop a purge's copy under way (the server is stopping); the purge stays queued."""
        self._db.interrupt_rewrite()

    def purge_status(self) -> PurgeStatus:
        return purges.status(self.cursor())

    def _fold_aside(self) -> int:
        """Fold on a connection of its own (the fold lock held): appends go on meanwhile. Stops at the
        first fold that found less than a full group: under a steady load there is always more, and
        an erasure or a purge waiting for the fold lock waited as long (minutes at 10M events)."""
        con = self._db.con.cursor()
        try:
            total = 0
            while (folded := fold_pending(con)) == FOLD_MAX_EVENTS:
                total += folded
                self._changed()
            if folded:
                self._changed()
            return total + folded
        finally:
            con.close()  # NOTE: a connection left open would keep the file a rewrite replaces

    def _erase_aside(self, issuer_id: int, recipient_key: str) -> ErasureReport:
        """``erase`` on a connection of its own (the fold lock held), so appends go on meanwhile: under
        the write lock every acknowledgement waited for it (1-4 s at 10M events, docs/performance.md).
        A write of another connection to the same rows (a session of theirs, a meta key) makes DuckDB
        refuse the transaction: it is tried again."""
        con = self._db.con.cursor()
        try:
            for attempt in range(1, ERASE_TRIES + 1):
                try:
                    return erase(con, issuer_id, recipient_key)
                except duckdb.TransactionException:
                    if attempt == ERASE_TRIES:
                        raise
                    log.warning("erasure met a concurrent write; tried again (%d)", attempt)
            raise AssertionError("unreachable")
        finally:
            con.close()  # NOTE: a connection left open would keep the file a rewrite replaces

    def erase_person(
        self,
        issuer_id: int,
        *,
        email: str | None = None,
        earner_id: str | None = None,
        actor: str,
        purge: bool = True,
    ) -> ErasureReport:
        """``erase_recipient`` for the recipient ingestion knew by this e-mail or earner id."""
        key = self.recipient_key(issuer_id, email=email, earner_id=earner_id)
        return self.erase_recipient(issuer_id, key, actor=actor, purge=purge)

    def set_retention(self, issuer_id: int, days: int | None, *, actor: str) -> None:
        """Keep raw events ``days`` days (None: keep them all); applied by the next retention run."""
        if days is not None and days < 1:
            raise StoreError(f"a retention is at least 1 day, not {days}; or `keep` to keep every raw event")
        with self._write_lock:
            self._con.execute("UPDATE issuers SET raw_event_retention_days = ? WHERE issuer_id = ?", [days, issuer_id])
            self._keys.forget()
            self._audit(issuer_id, actor, "retention.set", "keep" if days is None else f"{days} days")

    def set_industry(self, issuer_id: int, industry: str, *, actor: str) -> str:
        """Set the issuer's industry to a name of the vocabulary (matched case-insensitively); returns it."""
        name = _industry(industry)
        with self._write_lock:
            self._con.execute("UPDATE issuers SET industry = ? WHERE issuer_id = ?", [name, issuer_id])
            self._keys.forget()
            self._audit(issuer_id, actor, "industry.set", name)
        return name

    def benchmark_releases(self, keys: Sequence[ReleaseKey]) -> dict[ReleaseKey, Release]:
        """The stored releases answering ``keys`` (of one industry, window and issuer), in one read."""
        return releases.find_many(self.cursor(), keys)

    def benchmark_spent(self, industry: str, budget_period: str) -> float:
        return releases.spent(self.cursor(), industry, budget_period)

    def record_release(self, release: Release, budget: float) -> Release | None:
        """Store a new release and return it; the release already stored for its key if another reader
        made one meanwhile (the new one is never shown); None when it would overspend the industry's
        budget of its period (nothing stored). Checked and stored under the write lock, so two readers
        cannot both spend the last of a budget."""
        key = ReleaseKey(release.industry, release.metric, release.date_from, release.date_to, release.issuer_id)
        with self._write_lock:
            existing = releases.find(self._con, key)
            if existing is not None:
                return existing
            if releases.spent(self._con, release.industry, release.budget_period) + release.epsilon > budget + 1e-9:
                return None
            releases.insert(self._con, release)
        return release

    def benchmark_ledger(self) -> list[Release]:
        return releases.ledger(self.cursor())

    def set_suppression_k(self, issuer_id: int, k: int, *, actor: str) -> None:
        """Raise (or lower, never below 5) the issuer's small-cell threshold k (privacy.md)."""
        try:
            check_k(k)
        except ValueError as exc:
            raise StoreError(str(exc)) from exc
        with self._write_lock:
            self._con.execute("UPDATE issuers SET suppression_k = ? WHERE issuer_id = ?", [k, issuer_id])
            self._keys.forget()
            self._changed()
            self._audit(issuer_id, actor, "suppression_k.set", str(k))

    def apply_retention(
        self, issuer_id: int | None = None, *, now: dt.datetime | None = None, actor: str
    ) -> RetentionRun:
        """Delete the raw events past every issuer's retention (or one issuer's), once folded and
        attributed (store/retention.py), then rewrite the file without them."""
        with self._fold_lock:
            self._fold_aside()
            with self._write_lock:
                self._fold(self._con)
                reports = retire(self._con, now or _now(), issuer_id)
                self._changed()
                for report in reports:
                    if report.deleted:
                        detail = f"deleted={report.deleted} waiting={report.waiting} days={report.days}"
                        self._audit(report.issuer_id, actor, "retention", detail)
            # NOTE: only after deleting: queued erasures are otherwise purged by their deadline (purges.py)
            purged = self._purge_if_pending() if any(r.deleted for r in reports) else False
        return RetentionRun(reports, purged)

    def _purge_if_pending(self, *, due_only: bool = False) -> bool:
        """Rewrite the file if an erasure or retention run left deleted rows in it (``due_only``: and
        its deadline is past). The fold lock is held; the write lock is taken only for the rewrite's
        final catch-up and swap (Connection.rewrite), so appends go on during the copy. False if
        there was none, or it is postponed (busy readers, or a failure such as a full disk)."""
        remove_leftovers(self.path)
        status = self.purge_status()
        if not status.pending or (due_only and not status.wanted(_now(), dt.timedelta(0))):
            return False
        try:
            done = self._db.rewrite(
                write_lock=self._write_lock,
                appended={"events": "seq"},
                stable=FOLDED_TABLES,
                meta={"purged_at": _now().isoformat()},
            )
        except (duckdb.Error, OSError):
            log.exception("rewriting the database file failed; it is tried again (purges.py)")
            remove_leftovers(self.path)
            return False
        return done

    def recipient_timeline(self, issuer_id: int, recipient_key: str, *, actor: str) -> consent.Timeline:
        """One recipient's credentials and events, if they opted in to detailed tracking; otherwise
        raises ``consent.ConsentRequired`` with the reason. A shown timeline is audited (never whose)."""
        timeline = consent.recipient_timeline(self.tables(issuer_id), recipient_key)
        self.audit(issuer_id, actor, "recipient.timeline_viewed")
        return timeline

    def opted_in_count(self, issuer_id: int) -> int:
        """Recipients of the issuer who currently consent to detailed tracking."""
        return consent.opted_in_count(self.tables(issuer_id))


class _KeyCache:
    """Live keys by (key id, kind): the stored hash and the key's issuer.

    A lookup that read the store before a ``forget`` must not put what it read back afterwards (it
    may be a key revoked meanwhile): ``put`` only stores what was read in the current generation.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[tuple[str, KeyKind], tuple[str, Issuer]] = {}
        self.generation = 0

    def get(self, key_id: str, kind: KeyKind) -> tuple[str, Issuer] | None:
        return self._live.get((key_id, kind))

    def put(self, key_id: str, kind: KeyKind, live: tuple[str, Issuer], generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._live[key_id, kind] = live

    def forget(self) -> None:
        """Called after a key is revoked or an issuer changed (their transactions committed)."""
        with self._lock:
            self.generation += 1
            self._live.clear()


def _key_id(token: str, kind: KeyKind) -> str | None:
    """The key id of a token shaped ``cl_<kind>_<id>_<secret>``, or None for any other shape."""
    parts = token.split("_")
    return parts[2] if len(parts) >= 4 and parts[0] == "cl" and parts[1] == kind.value else None


def _hash_key(token: str) -> str:
    # NOTE: keys are 190-bit random tokens, so a plain SHA-256 is the right hash (no stretching needed).
    return hashlib.sha256(token.encode()).hexdigest()


def _industry(given: str) -> str:
    try:
        return industry_named(given)
    except UnknownIndustry as exc:
        raise StoreError(str(exc)) from exc


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _check_timezone(con: Any, timezone: str) -> None:
    try:
        con.execute("SELECT timezone(?, TIMESTAMPTZ '2026-01-01 00:00:00+00')", [timezone]).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"unknown time zone {timezone!r}; use an IANA name such as Europe/Paris") from exc
