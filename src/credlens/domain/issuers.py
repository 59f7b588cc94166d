"""Issuers (tenants) and their API keys as plain values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class KeyKind(Enum):
    INGEST = "ingest"
    READ = "read"


@dataclass(frozen=True)
class Issuer:
    issuer_id: int
    slug: str
    name: str
    industry: str | None
    timezone: str
    suppression_k: int
    raw_event_retention_days: int | None


@dataclass(frozen=True)
class NewKeys:
    """Keys exactly as handed to the issuer: shown once, stored only as hashes."""

    ingest: str
    read: str


@dataclass(frozen=True)
class ApiKey:
    """What is known of a key after it was handed out: never the key itself."""

    key_id: str
    kind: KeyKind
    created_at: dt.datetime
    revoked_at: dt.datetime | None
