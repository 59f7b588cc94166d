"""People who use credlens: issuer staff with a role, and the sessions that carry them (plain values)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")


class Role(Enum):
    """privacy.md's staff roles; recipients are not users (they come through signed links)."""

    ADMIN = "admin"
    EXECUTIVE = "executive"
    PROGRAM_MANAGER = "program_manager"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class User:
    user_id: str
    issuer_id: int
    email: str
    role: Role
    programs: tuple[str, ...]
    has_password: bool
    disabled: bool
    created_at: dt.datetime

    @property
    def actor(self) -> str:
        """How the audit log names this user."""
        return f"user:{self.email}"


@dataclass(frozen=True)
class Session:
    """A signed-in user's or an opened recipient link's session; exactly one of user_id/recipient_key."""

    session_hash: str
    issuer_id: int
    user_id: str | None
    recipient_key: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class Invitation:
    issuer_id: int
    user_id: str
    expires_at: dt.datetime
    used: bool


def normalize_email(email: str) -> str:
    return email.strip().lower()
