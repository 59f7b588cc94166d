"""Sessions in cookies: a random token in a ``Secure; HttpOnly; SameSite=Lax`` cookie, its hash in
the store, an idle and an absolute expiry. A session belongs to a user or to a recipient link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import Request, Response

from credlens.access.tokens import new_token, token_hash
from credlens.domain.accounts import Session
from credlens.store.warehouse import Warehouse

COOKIE = "credlens_session"
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


def current(request: Request, warehouse: Warehouse, now: dt.datetime) -> Session | None:
    """The request's live session, or None; an expired one (idle or absolute) is deleted on sight."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
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
    token = request.cookies.get(COOKIE)
    if token and len(token) <= 100:
        warehouse.accounts.end_session(token_hash(token))
    if response is not None:
        response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")
