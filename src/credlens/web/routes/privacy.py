"""The privacy operations through the API: erasing a recipient, and a recipient's timeline for staff.

Both name the recipient in a JSON body (never in the URL, so never in an access log) and both are
for people signed in, not keys (web/auth.py; docs/api.md says why): cookie-authenticated, so the
CSRF middleware already requires ``X-CSRF-Token`` (security/forms.py). Bodies that cannot be read
are ``400 invalid_request``. Both routes are synchronous (FastAPI's thread pool): an erasure blocks
while it deletes, and for seconds with ``purge_now`` while the file is rewritten; this thread must
hold no cursor meanwhile (the request's readers are closed only when it ends, web/readers.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
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


Ref = TypeVar("Ref", bound=RecipientRef)


class ErasureRef(RecipientRef):
    """An erasure's body: the recipient, and whether their bytes must be gone before it answers."""

    purge_now: bool = Field(
        default=False, description="Rewrite the database file now (slow), instead of by the queued purge's deadline"
    )


async def recipient_ref(request: Request) -> RecipientRef:
    """The body, read here (an async dependency) so that the routes themselves can stay synchronous.
    Routes list it after their caller's check, so that who may call is settled before the body is read."""
    return await _body(request, RecipientRef)


async def erasure_ref(request: Request) -> ErasureRef:
    return await _body(request, ErasureRef)


async def _body(request: Request, model: type[Ref]) -> Ref:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(400, "invalid_request", f"the body is over {MAX_BODY} bytes; {_USAGE}")
    try:
        ref = model.model_validate(json.loads(raw))
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
Erasure = Annotated[ErasureRef, Depends(erasure_ref)]
_ERASURE_BODY = {"required": True, "content": {"application/json": {"schema": ErasureRef.model_json_schema()}}}


@router.post(
    "/api/v1/erasures",
    openapi_extra={"requestBody": _ERASURE_BODY},
    status_code=200,
    responses={
        202: {"description": "erased from every read; their bytes are purged from the file by `purge_due`"},
        **refusals(
            {
                400: "`invalid_request`: no, both, or a malformed identifier, or a body that cannot be read",
                401: "not signed in, or an unknown key",
                403: "not an admin, an API key, or no `X-CSRF-Token`",
                503: "`purge_postponed` (`purge_now`): erased from every read, but the purge was postponed (retried)",
            }
        ),
    },
)
def erase(
    admin: SessionAdmin, ref: Erasure, warehouse: WarehouseDep, request: Request, response: Response
) -> dict[str, Any]:
    """Erase the recipient from the admin's issuer (privacy.md); answers the rows removed, never who.

    `found` is false when nothing was stored about them (nothing was erased). Once it answers, no read
    shows them (`hidden`); `purged` says whether the database file is already rewritten without them:
    if not, the answer is `202` and the server's queued purge removes their bytes by `purge_due`, trying
    again until it succeeds. With `purge_now`, the file is rewritten before the answer (`200`), or the
    answer is `503` if that was postponed (the queued purge still runs).
    """
    try:
        report = warehouse.erase_person(
            admin.issuer.issuer_id,
            email=ref.email,
            earner_id=ref.earner_id,
            actor=admin.user.actor,
            purge=ref.purge_now,
        )
    except StoreError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from exc
    answer = {"found": report.found, **asdict(report), "hidden": report.found}
    if report.found and not report.purged:
        if ref.purge_now:
            request.app.state.purges.request()
            raise ApiError(503, "purge_postponed", _POSTPONED, [{"purge_due": report.purge_due}])
        response.status_code = 202
    return answer


_POSTPONED = (
    "the recipient is erased from every read, but rewriting the file without their bytes was postponed "
    "(readers still busy, or a failure); the server tries again until it succeeds, by purge_due"
)


@router.get(
    "/api/v1/erasures/purge",
    responses=refusals({401: "not signed in, or an API key", 403: "not an admin"}),
)
def purge_status(_: SessionAdmin, warehouse: WarehouseDep) -> dict[str, Any]:
    """The queued purge: whether erased or retired rows still wait in the file, how many, and its deadline."""
    return warehouse.purge_status().as_json()


@router.post(
    "/api/v1/erasures/purge",
    responses=refusals(
        {
            401: "not signed in, or an API key",
            403: "not an admin, or no `X-CSRF-Token`",
            503: "`purge_postponed`: the purge was postponed (retried by the server)",
        }
    ),
)
def purge_now(_: SessionAdmin, warehouse: WarehouseDep, request: Request) -> dict[str, Any]:
    """Rewrite the database file now without every erased row still in it (slow on a large store)."""
    if not warehouse.purge():
        request.app.state.purges.request()
        raise ApiError(503, "purge_postponed", _POSTPONED, [warehouse.purge_status().as_json()])
    return warehouse.purge_status().as_json()


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
