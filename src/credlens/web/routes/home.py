"""The signed-in start page: what this user may see, and the dashboards."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.domain.accounts import Role
from credlens.store.catalog import programs
from credlens.web.auth import Recipient, SignedIn
from credlens.web.dashboards import PAGES
from credlens.web.deps import WarehouseDep
from credlens.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, principal: SignedIn, warehouse: WarehouseDep) -> Response:
    if principal is None:
        return RedirectResponse("/signin", status_code=303)
    if isinstance(principal, Recipient):
        return RedirectResponse("/recipient", status_code=303)
    user = principal.user
    params: list[tuple[str, str]] = [("period", "last_quarter")]
    if user.role is Role.PROGRAM_MANAGER:
        params += [("program", p) for p in user.programs]
    stats_url = "/api/v1/stats?" + urlencode(params)
    names = {p.program_id: p.name or p.program_id for p in programs(warehouse.tables(principal.issuer.issuer_id))}
    context = {
        "user": user,
        "issuer": principal.issuer,
        "stats_url": stats_url,
        "pages": PAGES.values(),
        "my_programs": [names.get(p, p) for p in user.programs],
    }
    return render(request, "home.html", context)
