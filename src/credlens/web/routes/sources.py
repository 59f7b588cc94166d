"""POST /api/v1/sources/credly: Credly's webhooks, live, mapped as `credlens import --format credly` maps
them (docs/importers.md) and stored as POST /api/v1/events stores a batch: same validation, dedupe,
durability and answer."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from credlens.domain.rejections import Rejection
from credlens.ingest import offload
from credlens.ingest.decode import UNREADABLE, BatchError, accepted_media
from credlens.ingest.sources import credly
from credlens.ingest.sources.foreign import Skipped, Unmappable
from credlens.web.deps import IngestIssuer, WarehouseDep, WriterDep
from credlens.web.errors import ApiError
from credlens.web.openapi import refusals

router = APIRouter()

# A delivery is one event of a few hundred bytes; an event-feed page is 50 of them.
MAX_DELIVERY_BYTES = 1024 * 1024
MAX_DELIVERY_EVENTS = 100

_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "description": "A Credly webhook delivery `{id, event_type, occurred_at, data: {badge}}`, an array "
                "of them, or an event-feed page `{data: [...], metadata}` (docs/importers.md)",
                "oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}],
            }
        }
    },
}


def _details(rejections: list[Rejection]) -> list[dict[str, Any]]:
    return [{"position": r.position, "id": r.id, "field": r.field, "reason": r.reason} for r in rejections]


async def _read(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_DELIVERY_BYTES:
            raise ApiError(413, "batch_too_large", f"a delivery is at most {MAX_DELIVERY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _deliveries(body: bytes) -> list[Any]:
    """The Credly events of a body: one delivery, an array of them, or an event-feed page."""
    try:
        document = msgspec.json.decode(body)
    except UNREADABLE as exc:
        raise ApiError(400, "bad_batch", f"the body is not JSON: {exc}") from None
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        document = document["data"]
    items = document if isinstance(document, list) else [document]
    if len(items) > MAX_DELIVERY_EVENTS:
        raise ApiError(400, "bad_batch", f"at most {MAX_DELIVERY_EVENTS} Credly events per request")
    return items


def _mapped(items: list[Any]) -> tuple[list[dict[str, Any]], list[int]]:
    """The credlens events of every delivery and the delivery each came from; any unmappable delivery
    refuses the request (422, each named), as an invalid event refuses a batch."""
    events: list[dict[str, Any]] = []
    origins: list[int] = []
    rejections: list[Rejection] = []
    for position, item in enumerate(items):
        try:
            mapped = credly.events(item)
        except Skipped:
            continue
        except Unmappable as exc:
            source_id = item.get("id") if isinstance(item, dict) else None
            rejections.append(Rejection(position, exc.field, exc.reason, None if source_id is None else str(source_id)))
            continue
        events.extend(mapped)
        origins.extend([position] * len(mapped))
    if rejections:
        raise ApiError(
            422,
            "invalid_events",
            f"{len(rejections)} unmappable Credly event(s); nothing was stored",
            _details(rejections),
        )
    return events, origins


def _refused(rejections: list[Rejection], origins: list[int]) -> ApiError:
    """The pipeline's refusals, at the position of the Credly delivery each event came from."""
    named = [msgspec.structs.replace(r, position=origins[r.position]) for r in rejections]
    return ApiError(422, "invalid_events", f"{len(named)} invalid event(s); nothing was stored", _details(named))


@router.post(
    "/api/v1/sources/credly",
    openapi_extra={"requestBody": _BODY},
    responses=refusals(
        {
            400: "`bad_batch`: not JSON, or more than 100 Credly events",
            401: "missing or bad ingest key",
            403: "`csrf_failed`: a session cookie without a key and without `X-CSRF-Token`",
            413: "`batch_too_large`: over 1 MiB",
            415: "`unsupported_media_type`: not sent as application/json",
            422: "`invalid_events`: Credly events that cannot be mapped or whose events are invalid, each "
            "named in `details`; none stored",
        }
    ),
)
async def post_credly(
    request: Request, issuer: IngestIssuer, warehouse: WarehouseDep, writer: WriterDep
) -> dict[str, int]:
    """Store Credly webhook deliveries (docs/importers.md). `200` means durable; a redelivery is a duplicate."""
    content_type = request.headers.get("content-type", "")
    if not accepted_media(content_type) or content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise ApiError(
            415, "unsupported_media_type", f"Content-Type must be application/json; got {content_type[:100]!r}"
        )
    events, origins = _mapped(_deliveries(await _read(request)))
    if not events:  # NOTE: a delivery with no credlens event (docs/importers.md) is acknowledged, or Credly retries it
        return {"accepted": 0, "duplicates": 0}
    secret = warehouse.remembered_secret(issuer.issuer_id)
    if secret is None:
        secret = await run_in_threadpool(warehouse.pseudonym_secret, issuer.issuer_id)
    try:
        flattened = await offload.flatten(msgspec.json.encode(events), "application/json", secret)
    except BatchError as exc:
        raise ApiError(400, "bad_batch", str(exc)) from exc
    if flattened.rejections:
        raise _refused(flattened.rejections, origins)
    result = await asyncio.wrap_future(writer.submit(flattened.request(issuer.issuer_id)))
    if result.rejections:
        raise _refused(result.rejections, origins)
    return {"accepted": result.accepted, "duplicates": result.duplicates}
