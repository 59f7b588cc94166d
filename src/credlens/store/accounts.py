"""Users, their programs, sessions and invitations of each issuer.

Every method that reads or changes a user takes the issuer id and filters on it, so an id of
another issuer finds nothing. Tokens arrive here only as hashes (access/tokens.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any

from credlens.access.tokens import new_token, token_hash
from credlens.domain.accounts import EMAIL_PATTERN, Invitation, Role, Session, User, normalize_email

INVITATION_DAYS = 7  # how long an invitation link works
_USER_COLUMNS = (
    "u.user_id, u.issuer_id, u.email, u.role, u.password_hash IS NOT NULL, u.disabled_at IS NOT NULL, u.created_at"
)


class AccountError(Exception):
    """A user-facing problem with an account (taken e-mail, unknown user, ...)."""


class Accounts:
    def __init__(self, con: Callable[[], Any], cursor: Callable[[], Any], write_lock: threading.Lock) -> None:
        # NOTE: providers, not a connection: an erasure or retention run replaces the warehouse's
        # connection (file rewrite), and reads must count as readers of the file while they run.
        self._connection = con
        self._cursor = cursor
        self._lock = write_lock

    @property
    def _con(self) -> Any:
        """The warehouse's current connection, for the holder of the write lock."""
        return self._connection()

    def _read(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._cursor().execute(sql, list(params)).fetchall()
        return rows

    # -- users ------------------------------------------------------------------------------

    def create_user(self, issuer_id: int, email: str, role: Role, programs: Sequence[str], now: dt.datetime) -> User:
        email = normalize_email(email)
        if not EMAIL_PATTERN.match(email):
            raise AccountError(f"{email!r} is not an e-mail address")
        if role is not Role.PROGRAM_MANAGER and programs:
            raise AccountError("only program managers are assigned programs")
        user_id = secrets.token_hex(8)
        with self._lock:
            if self._read("SELECT 1 FROM users WHERE email = ?", [email]):
                raise AccountError(f"an account with the e-mail {email} already exists")
            self._con.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, NULL, ?, NULL)", [user_id, issuer_id, email, role.value, now]
            )
            self._write_programs(issuer_id, user_id, programs)
        user = self.user(issuer_id, user_id)
        assert user is not None
        return user

    def user(self, issuer_id: int, user_id: str) -> User | None:
        rows = self._users("WHERE u.issuer_id = ? AND u.user_id = ?", [issuer_id, user_id])
        return rows[0] if rows else None

    def users(self, issuer_id: int) -> list[User]:
        return self._users("WHERE u.issuer_id = ?", [issuer_id])

    def user_by_email(self, email: str) -> tuple[User, str | None] | None:
        """The account of an e-mail (any issuer: e-mails are unique) and its password hash, for signing in."""
        rows = self._read(
            "SELECT user_id, issuer_id, password_hash FROM users WHERE email = ?", [normalize_email(email)]
        )
        if not rows:
            return None
        user = self.user(rows[0][1], rows[0][0])
        assert user is not None
        return user, rows[0][2]

    def _users(self, where: str, params: Sequence[object]) -> list[User]:
        rows = self._read(
            f"SELECT {_USER_COLUMNS}, coalesce(list(p.program_id ORDER BY p.program_id) "
            "FILTER (WHERE p.program_id IS NOT NULL), []) FROM users u "
            "LEFT JOIN user_programs p ON p.issuer_id = u.issuer_id AND p.user_id = u.user_id "
            f"{where} GROUP BY ALL ORDER BY u.email",
            params,
        )
        return [
            User(row[0], row[1], row[2], Role(row[3]), tuple(row[7]), bool(row[4]), bool(row[5]), row[6])
            for row in rows
        ]

    def set_programs(self, issuer_id: int, user_id: str, programs: Sequence[str]) -> User:
        user = self._existing(issuer_id, user_id)
        if user.role is not Role.PROGRAM_MANAGER:
            raise AccountError("only program managers are assigned programs")
        with self._lock:
            self._con.execute("DELETE FROM user_programs WHERE issuer_id = ? AND user_id = ?", [issuer_id, user_id])
            self._write_programs(issuer_id, user_id, programs)
        return self._existing(issuer_id, user_id)

    def _write_programs(self, issuer_id: int, user_id: str, programs: Sequence[str]) -> None:
        for program_id in sorted(set(programs)):
            self._con.execute("INSERT INTO user_programs VALUES (?, ?, ?)", [issuer_id, user_id, program_id])

    def set_password(self, issuer_id: int, user_id: str, password_hash: str) -> None:
        """A new password ends every session of the user (a reset must lock out whoever else was in)."""
        self._existing(issuer_id, user_id)
        with self._lock:
            self._con.execute(
                "UPDATE users SET password_hash = ? WHERE issuer_id = ? AND user_id = ?",
                [password_hash, issuer_id, user_id],
            )
            self._con.execute("DELETE FROM sessions WHERE issuer_id = ? AND user_id = ?", [issuer_id, user_id])

    def disable(self, issuer_id: int, user_id: str, now: dt.datetime) -> User:
        """Disable an account and end its sessions at once."""
        self._existing(issuer_id, user_id)
        with self._lock:
            self._con.execute(
                "UPDATE users SET disabled_at = coalesce(disabled_at, ?) WHERE issuer_id = ? AND user_id = ?",
                [now, issuer_id, user_id],
            )
            self._con.execute("DELETE FROM sessions WHERE issuer_id = ? AND user_id = ?", [issuer_id, user_id])
            self._con.execute("DELETE FROM invitations WHERE issuer_id = ? AND user_id = ?", [issuer_id, user_id])
        return self._existing(issuer_id, user_id)

    def _existing(self, issuer_id: int, user_id: str) -> User:
        user = self.user(issuer_id, user_id)
        if user is None:
            raise AccountError("no such user")
        return user

    # -- sessions ---------------------------------------------------------------------------

    def create_session(
        self,
        session_hash: str,
        issuer_id: int,
        now: dt.datetime,
        expires_at: dt.datetime,
        *,
        user_id: str | None = None,
        recipient_key: str | None = None,
    ) -> None:
        if (user_id is None) == (recipient_key is None):
            raise ValueError("a session is a user's or a recipient's, not both")
        with self._lock:
            self._con.execute("DELETE FROM sessions WHERE expires_at <= ?", [now])  # keeps the table small
            self._con.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [session_hash, issuer_id, user_id, recipient_key, now, now, expires_at],
            )

    def session(self, session_hash: str) -> Session | None:
        rows = self._read(
            "SELECT session_hash, issuer_id, user_id, recipient_key, created_at, last_seen_at, expires_at "
            "FROM sessions WHERE session_hash = ?",
            [session_hash],
        )
        return Session(*rows[0]) if rows else None

    def touch_session(self, session_hash: str, now: dt.datetime) -> None:
        with self._lock:
            self._con.execute("UPDATE sessions SET last_seen_at = ? WHERE session_hash = ?", [now, session_hash])

    def end_session(self, session_hash: str) -> None:
        with self._lock:
            self._con.execute("DELETE FROM sessions WHERE session_hash = ?", [session_hash])

    # -- invitations ------------------------------------------------------------------------

    def invite(self, issuer_id: int, user_id: str, now: dt.datetime) -> str:
        """A fresh one-time invitation token for the user, valid INVITATION_DAYS; only its hash is
        stored, and earlier links stop working. The admin page and `credlens user create` hand it out."""
        token = new_token()
        self.create_invitation(issuer_id, user_id, token_hash(token), now, now + dt.timedelta(days=INVITATION_DAYS))
        return token

    def create_invitation(
        self, issuer_id: int, user_id: str, invitation_hash: str, now: dt.datetime, expires_at: dt.datetime
    ) -> None:
        """A new invitation replaces the user's earlier ones (only the newest link works)."""
        user = self._existing(issuer_id, user_id)
        if user.disabled:
            raise AccountError("this account is disabled")
        with self._lock:
            self._con.execute("DELETE FROM invitations WHERE issuer_id = ? AND user_id = ?", [issuer_id, user_id])
            self._con.execute(
                "INSERT INTO invitations VALUES (?, ?, ?, ?, ?, NULL)",
                [invitation_hash, issuer_id, user_id, now, expires_at],
            )

    def invitation(self, invitation_hash: str) -> Invitation | None:
        rows = self._read(
            "SELECT issuer_id, user_id, expires_at, used_at IS NOT NULL FROM invitations WHERE invitation_hash = ?",
            [invitation_hash],
        )
        return Invitation(*rows[0]) if rows else None

    def use_invitation(self, invitation_hash: str, now: dt.datetime) -> bool:
        """Mark an invitation used; False when it already was (a link works once)."""
        with self._lock:
            rows = self._con.execute(
                "UPDATE invitations SET used_at = ? WHERE invitation_hash = ? AND used_at IS NULL RETURNING 1",
                [now, invitation_hash],
            ).fetchall()
        return bool(rows)
