"""POST /api/v1/events: a batch of events, all stored or none, acknowledged once durable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from credlens.domain.rejections import Rejection
from credlens.ingest import offload
from credlens.ingest.decode import MAX_BATCH_BYTES, MEDIA_TYPES, BatchError, accepted_media
from credlens.web.deps import IngestIssuer, WarehouseDep, WriterDep
from credlens.web.errors import ApiError
from credlens.web.openapi import EVENTS_BODY, refusals


@asynccontextmanager
async def _helper(_: object) -> AsyncIterator[None]:
    """The decoding helper process starts with the server; it is shared by every app of the process
    and stopped at exit (offload.py)."""
    offload.start()
    yield


router = APIRouter(lifespan=_helper)


def _details(rejections: list[Rejection]) -> list[dict[str, Any]]:
    return [{"position": r.position, "id": r.id, "field": r.field, "reason": r.reason} for r in rejections]


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BATCH_BYTES:
        raise ApiError(413, "batch_too_large", f"a batch is at most {MAX_BATCH_BYTES} bytes; split it")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BATCH_BYTES:
            raise ApiError(413, "batch_too_large", f"a batch is at most {MAX_BATCH_BYTES} bytes; split it")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/api/v1/events",
    openapi_extra={"requestBody": EVENTS_BODY},
    responses=refusals(
        {
            400: "`bad_batch`: not JSON, not an array of objects, or more than 10,000 events",
            401: "missing or bad ingest key",
            403: "`csrf_failed`: a session cookie without a key and without `X-CSRF-Token`",
            413: "`batch_too_large`: over 10 MiB",
            415: "`unsupported_media_type`: not sent as application/json or application/x-ndjson (UTF-8)",
            422: "`invalid_events`: invalid events, each named in `details`; none stored",
        }
    ),
)
async def post_events(
    request: Request, issuer: IngestIssuer, warehouse: WarehouseDep, writer: WriterDep
) -> dict[str, int]:
    """Store a JSON array or NDJSON batch (≤ 10,000 events, ≤ 10 MiB). `200` means durable."""
    content_type = request.headers.get("content-type", "")
    if not accepted_media(content_type):
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type must be one of {', '.join(MEDIA_TYPES)} (UTF-8); got {content_type[:100]!r}",
        )
    body = await _read_body(request)
    secret = warehouse.remembered_secret(issuer.issuer_id)
    if secret is None:  # a query, on first use
        secret = await run_in_threadpool(warehouse.pseudonym_secret, issuer.issuer_id)
    try:
        flattened = await offload.flatten(body, content_type, secret)
    except BatchError as exc:
        raise ApiError(400, "bad_batch", str(exc)) from exc
    if flattened.rejections:
        raise ApiError(
            422,
            "invalid_events",
            f"{len(flattened.rejections)} invalid event(s); nothing was stored",
            _details(flattened.rejections),
        )
    if not flattened.positions:
        return {"accepted": 0, "duplicates": 0}
    write = flattened.request(issuer.issuer_id)
    result = await asyncio.wrap_future(writer.submit(write))
    if result.rejections:
        raise ApiError(
            422,
            "invalid_events",
            f"{len(result.rejections)} invalid event(s); nothing was stored",
            _details(result.rejections),
        )
    return {"accepted": result.accepted, "duplicates": result.duplicates}
