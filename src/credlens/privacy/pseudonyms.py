"""Pseudonymous recipient keys: the only form in which a person reaches the store.

HMAC-SHA256 keyed by a per-issuer secret over the normalized e-mail, or ``id:`` + the issuer's
earner id: the same person gets the same key within an issuer, and unlinkable keys across issuers.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets


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
    keyed = _keyed(secret).copy()
    keyed.update(material.encode())
    return keyed.hexdigest()


@functools.lru_cache(maxsize=1024)
def _keyed(secret: str) -> hmac.HMAC:
    # NOTE: copying an HMAC already keyed costs ~1.6 µs here, against ~2.4 µs for a one-shot digest.
    return hmac.new(bytes.fromhex(secret), digestmod=hashlib.sha256)
