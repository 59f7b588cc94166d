"""GET /admin: one page with everything the admin manages, each action a small form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from credlens.domain.accounts import Role
from credlens.domain.industries import INDUSTRIES, known
from credlens.domain.issuers import KeyKind
from credlens.privacy.consent import opted_in
from credlens.store.catalog import programs
from credlens.web.auth import AdminUser
from credlens.web.deps import WarehouseDep
from credlens.web.pages import render

router = APIRouter()

# Messages after a redirect, by a fixed name: the URL never carries free text into the page.
NOTICES = {
    "programs": "Programs saved.",
    "disabled": "The user is disabled and signed out everywhere.",
    "revoked": "The key is revoked: it stops working now.",
    "industry": "Industry saved: benchmarks compare you with its issuers from now on.",
}


@router.get("/admin")
def admin_page(request: Request, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    issuer_id = admin.issuer.issuer_id
    tables = warehouse.tables(issuer_id)
    opted, recipients = opted_in(tables)
    context = {
        "issuer": admin.issuer,
        "me": admin.user,
        "users": warehouse.accounts.users(issuer_id),
        "programs": programs(tables),
        "keys": warehouse.api_keys(issuer_id),
        "roles": list(Role),
        "key_kinds": list(KeyKind),
        "opted_in": opted,
        "recipients": recipients,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        "industry": known(admin.issuer.industry),
        "industries": INDUSTRIES,
    }
    return render(request, "admin/overview.html", context)
