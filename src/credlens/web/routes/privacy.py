"""The privacy operations through the API: erasing a recipient, and a recipient's timeline for staff.

Both name the recipient in a JSON body (never in the URL, so never in an access log) and both are
for people signed in, not keys (web/auth.py; docs/api.md says why): cookie-authenticated, so the
CSRF middleware already requires ``X-CSRF-Token`` (security/forms.py). Bodies that cannot be read
are ``400 invalid_request``. Both routes are synchronous: an erasure blocks for seconds while the
database file is rewritten, in FastAPI's thread pool, with no cursor held by this thread.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from credlens.access.scope import ScopeRefused
from credlens.privacy.consent import ConsentRequired
from credlens.recipients.timeline import for_staff
from credlens.store.warehouse import StoreError
from credlens.web.auth import SessionAdmin, TimelineViewer
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.openapi import refusals

router = APIRouter()
MAX_BODY = 4096


class RecipientRef(BaseModel):
    """The recipient, by the e-mail or the earner id the issuer's events used: exactly one."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=320, description="The recipient's e-mail address")
    earner_id: str | None = Field(default=None, max_length=128, description="Or the issuer's earner id")


_BODY = {"required": True, "content": {"application/json": {"schema": RecipientRef.model_json_schema()}}}
_USAGE = 'send a JSON object naming the recipient: {"email": "…"} or {"earner_id": "…"}'


async def recipient_ref(request: Request) -> RecipientRef:
    """The body, read here (an async dependency) so that the routes themselves can stay synchronous.
    Routes list it after their caller's check, so that who may call is settled before the body is read."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(400, "invalid_request", f"the body is over {MAX_BODY} bytes; {_USAGE}")
    try:
        ref = RecipientRef.model_validate(json.loads(raw))
    except (ValueError, UnicodeDecodeError) as exc:  # pydantic's ValidationError is a ValueError
        details = (
            [{"field": ".".join(str(p) for p in e["loc"]) or "body", "reason": e["msg"]} for e in exc.errors()]
            if isinstance(exc, ValidationError)
            else []
        )
        raise ApiError(400, "invalid_request", f"the body cannot be read; {_USAGE}", details) from exc
    if (ref.email is None) == (ref.earner_id is None):
        raise ApiError(400, "invalid_request", f"name the recipient by one of email and earner_id; {_USAGE}")
    return ref


Recipient = Annotated[RecipientRef, Depends(recipient_ref)]


@router.post(
    "/api/v1/erasures",
    openapi_extra={"requestBody": _BODY},
    responses=refusals(
        {
            400: "`invalid_request`: no, both, or a malformed identifier, or a body that cannot be read",
            401: "not signed in, or an unknown key",
            403: "not an admin, an API key, or no `X-CSRF-Token`",
        }
    ),
)
def erase(admin: SessionAdmin, ref: Recipient, warehouse: WarehouseDep) -> dict[str, Any]:
    """Erase the recipient from the admin's issuer (privacy.md); answers the rows removed, never who.

    `found` is false when nothing was stored about them (nothing was erased); `purged` says whether the
    database file was already rewritten without them.
    """
    try:
        report = warehouse.erase_person(
            admin.issuer.issuer_id, email=ref.email, earner_id=ref.earner_id, actor=admin.user.actor
        )
    except StoreError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from exc
    return {"found": report.found, **asdict(report)}


@router.post(
    "/api/v1/recipient-timeline",
    openapi_extra={"requestBody": _BODY},
    responses=refusals(
        {
            400: "`invalid_request`: no, both, or a malformed identifier, or a body that cannot be read",
            401: "not signed in, or an unknown key",
            403: "an executive, a key, outside a program manager's programs, no consent, or no `X-CSRF-Token`",
        }
    ),
)
def recipient_timeline(staff: TimelineViewer, ref: Recipient, warehouse: WarehouseDep) -> dict[str, Any]:
    """The recipient's credentials and events, if they opted in to detailed tracking (audited)."""
    try:
        shown = for_staff(warehouse, staff.issuer.issuer_id, staff.user, email=ref.email, earner_id=ref.earner_id)
    except StoreError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from exc
    except ScopeRefused as exc:
        raise ApiError(403, "forbidden", str(exc)) from exc
    except ConsentRequired as exc:
        raise ApiError(403, "consent_required", exc.reason) from exc
    return {"credentials": shown.credentials, "events": shown.events}
