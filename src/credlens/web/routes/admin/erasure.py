"""Erasing a recipient from the admin page (privacy.md): a form, typed twice, then the counts removed.

The identifier goes from the form to ``Warehouse.erase_person`` and nowhere else: not into the
URL (the form is a POST), not into a log line, not into the result page, which shows counts only.
The erasure hides the person from every read at once; the file rewrite that removes their bytes is
queued (store/purges.py), and the page says by when. "Purge now" runs it at once: synchronous (FastAPI's
thread pool), seconds on a large store, and this thread must not hold a cursor meanwhile.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from credlens.domain.accounts import normalize_email
from credlens.store.erasure import ErasureReport
from credlens.store.warehouse import StoreError
from credlens.web.auth import AdminUser
from credlens.web.deps import WarehouseDep
from credlens.web.forms import Form
from credlens.web.pages import render

router = APIRouter()

ROWS = (
    ("credentials", "credentials"),
    ("events", "raw events"),
    ("tombstones", "event tombstones"),
    ("verifications", "verifications"),
    ("reported_outcomes", "reported outcomes"),
    ("enrollments", "enrollments"),
    ("recipients", "recipient rows (consent, country, demographics)"),
    ("daily_events", "events subtracted from the daily counts"),
    ("daily_unattributed", "older events left as anonymous daily counts (retention had deleted them)"),
)


def report_rows(report: ErasureReport) -> list[tuple[str, int]]:
    return [(label, int(getattr(report, field))) for field, label in ROWS]


@router.get("/admin/erasure")
def erasure_form(request: Request, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    return render(request, "admin/erasure.html", {"issuer": admin.issuer, "purge": warehouse.purge_status()})


@router.post("/admin/erasure/purge")
def purge(request: Request, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    """Rewrite the file now without every erased row still in it; 503 if postponed (retried by the server)."""
    done = warehouse.purge()
    if not done:
        request.app.state.purges.request()
    context = {"issuer": admin.issuer, "purge": warehouse.purge_status(), "purged_now": done, "postponed": not done}
    return render(request, "admin/erasure.html", context, status=200 if done else 503)


@router.post("/admin/erasure")
def erase(request: Request, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    email, earner_id, repeat = form.get("recipient_email"), form.get("earner_id"), form.get("repeat")
    problem = None
    if bool(email) == bool(earner_id):
        problem = "Enter the recipient's e-mail address or their earner id: one of them."
    elif (normalize_email(repeat) != normalize_email(email)) if email else (repeat != earner_id):
        problem = "The confirmation differs from the identifier: type the same e-mail or earner id twice."
    report = None
    if problem is None:
        try:
            report = warehouse.erase_person(
                admin.issuer.issuer_id,
                email=email or None,
                earner_id=earner_id or None,
                actor=admin.user.actor,
                purge=False,
            )
        except StoreError as exc:
            problem = f"{exc}."
    if report is None:
        return render(request, "admin/erasure.html", {"issuer": admin.issuer, "problem": problem}, status=422)
    context: dict[str, Any] = {
        "issuer": admin.issuer,
        "report": report,
        "rows": report_rows(report),
        "purge": warehouse.purge_status(),
    }
    return render(request, "admin/erasure.html", context)
