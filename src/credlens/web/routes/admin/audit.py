"""The audit log: on a page, and as CSV (a download is itself an audited export)."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import Response

from credlens.reports.exports import formula_safe
from credlens.web.auth import AdminUser
from credlens.web.deps import WarehouseDep
from credlens.web.pages import render

router = APIRouter()


@router.get("/admin/audit")
def audit_page(request: Request, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    entries = warehouse.audit_entries(admin.issuer.issuer_id, limit=500)
    return render(request, "admin/audit.html", {"issuer": admin.issuer, "entries": entries})


@router.get("/admin/audit.csv")
def audit_csv(admin: AdminUser, warehouse: WarehouseDep) -> Response:
    issuer_id = admin.issuer.issuer_id
    warehouse.audit(issuer_id, admin.user.actor, "export", "audit log CSV")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["at_utc", "actor", "action", "detail"])
    for entry in warehouse.audit_entries(issuer_id, limit=1_000_000):
        cells = (entry.actor, entry.action, entry.detail or "")
        writer.writerow([entry.at.isoformat(), *(formula_safe(text) for text in cells)])
    filename = f"credlens-audit-{admin.issuer.slug}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
