"""Shared links: ``GET /share/{token}`` shows one dashboard with the link's fixed filters, read-only;
``POST /share/{token}`` takes the password of a protected link and sets a pass for that link alone.

Nothing here reads or opens a session: a visitor is nobody, the link decides what is shown, and the
address carries no filter (a query string is dropped by a redirect). An unknown token is 404, a
revoked or expired link 410, each a plain page; a missing or wrong password 401 with the form.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.access.passwords import MAX_LENGTH, verify_password
from credlens.access.ratelimit import SignInLimiter
from credlens.access.shares import SharedLink, Status, cookie_name, make_pass, pass_valid
from credlens.access.tokens import token_hash
from credlens.store.warehouse import Warehouse
from credlens.web import sessions
from credlens.web import shares as shared
from credlens.web.auth import Now
from credlens.web.dashboards import PAGES
from credlens.web.deps import WarehouseDep
from credlens.web.forms import Form
from credlens.web.hashing import in_slot
from credlens.web.pages import render

router = APIRouter(include_in_schema=False)

GONE = {
    Status.REVOKED: "This shared link was revoked. Ask whoever sent it for a new one.",
    Status.EXPIRED: "This shared link has expired. Ask whoever sent it for a new one.",
}
UNKNOWN = "There is no shared link at this address. Check that it was copied whole."


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _link(request: Request, token: str, warehouse: Warehouse, at: dt.datetime) -> tuple[SharedLink, str]:
    """The live link of a token and the token's hash; raises ``_Refusal`` with the plain page otherwise."""
    digest = token_hash(token) if len(token) <= sessions.MAX_TOKEN else ""
    link = warehouse.shares.by_token(digest) if digest else None
    if link is None or link.page not in shared.SHAREABLE:
        raise _Refusal(render(request, "share_gone.html", {"message": UNKNOWN, "status": 404}, 404))
    status = link.status(at)
    if status is not Status.LIVE:
        raise _Refusal(render(request, "share_gone.html", {"message": GONE[status], "status": 410}, 410))
    return link, digest


def _password_page(request: Request, token: str, error: str | None, status: int) -> Response:
    return render(request, "share_password.html", {"token": token, "error": error}, status)


@router.get("/share/{token}")
def shared_view(request: Request, token: str, warehouse: WarehouseDep, at: Now) -> Response:
    """The link's dashboard, audited as a read of the issuer's aggregates (like an export)."""
    try:
        link, digest = _link(request, token, warehouse, at)
    except _Refusal as refusal:
        return refusal.response
    if request.url.query:  # the link fixes every filter: the address holds none
        return RedirectResponse(f"/share/{token}", status_code=303)
    secret: bytes = request.app.state.secret
    if link.has_password and not pass_valid(secret, link, digest, request.cookies.get(cookie_name(link.share_id)), at):
        return _password_page(request, token, None, 401)
    issuer = warehouse.issuer_by_id(link.issuer_id)
    if issuer is None:
        return render(request, "share_gone.html", {"message": UNKNOWN, "status": 404}, 404)
    page = PAGES[link.page]
    ctx = shared.context(issuer, link.actor, link.filters, warehouse)
    dashboard = shared.view(page, ctx, warehouse, request.app.state.settings)
    warehouse.shares.used(issuer.issuer_id, link.share_id, at)
    warehouse.audit(issuer.issuer_id, link.actor, "share.viewed", f"{page.title} dashboard ({link.filters})")
    return render(request, "share.html", shared.page_context(link, dashboard, ctx))


@router.post("/share/{token}")
async def unlock(request: Request, token: str, form: Form, warehouse: WarehouseDep, at: Now) -> Response:
    """Check a protected link's password (throttled per link, access/ratelimit.py) and hand out a
    pass for this link only; the form's CSRF token was checked by the guard."""
    try:
        link, digest = _link(request, token, warehouse, at)
    except _Refusal as refusal:
        return refusal.response
    if not link.has_password:
        return RedirectResponse(f"/share/{token}", status_code=303)
    limiter: SignInLimiter = request.app.state.share_limiter
    wait = limiter.retry_after(link.actor, at)
    if wait is not None:
        minutes = -(-wait // 60)
        page = _password_page(request, token, f"Too many wrong passwords. Try again in {minutes} minute(s).", 429)
        page.headers["Retry-After"] = str(wait)
        return page
    delay = limiter.slow_down(at)
    if delay:
        await asyncio.sleep(delay)
    password = form.raw("password")[:MAX_LENGTH]
    # NOTE: Argon2 (~0.2 s of CPU, 64 MiB) runs off the event loop, a few at a time (web/hashing.py).
    if not await in_slot(verify_password, link.password_hash, password):
        limiter.failed(link.actor, at)
        warehouse.audit(link.issuer_id, link.actor, "share.password_failed")
        return _password_page(request, token, "Wrong password.", 401)
    limiter.succeeded(link.actor)
    value, until = make_pass(request.app.state.secret, link, digest, at)
    response = RedirectResponse(f"/share/{token}", status_code=303)
    response.set_cookie(
        cookie_name(link.share_id),
        value,
        max_age=max(1, int((until - at).total_seconds())),
        secure=True,
        httponly=True,
        samesite="lax",
        path="/",
    )
    return response
