"""CSRF tokens: a signed double-submit cookie. The form's token is an HMAC of the browser's random
CSRF cookie under the server secret, so a page on another site can neither read nor forge it."""

from __future__ import annotations

from credlens.access.tokens import sign, signature_valid

COOKIE = "credlens_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
_PURPOSE = "csrf"


def form_token(secret: bytes, cookie: str) -> str:
    return sign(secret, _PURPOSE, cookie.encode())


def token_valid(secret: bytes, cookie: str | None, token: str | None) -> bool:
    if not cookie or not token:
        return False
    return signature_valid(secret, _PURPOSE, cookie.encode(), token)
