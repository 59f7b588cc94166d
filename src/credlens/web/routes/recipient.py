"""Recipient links: ``GET /r/{token}`` shows a confirmation page whose button (``POST /r/{token}``)
opens a session scoped to one recipient; ``/recipient`` is their dashboard, with its ``.json`` and
``.csv`` twins built from the same result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from credlens.access.links import LinkError, RecipientClaim, read_token
from credlens.access.tracking import make_token as make_tracking_token
from credlens.domain.issuers import Issuer
from credlens.recipients.holdings import holdings
from credlens.recipients.verifications import verifications_of
from credlens.reports import exports, notes, recipient
from credlens.reports.view import Dashboard
from credlens.store.targets import load_targets
from credlens.web import sessions
from credlens.web.auth import Holder, Now, SignedIn
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.forms import Form
from credlens.web.pages import render

router = APIRouter(include_in_schema=False)


def _claim(request: Request, token: str, warehouse: WarehouseDep, at: Now) -> tuple[RecipientClaim, Issuer]:
    """The link's claim and issuer; a forged, expired or orphaned link is 404 on GET and POST alike."""
    try:
        claim = read_token(request.app.state.secret, token, at)
    except LinkError as exc:
        raise ApiError(404, "invalid_link", str(exc)) from exc
    issuer = warehouse.issuer_by_id(claim.issuer_id)
    if issuer is None:
        raise ApiError(404, "invalid_link", "this link is not valid; ask the issuer for a new one")
    return claim, issuer


@router.get("/r/{token}")
def link_page(request: Request, token: str, warehouse: WarehouseDep, at: Now, principal: SignedIn) -> Response:
    """A page with one button, nothing else: following a link (a top-level navigation another site can
    start) never changes the browser's session; only the button's POST does (no login CSRF)."""
    claim, issuer = _claim(request, token, warehouse, at)
    return render(
        request,
        "recipient_link.html",
        {"issuer": issuer, "token": token, "expires_at": claim.expires_at, "signed_in": principal is not None},
    )


@router.post("/r/{token}")
def open_link(request: Request, token: str, form: Form, warehouse: WarehouseDep, at: Now) -> Response:
    """Open a recipient session (the form's CSRF token was checked by the guard), then move the token
    out of the address bar."""
    del form
    claim, _ = _claim(request, token, warehouse, at)
    response = RedirectResponse("/recipient", status_code=303)
    sessions.end(request, None, warehouse)  # the new cookie replaces the old
    sessions.start(response, warehouse, claim.issuer_id, at, recipient_key=claim.recipient_key, until=claim.expires_at)
    return response


def _dashboard(holder: Holder, warehouse: WarehouseDep, at: Now) -> Dashboard:
    tables = warehouse.tables(holder.issuer.issuer_id)
    held = holdings(tables, holder.recipient_key, at)
    return recipient.build(holder.issuer.name, held, verifications_of(tables, holder.recipient_key))


def _own_pages(request: Request, holder: Holder, warehouse: WarehouseDep, at: Now) -> list[tuple[str, str]]:
    """The issuer's page of each credential held, carrying the owner's tracking token (docs/tracking.md):
    this page is the recipient's own link, the one place the owner's token is handed out."""
    issuer_id = holder.issuer.issuer_id
    targets = load_targets(warehouse, issuer_id)
    if targets.page_url is None:
        return []
    pages = []
    for held in holdings(warehouse.tables(issuer_id), holder.recipient_key, at):
        page = targets.render("page_url", held.credential_id) or ""
        owner = make_tracking_token(request.app.state.secret, issuer_id, held.credential_id, owner=True)
        separator = "&" if "?" in page else "?"
        pages.append((held.program_name or held.credential_id, f"{page}{separator}credlens_owner={owner}"))
    return pages


@router.get("/recipient")
def recipient_page(request: Request, holder: Holder, warehouse: WarehouseDep, at: Now) -> Response:
    dashboard = _dashboard(holder, warehouse, at)
    context = {
        "issuer": holder.issuer,
        "dashboard": dashboard,
        "definitions": notes.definition,
        "own_pages": _own_pages(request, holder, warehouse, at),
    }
    return render(request, "recipient.html", context)


@router.get("/recipient.json")
def recipient_json(holder: Holder, warehouse: WarehouseDep, at: Now) -> Response:
    return JSONResponse(_dashboard(holder, warehouse, at).json())


@router.get("/recipient.csv")
def recipient_csv(
    holder: Holder,
    warehouse: WarehouseDep,
    at: Now,
    table: Annotated[str | None, Query(description="one table's id")] = None,
) -> Response:
    dashboard = _dashboard(holder, warehouse, at)
    found = dashboard.table(table) if table else None
    if table and found is None:
        raise ApiError(404, "not_found", f"no table {table!r}; the tables: credentials, expiring, verifications")
    body = exports.table_csv(found) if found else exports.dashboard_csv(dashboard)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="credentials-{table or "all"}.csv"'},
    )
