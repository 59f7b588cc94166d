"""Random bearer tokens (stored only as hashes) and HMAC signatures with purpose-bound keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_token() -> str:
    """256 random bits, URL-safe: session cookies and invitation links."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # NOTE: tokens are 256-bit random values, so a plain SHA-256 suffices (no stretching needed).
    return hashlib.sha256(token.encode()).hexdigest()


def purpose_key(secret: bytes, purpose: str) -> bytes:
    """A key per use of the server secret, so a signature made for one purpose is worthless for another."""
    return hmac.new(secret, b"credlens:" + purpose.encode(), hashlib.sha256).digest()


def sign(secret: bytes, purpose: str, message: bytes) -> str:
    digest = hmac.new(purpose_key(secret, purpose), message, hashlib.sha256).digest()
    return b64encode(digest)


def signature_valid(secret: bytes, purpose: str, message: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, purpose, message), signature)


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
