"""Admin → Webhooks: the issuer's subscriptions (list, add, remove, test, enable again) and the
latest delivery attempts with their status and timing (docs/webhooks.md). The signing secret of a
new subscription is shown once, like an API key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.domain.events import EVENT_TYPES
from credlens.store.webhooks import Attempt
from credlens.web.auth import AdminUser
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.forms import Form
from credlens.web.pages import render
from credlens.webhooks.sender import send_test
from credlens.webhooks.settings import WebhookSettings
from credlens.webhooks.subscriptions import SubscriptionError, subscribe

router = APIRouter()
NOTICES = {
    "removed": "The subscription is removed: deliveries not made yet are dropped.",
    "enabled": "The subscription is enabled again: it receives the events stored from now on.",
}


def _settings(request: Request) -> WebhookSettings:
    found: WebhookSettings = request.app.state.webhook_settings
    return found


def _page(request: Request, admin: AdminUser, warehouse: WarehouseDep, **extra: Any) -> dict[str, Any]:
    issuer_id = admin.issuer.issuer_id
    return {
        "issuer": admin.issuer,
        "subscriptions": warehouse.webhooks.subscriptions(issuer_id),
        "pending": warehouse.webhooks.pending_by_subscription(issuer_id),
        "attempts": warehouse.webhooks.attempts(issuer_id, limit=50),
        "event_types": sorted(EVENT_TYPES),
        "notice": NOTICES.get(request.query_params.get("done", "")),
        **extra,
    }


@router.get("/admin/webhooks")
def webhooks_page(request: Request, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    return render(request, "admin/webhooks.html", _page(request, admin, warehouse))


@router.post("/admin/webhooks")
def add_webhook(request: Request, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    url, types = form.get("url"), form.all("event")
    try:
        sub_id, secret = subscribe(
            warehouse, request.app.state.secret, admin.issuer.issuer_id, url, types, _settings(request)
        )
    except SubscriptionError as exc:
        context = _page(request, admin, warehouse, problem=f"{exc}.", url=url, chosen=types)
        return render(request, "admin/webhooks.html", context, status=422)
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "webhook.added", f"{sub_id} {url}")
    context = {
        "title": f"New webhook {sub_id}",
        "secret": secret,
        "explain": "This is the subscription's signing secret: give it to the receiver, which verifies each "
        "delivery's webhook-signature header with it (docs/webhooks.md). It is not shown again.",
        "issuer": admin.issuer,
    }
    return render(request, "admin/shown_once.html", context)


def _owned(warehouse: WarehouseDep, admin: AdminUser, sub_id: str) -> Any:
    found = warehouse.webhooks.subscription(sub_id)
    if found is None or found.issuer_id != admin.issuer.issuer_id:
        raise ApiError(404, "not_found", "no such webhook subscription")
    return found


@router.post("/admin/webhooks/{sub_id}/remove")
def remove_webhook(sub_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    del form
    _owned(warehouse, admin, sub_id)
    warehouse.webhooks.remove(admin.issuer.issuer_id, sub_id, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "webhook.removed", sub_id)
    return RedirectResponse("/admin/webhooks?done=removed", status_code=303)


@router.post("/admin/webhooks/{sub_id}/enable")
def enable_webhook(sub_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    del form
    _owned(warehouse, admin, sub_id)
    warehouse.webhooks.enable(admin.issuer.issuer_id, sub_id)
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "webhook.enabled", sub_id)
    return RedirectResponse("/admin/webhooks?done=enabled", status_code=303)


@router.post("/admin/webhooks/{sub_id}/test")
def test_webhook(request: Request, sub_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    """A signed test delivery now (synchronous: at most the receiver timeout), then the page with its result."""
    del form
    found = _owned(warehouse, admin, sub_id)
    attempt: Attempt = send_test(warehouse, request.app.state.secret, found, admin.issuer.slug, _settings(request))
    return render(request, "admin/webhooks.html", _page(request, admin, warehouse, tested=attempt))
