"""One recipient's timeline for staff (privacy.md): admins, and program managers for the recipients of
their programs; shown only with the recipient's consent to detailed tracking, refused with the reason
otherwise. The lookup is a POST, so the e-mail or earner id never lands in a URL or an access log, and
the page never repeats it. Every timeline shown is audited (``Warehouse.recipient_timeline``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from credlens.access.scope import ScopeRefused
from credlens.domain.accounts import Role
from credlens.privacy.consent import EVENT_COLUMNS, ConsentRequired, Timeline
from credlens.recipients.timeline import for_staff
from credlens.store.warehouse import StoreError
from credlens.web.auth import Staff, TimelineViewer
from credlens.web.deps import WarehouseDep
from credlens.web.forms import Form
from credlens.web.pages import render

router = APIRouter(include_in_schema=False)

# Shown beside an event's kind when set: the timeline's columns after its identifying ones (it carries
# no demographics to begin with).
DETAILS = EVENT_COLUMNS[EVENT_COLUMNS.index("actor") :]


def _value(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def event_rows(timeline: Timeline) -> list[dict[str, Any]]:
    return [
        {
            "at": _value(e["occurred_at"]),
            "type": e["type"],
            "credential_id": e["credential_id"],
            "program_id": e["program_id"],
            "details": [f"{name.replace('_', ' ')}: {_value(e[name])}" for name in DETAILS if e[name] is not None],
        }
        for e in timeline.events
    ]


def _page(request: Request, staff: Staff, status: int = 200, **context: Any) -> Response:
    scoped = staff.user.programs if staff.user.role is Role.PROGRAM_MANAGER else None
    values = {"issuer": staff.issuer, "scoped": scoped, **context}
    return render(request, "timeline.html", values, status=status)


@router.get("/timeline")
def timeline_form(request: Request, staff: TimelineViewer) -> Response:
    return _page(request, staff)


@router.post("/timeline")
def timeline(request: Request, form: Form, staff: TimelineViewer, warehouse: WarehouseDep) -> Response:
    email, earner_id = form.get("recipient_email") or None, form.get("earner_id") or None
    try:
        shown = for_staff(warehouse, staff.issuer.issuer_id, staff.user, email=email, earner_id=earner_id)
    except StoreError as exc:
        return _page(request, staff, 422, problem=f"{exc}.")
    except ScopeRefused as exc:
        return _page(request, staff, 403, problem=f"Refused: {exc}.")
    except ConsentRequired as exc:
        return _page(request, staff, 403, problem=f"Refused: {exc.reason}.")
    return _page(request, staff, credentials=shown.credentials, events=event_rows(shown), shown=True)
