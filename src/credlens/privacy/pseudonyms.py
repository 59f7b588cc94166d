"""Pseudonymous recipient keys: the only form in which a person reaches the store.

HMAC-SHA256 keyed by a per-issuer secret over the normalized e-mail, or ``id:`` + the issuer's
earner id: the same person gets the same key within an issuer, and unlinkable keys across issuers.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from typing import Any

_BLOCK = 64  # SHA-256's block size in bytes


def new_secret() -> str:
    """A fresh per-issuer pseudonymization secret (256 bits, hex)."""
    return secrets.token_hex(32)


def recipient_key(secret: str, *, email: str | None = None, earner_id: str | None = None) -> str:
    """The recipient's key; an e-mail wins over an earner id when both are given."""
    if email is not None:
        material = email.strip().lower()
    elif earner_id is not None:
        material = "id:" + earner_id
    else:
        raise ValueError("a recipient needs an e-mail or an earner id")
    inner, outer = _pads(secret)
    return _digest(inner, outer, material)


def keyed_digests(secret: str, materials: list[str | None]) -> list[str | None]:
    """The key of each already-normalized material (``id:`` + earner id, or a trimmed lower-cased
    e-mail), None for None: the columnar path's batch form of ``recipient_key``."""
    inner, outer = _pads(secret)
    return [None if m is None else _digest(inner, outer, m) for m in materials]


def _digest(inner: Any, outer: Any, material: str) -> str:
    first = inner.copy()
    first.update(material.encode())
    second = outer.copy()
    second.update(first.digest())
    return str(second.hexdigest())


@functools.lru_cache(maxsize=1024)
def _pads(secret: str) -> tuple[Any, Any]:
    """SHA-256 states after the HMAC key pads (RFC 2104), copied per key.

    # NOTE: measured here, ~0.9 µs a key, against ~1.6 µs for copying a keyed ``hmac.HMAC`` and
    # ~2.4 µs for a one-shot digest; tests check equality with ``hmac``.
    """
    key = bytes.fromhex(secret)
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))
