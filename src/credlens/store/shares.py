"""Shared links of each issuer (access/shares.py): created, looked up by their token's hash, listed,
revoked, and marked when used.

Every method but the token lookup takes the issuer id and filters on it, so an id of another issuer
finds nothing; the lookup is by a 256-bit token's hash, which names one link of one issuer.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any

from credlens.access.shares import SharedLink

# Held by the token's SHA-256 only (the token is in the link handed out once); no recipient data.
DDL = """CREATE TABLE IF NOT EXISTS shared_links (
    token_hash VARCHAR PRIMARY KEY,
    share_id VARCHAR NOT NULL,
    issuer_id INTEGER NOT NULL,
    page VARCHAR NOT NULL,
    filters VARCHAR NOT NULL,
    password_hash VARCHAR,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP)"""
_COLUMNS = (
    "share_id, issuer_id, page, filters, created_by, created_at, expires_at, revoked_at, last_used_at, password_hash"
)


class Shares:
    def __init__(self, con: Callable[[], Any], cursor: Callable[[], Any], write_lock: threading.Lock) -> None:
        # NOTE: providers, not a connection, as in accounts.py: a file rewrite replaces the connection.
        self._connection = con
        self._cursor = cursor
        self._lock = write_lock

    def _read(self, sql: str, params: Sequence[object]) -> list[SharedLink]:
        rows = self._cursor().execute(f"SELECT {_COLUMNS} FROM shared_links {sql}", list(params)).fetchall()
        return [SharedLink(*row) for row in rows]

    def create(
        self,
        issuer_id: int,
        token_hash: str,
        page: str,
        filters: str,
        *,
        created_by: str,
        now: dt.datetime,
        expires_at: dt.datetime,
        password_hash: str | None = None,
    ) -> SharedLink:
        share_id = secrets.token_hex(8)
        with self._lock:
            self._connection().execute(
                "INSERT INTO shared_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [token_hash, share_id, issuer_id, page, filters, password_hash, created_by, now, expires_at],
            )
        return SharedLink(share_id, issuer_id, page, filters, created_by, now, expires_at, None, None, password_hash)

    def by_token(self, token_hash: str) -> SharedLink | None:
        """The link of a token's hash, live or not (the caller tells expired and revoked apart)."""
        found = self._read("WHERE token_hash = ?", [token_hash])
        return found[0] if found else None

    def links(self, issuer_id: int) -> list[SharedLink]:
        """The issuer's links, newest first."""
        return self._read("WHERE issuer_id = ? ORDER BY created_at DESC, share_id", [issuer_id])

    def revoke(self, issuer_id: int, share_id: str, now: dt.datetime) -> bool:
        """Revoke a link of this issuer not yet revoked; False when there is none."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "UPDATE shared_links SET revoked_at = ? "
                    "WHERE issuer_id = ? AND share_id = ? AND revoked_at IS NULL RETURNING share_id",
                    [now, issuer_id, share_id],
                )
                .fetchall()
            )
        return bool(rows)

    def used(self, issuer_id: int, share_id: str, now: dt.datetime) -> None:
        with self._lock:
            self._connection().execute(
                "UPDATE shared_links SET last_used_at = ? WHERE issuer_id = ? AND share_id = ?",
                [now, issuer_id, share_id],
            )
