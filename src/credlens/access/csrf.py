"""CSRF tokens, bound to the browser's session when it has one.

- With a session: the token is an HMAC of the session token's hash under the server secret, so a
  token is worthless with any other session (an anonymous page's, another user's).
- Without one (sign-in, invitation and recipient-link pages): a signed double-submit cookie, the token
  being an HMAC of the browser's random CSRF cookie. A page on another site can neither read nor forge
  either; the ``__Host-`` cookie prefix keeps a sibling subdomain from planting its own pair.
"""

from __future__ import annotations

import hmac

from credlens.access.tokens import sign, token_hash

COOKIE = "__Host-credlens_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
_ANONYMOUS = "csrf"
_SESSION = "csrf-session"


def form_token(secret: bytes, session: str | None, cookie: str | None) -> str | None:
    """The token a form must carry: bound to the session token if any, else to the CSRF cookie, else None."""
    if session:
        return sign(secret, _SESSION, token_hash(session).encode())
    if cookie:
        return sign(secret, _ANONYMOUS, cookie.encode())
    return None


def token_valid(secret: bytes, session: str | None, cookie: str | None, token: str | None) -> bool:
    expected = form_token(secret, session, cookie)
    return expected is not None and token is not None and hmac.compare_digest(expected, token)
