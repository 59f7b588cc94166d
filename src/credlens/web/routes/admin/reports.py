"""The admin's Reports section: scheduled e-mail reports, their last and next run and their failures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.delivery.schedules import ScheduleError, add_schedule, remove_schedule, status
from credlens.domain.schedules import Every
from credlens.store.catalog import programs
from credlens.web.auth import AdminUser, Now
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.forms import Form
from credlens.web.pages import render

router = APIRouter()

NOTICES = {
    "added": "Schedule saved: a report whose period has already ended is sent within a minute.",
    "removed": "Schedule removed: it sends nothing more.",
}


@router.get("/admin/reports")
def reports_page(request: Request, admin: AdminUser, warehouse: WarehouseDep, at: Now) -> Response:
    issuer = admin.issuer
    context = {
        "issuer": issuer,
        "schedules": [status(warehouse, issuer, s, at) for s in warehouse.schedules.schedules(issuer.issuer_id)],
        "staff": [u for u in warehouse.accounts.users(issuer.issuer_id) if not u.disabled],
        "programs": programs(warehouse.tables(issuer.issuer_id)),
        "every": list(Every),
        "notice": NOTICES.get(request.query_params.get("done", "")),
    }
    return render(request, "admin/reports.html", context)


@router.post("/admin/reports/schedules")
def create_schedule(request: Request, form: Form, admin: AdminUser, warehouse: WarehouseDep, at: Now) -> Response:
    try:
        every = Every(form.get("every"))
    except ValueError as exc:
        raise ApiError(422, "invalid_form", "choose weekly or monthly") from exc
    try:
        add_schedule(
            warehouse, admin.issuer, every, form.all("program"), form.all("to"), actor=admin.user.actor, now=at
        )
    except ScheduleError as exc:
        raise ApiError(422, "invalid_form", str(exc)) from exc
    request.app.state.reports.wake()  # a period already ended is due now
    return RedirectResponse("/admin/reports?done=added", status_code=303)


@router.post("/admin/reports/schedules/{schedule_id}/remove")
def delete_schedule(schedule_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    del form
    if not remove_schedule(warehouse, admin.issuer, schedule_id, actor=admin.user.actor):
        raise ApiError(404, "not_found", "no such schedule")
    return RedirectResponse("/admin/reports?done=removed", status_code=303)
