"""Recipient links: ``/r/{token}`` opens a session scoped to one recipient; ``/recipient`` is their page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.access.links import LinkError, read_token
from credlens.recipients.holdings import holdings
from credlens.web import sessions
from credlens.web.auth import Holder, Now
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/r/{token}")
def open_link(request: Request, token: str, warehouse: WarehouseDep, at: Now) -> Response:
    """Check the link, open a recipient session, and move the token out of the address bar."""
    try:
        claim = read_token(request.app.state.secret, token, at)
    except LinkError as exc:
        raise ApiError(404, "invalid_link", str(exc)) from exc
    if warehouse.issuer_by_id(claim.issuer_id) is None:
        raise ApiError(404, "invalid_link", "this link is not valid; ask the issuer for a new one")
    response = RedirectResponse("/recipient", status_code=303)
    sessions.end(request, None, warehouse)  # the new cookie replaces the old
    sessions.start(response, warehouse, claim.issuer_id, at, recipient_key=claim.recipient_key, until=claim.expires_at)
    return response


@router.get("/recipient")
def recipient_page(request: Request, holder: Holder, warehouse: WarehouseDep, at: Now) -> Response:
    held = holdings(warehouse.tables(holder.issuer.issuer_id), holder.recipient_key, at)
    return render(request, "recipient.html", {"issuer": holder.issuer, "holdings": held})
