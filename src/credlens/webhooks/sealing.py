"""Subscription secrets at rest: sealed with AES-GCM under a key derived from the server secret.

The secret must be readable to sign, so it cannot be hashed like an API key; sealed, a copy of the
database file alone does not give it away. The subscription id is the associated data, so a sealed
secret copied onto another subscription does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PURPOSE = b"credlens webhook secrets v1"
_VERSION = "v1:"


class SealError(Exception):
    """The sealed secret does not open with this server secret (CREDLENS_SECRET_KEY changed?)."""


def _key(server_secret: bytes) -> bytes:
    return hmac.new(server_secret, _PURPOSE, hashlib.sha256).digest()


def seal(server_secret: bytes, sub_id: str, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(server_secret)).encrypt(nonce, secret.encode(), sub_id.encode())
    return _VERSION + base64.b64encode(nonce + sealed).decode()


def unseal(server_secret: bytes, sub_id: str, sealed: str) -> str:
    if not sealed.startswith(_VERSION):
        raise SealError("unknown sealing version")
    raw = base64.b64decode(sealed.removeprefix(_VERSION))
    try:
        return AESGCM(_key(server_secret)).decrypt(raw[:12], raw[12:], sub_id.encode()).decode()
    except InvalidTag as exc:
        raise SealError(
            "the subscription's secret does not open with this server's secret key (was CREDLENS_SECRET_KEY changed?)"
        ) from exc
