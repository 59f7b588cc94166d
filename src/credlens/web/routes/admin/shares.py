"""Admin: shared links of a dashboard view (web/routes/shares.py): list them, create one (its address
shown once: only the token's hash is kept), revoke one. Each creation and revocation is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from credlens.access.passwords import hash_password, password_problem
from credlens.access.shares import DEFAULT_DAYS, MAX_DAYS
from credlens.access.tokens import new_token, token_hash
from credlens.domain.issuers import Issuer
from credlens.reports.catalog import catalog
from credlens.store.warehouse import Warehouse
from credlens.web import shares as shared
from credlens.web import state as url_state
from credlens.web.auth import AdminUser, Now
from credlens.web.dashboards import PAGES
from credlens.web.deps import WarehouseDep, public_base
from credlens.web.errors import ApiError
from credlens.web.forms import Form, FormFields
from credlens.web.hashing import in_slot
from credlens.web.pages import render
from credlens.web.state import State, dashboard_state

router = APIRouter()


@router.get("/admin/shares")
def shares_page(request: Request, admin: AdminUser, warehouse: WarehouseDep, at: Now) -> Response:
    issuer_id = admin.issuer.issuer_id
    names = dict(catalog(warehouse.tables(issuer_id)).programs)
    links = [
        {"link": link, "view": PAGES[link.page].title, "filters": shared.describe(shared.state_of(link.filters), names)}
        for link in warehouse.shares.links(issuer_id)
    ]
    context: dict[str, Any] = {
        "issuer": admin.issuer,
        "links": links,
        "now": at,
        "pages": [PAGES[name] for name in shared.SHAREABLE],
        "programs": sorted(names.items(), key=lambda item: item[1] or item[0]),
        "periods": url_state.PERIODS,
        "compares": url_state.COMPARES,
        "kinds": url_state.KINDS,
        "default_days": DEFAULT_DAYS,
        "max_days": MAX_DAYS,
        "notice": "The link is revoked: it stops working now." if request.query_params.get("done") else None,
    }
    return render(request, "admin/shares.html", context)


def _state(form: FormFields, known: set[str]) -> State:
    """The link's filters from the form, refused in words when they name what the issuer lacks."""
    state = dashboard_state(
        period=form.get("period"),
        date_from=form.get("from"),
        date_to=form.get("to"),
        program=form.all("program"),
        kind=form.get("kind"),
        compare=form.get("compare"),
    )
    unknown = [p for p in state.programs if p not in known]
    if unknown:
        raise ApiError(422, "invalid_form", f"no program {', '.join(unknown)} at this issuer")
    if state.kind not in (None, *(k for k, _ in url_state.KINDS if k)):
        raise ApiError(422, "invalid_form", "kind: certificate, badge, or none for all kinds")
    return state


def _days(form: FormFields) -> int:
    text = form.get("days", str(DEFAULT_DAYS))
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise ApiError(422, "invalid_form", f"a shared link works for 1 to {MAX_DAYS} days")
    return int(text)


def _prepare(form: FormFields, issuer: Issuer, warehouse: Warehouse) -> tuple[str, str]:
    """The view and its filters as the link will keep them, checked against the issuer's programs
    and by the engine (``422 invalid_form`` in words otherwise)."""
    page_name = form.get("page")
    if page_name not in shared.SHAREABLE:
        raise ApiError(422, "invalid_form", f"choose a view to share: {', '.join(shared.SHAREABLE)}")
    known = {p for p, _ in catalog(warehouse.tables(issuer.issuer_id)).programs}
    filters = shared.filters_of(_state(form, known), page_name)
    try:
        shared.check(issuer, filters, warehouse)
    except ApiError as exc:
        raise ApiError(422, "invalid_form", exc.message, exc.details) from exc
    return page_name, filters


@router.post("/admin/shares")
async def create_share(request: Request, form: Form, admin: AdminUser, warehouse: WarehouseDep, at: Now) -> Response:
    issuer, days, password = admin.issuer, _days(form), form.raw("password")
    problem = password_problem(password) if password else None
    if problem:
        raise ApiError(422, "invalid_form", problem)
    page_name, filters = await run_in_threadpool(_prepare, form, issuer, warehouse)
    password_hash = await in_slot(hash_password, password) if password else None
    token = new_token()
    link = warehouse.shares.create(
        issuer.issuer_id,
        token_hash(token),
        page_name,
        filters,
        created_by=admin.user.actor,
        now=at,
        expires_at=(at + dt.timedelta(days=days)).replace(microsecond=0),
        password_hash=password_hash,
    )
    detail = f"shared link {link.share_id}: {PAGES[page_name].title} ({filters}), {days} days"
    warehouse.audit(issuer.issuer_id, admin.user.actor, "share.created", detail + (", password" if password else ""))
    context = {
        "title": "New shared link",
        "secret": f"{public_base(request)}/share/{token}",
        "explain": "Send this address to whoever should see the view (and the password, apart). credlens keeps "
        "only its hash and cannot show it again; revoke it on the Shared links page when it is no longer needed.",
        "issuer": issuer,
    }
    return render(request, "admin/shown_once.html", context)


@router.post("/admin/shares/{share_id}/revoke")
def revoke_share(share_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep, at: Now) -> Response:
    del form
    if not warehouse.shares.revoke(admin.issuer.issuer_id, share_id, at):
        raise ApiError(404, "not_found", "no such shared link, or it is already revoked")
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "share.revoked", f"shared link {share_id}")
    return RedirectResponse("/admin/shares?done=revoked", status_code=303)
