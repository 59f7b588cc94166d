"""Shared links: a read-only view of one dashboard with fixed filters, opened by an unguessable token.

Not to be confused with recipient links (access/links.py, ``/r/...``), which open one recipient's own
page. A shared link's token is random (access/tokens.py) and stored only as its SHA-256; the link
expires, may be revoked, and may ask for a password (Argon2id, access/passwords.py). A visitor who
typed the password gets a pass: a cookie signed for that one link (its id and its token's hash), so
it opens nothing else, not even another shared link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

from credlens.access.tokens import sign, signature_valid

MAX_DAYS = 365
DEFAULT_DAYS = 30
PASS_HOURS = 12  # how long a typed password holds in the browser (at most until the link expires)
COOKIE_PREFIX = "__Host-credlens_share_"
_PURPOSE = "shared-link-pass"
MAX_COOKIE = 200  # a longer cookie is no pass of ours: ignored, never checked


class Status(Enum):
    LIVE = "live"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class SharedLink:
    """One shared link; ``filters`` is the dashboard's query string, fixed when the link was made."""

    share_id: str
    issuer_id: int
    page: str
    filters: str
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime  # naive UTC, like every stored timestamp
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    password_hash: str | None = field(default=None, repr=False)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def actor(self) -> str:
        """How the audit log names a visitor of this link (the id, never the token)."""
        return f"share:{self.share_id}"

    def status(self, now: dt.datetime) -> Status:
        if self.revoked_at is not None:
            return Status.REVOKED
        return Status.EXPIRED if self.expires_at <= now else Status.LIVE


def cookie_name(share_id: str) -> str:
    """One cookie per link, so passes of two links in one browser do not replace each other."""
    return COOKIE_PREFIX + share_id


def make_pass(secret: bytes, link: SharedLink, token_hash: str, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The cookie value proving the password was typed for this link, and when it stops working."""
    until = min(now + dt.timedelta(hours=PASS_HOURS), link.expires_at).replace(microsecond=0)
    expires = int(until.replace(tzinfo=dt.UTC).timestamp())
    return f"{expires}.{sign(secret, _PURPOSE, _message(link, token_hash, expires))}", until


def pass_valid(secret: bytes, link: SharedLink, token_hash: str, value: str | None, now: dt.datetime) -> bool:
    """Whether a cookie is a live pass for this link (signed for its id and token, not expired)."""
    if not value or len(value) > MAX_COOKIE:
        return False
    expires, _, signature = value.partition(".")
    if not expires.isdigit() or not signature:
        return False
    if not signature_valid(secret, _PURPOSE, _message(link, token_hash, int(expires)), signature):
        return False
    return dt.datetime.fromtimestamp(int(expires), dt.UTC).replace(tzinfo=None) > now


def _message(link: SharedLink, token_hash: str, expires: int) -> bytes:
    return f"{link.issuer_id}:{link.share_id}:{token_hash}:{expires}".encode()
