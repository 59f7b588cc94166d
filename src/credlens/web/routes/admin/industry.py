"""The admin's choice of the issuer's industry: peer benchmarks compare issuers of one industry."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from credlens.store.warehouse import StoreError
from credlens.web.auth import AdminUser
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.forms import Form

router = APIRouter()


@router.post("/admin/industry")
def set_industry(form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    try:
        warehouse.set_industry(admin.issuer.issuer_id, form.get("industry") or "", actor=admin.user.actor)
    except StoreError as exc:
        raise ApiError(422, "invalid_form", str(exc)) from exc
    return RedirectResponse("/admin?done=industry", status_code=303)
