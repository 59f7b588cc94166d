"""Admin actions on API keys: create one (shown once, stored hashed) and revoke one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.domain.issuers import KeyKind
from credlens.web.auth import AdminUser
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.forms import Form
from credlens.web.pages import render

router = APIRouter()


@router.post("/admin/keys")
def create_key(request: Request, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    try:
        kind = KeyKind(form.get("kind"))
    except ValueError as exc:
        raise ApiError(422, "invalid_form", "choose an ingest or a read key") from exc
    key, token = warehouse.create_key(admin.issuer.issuer_id, kind)
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "key.created", f"{kind.value} key {key.key_id}")
    context = {
        "title": f"New {kind.value} key",
        "secret": token,
        "explain": "Store this key now, in your system's secret store: credlens keeps only its hash and "
        "cannot show it again. Revoke it from the admin page when it is no longer needed.",
        "issuer": admin.issuer,
    }
    return render(request, "admin/shown_once.html", context)


@router.post("/admin/keys/{key_id}/revoke")
def revoke_key(key_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    del form
    if not warehouse.revoke_key(admin.issuer.issuer_id, key_id):
        raise ApiError(404, "not_found", "no such live key")
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "key.revoked", f"key {key_id}")
    return RedirectResponse("/admin?done=revoked", status_code=303)
