"""Sessions in cookies: a random token in a ``__Host-``, ``Secure; HttpOnly; SameSite=Lax`` cookie, its
hash in the store, an idle and an absolute expiry. A session belongs to a user or to a recipient link.

The ``__Host-`` prefix makes browsers refuse the cookie unless it is ``Secure``, ``Path=/`` and has no
``Domain``: a sibling subdomain cannot set or overwrite it. Cookies are always ``Secure``, which
browsers accept over HTTPS and on ``http://127.0.0.1``/``localhost`` (docs/deployment.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from fastapi import Request, Response

from credlens.access.tokens import new_token, token_hash
from credlens.domain.accounts import Session
from credlens.store.warehouse import Warehouse

COOKIE = "__Host-credlens_session"
MAX_TOKEN = 100  # a longer cookie is no token of ours: ignored, never hashed
IDLE = dt.timedelta(hours=2)
ABSOLUTE = dt.timedelta(hours=12)
# NOTE: last_seen_at is written at most once a minute per session: a write per request would
# serialize every page view on the store's single writer.
TOUCH_EVERY = dt.timedelta(minutes=1)

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """Naive UTC, like every timestamp in the store."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start(
    response: Response,
    warehouse: Warehouse,
    issuer_id: int,
    now: dt.datetime,
    *,
    user_id: str | None = None,
    recipient_key: str | None = None,
    until: dt.datetime | None = None,
) -> None:
    """Open a session and hand its token to the browser; only the token's hash is stored."""
    token = new_token()
    expires = min(now + ABSOLUTE, until) if until else now + ABSOLUTE
    warehouse.accounts.create_session(
        token_hash(token), issuer_id, now, expires, user_id=user_id, recipient_key=recipient_key
    )
    response.set_cookie(
        COOKIE,
        token,
        max_age=max(1, int((expires - now).total_seconds())),
        secure=True,
        httponly=True,
        samesite="lax",
        path="/",
    )


def token_of(cookies: Mapping[str, str]) -> str | None:
    """The session token a browser sent, live or not (CSRF tokens are bound to it), or None."""
    token = cookies.get(COOKIE)
    return token if token and len(token) <= MAX_TOKEN else None


def current(request: Request, warehouse: Warehouse, now: dt.datetime) -> Session | None:
    """The request's live session, or None; an expired one (idle or absolute) is deleted on sight."""
    token = token_of(request.cookies)
    if token is None:
        return None
    digest = token_hash(token)
    session = warehouse.accounts.session(digest)
    if session is None:
        return None
    if session.expires_at <= now or now - session.last_seen_at > IDLE:
        warehouse.accounts.end_session(digest)
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        warehouse.accounts.touch_session(digest, now)
    return session


def end(request: Request, response: Response | None, warehouse: Warehouse) -> None:
    """End the browser's session on the server; clear its cookie unless a new session replaces it (None)."""
    token = token_of(request.cookies)
    if token is not None:
        warehouse.accounts.end_session(token_hash(token))
    if response is not None:
        response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")
