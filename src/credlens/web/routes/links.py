"""POST /api/v1/recipient-links: issuer systems ask for a recipient's signed, expiring link.

Authenticated with the ingest key: that is the key issuer systems already hold (they send the
events), and a link reveals nothing beyond what those systems know. Read keys are for reading
aggregates, and a recipient link opens one recipient's credentials, which is not an aggregate.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from credlens.access.links import MAX_DAYS, LinkError, issue
from credlens.recipients.holdings import count_holdings
from credlens.web.auth import Now
from credlens.web.deps import IngestIssuer, WarehouseDep, public_base
from credlens.web.errors import ApiError
from credlens.web.openapi import refusals

router = APIRouter()


class LinkRequest(BaseModel):
    email: str | None = Field(default=None, max_length=320, description="The recipient's e-mail")
    earner_id: str | None = Field(default=None, max_length=128, description="Or the issuer's earner id")
    days: int = Field(default=30, ge=1, le=MAX_DAYS, description="Days the link stays valid")


@router.post(
    "/api/v1/recipient-links",
    responses=refusals(
        {
            400: "`invalid_request`: a body that cannot be parsed (not UTF-8 JSON)",
            401: "missing or bad ingest key",
            403: "`csrf_failed`: a session cookie without a key and without `X-CSRF-Token`",
            422: "`invalid_recipient`: no recipient named, or both; `invalid_request`: a body that cannot be read",
        }
    ),
)
def create_link(
    request: Request, body: Annotated[LinkRequest, Body()], issuer: IngestIssuer, warehouse: WarehouseDep, at: Now
) -> dict[str, Any]:
    """A link that opens the recipient's own page; `credentials` is how many they hold now."""
    try:
        token, claim = issue(
            request.app.state.secret,
            issuer.issuer_id,
            warehouse.pseudonym_secret(issuer.issuer_id),
            at,
            email=body.email,
            earner_id=body.earner_id,
            days=body.days,
        )
    except LinkError as exc:
        raise ApiError(422, "invalid_recipient", str(exc)) from exc
    return {
        "url": f"{public_base(request)}/r/{token}",
        "expires_at": claim.expires_at.replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z"),
        "credentials": count_holdings(warehouse.tables(issuer.issuer_id), claim.recipient_key),
    }
