"""POST /api/v1/events: a batch of events, all stored or none, acknowledged once durable."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from credlens.domain.rejections import Rejection
from credlens.ingest.decode import MAX_BATCH_BYTES, BatchError, decode_body
from credlens.ingest.pipeline import prepare
from credlens.web.deps import IngestIssuer, WarehouseDep, WriterDep
from credlens.web.errors import ApiError

router = APIRouter()


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
    responses={
        401: {"description": "missing or bad ingest key"},
        422: {"description": "invalid events; none stored"},
    },
)
async def post_events(
    request: Request, issuer: IngestIssuer, warehouse: WarehouseDep, writer: WriterDep
) -> dict[str, int]:
    """Store a JSON array or NDJSON batch (≤ 10,000 events, ≤ 10 MiB). `200` means durable."""
    body = await _read_body(request)
    try:
        decoded = await run_in_threadpool(decode_body, body, request.headers.get("content-type", ""))
    except BatchError as exc:
        raise ApiError(400, "bad_batch", str(exc)) from exc
    if decoded.rejections:
        raise ApiError(
            422,
            "invalid_events",
            f"{len(decoded.rejections)} invalid event(s); nothing was stored",
            _details(decoded.rejections),
        )
    if not decoded.events:
        return {"accepted": 0, "duplicates": 0}
    write = await run_in_threadpool(prepare, warehouse, issuer, decoded.events, decoded.positions, all_or_nothing=True)
    result = await asyncio.wrap_future(writer.submit(write))
    if result.rejections:
        raise ApiError(
            422,
            "invalid_events",
            f"{len(result.rejections)} invalid event(s); nothing was stored",
            _details(result.rejections),
        )
    return {"accepted": result.accepted, "duplicates": result.duplicates}
