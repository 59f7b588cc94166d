"""Dependencies shared by routes, as Annotated aliases so signatures read like the spec."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from credlens.domain.issuers import Issuer, KeyKind
from credlens.store.warehouse import Warehouse
from credlens.store.writer import GroupWriter
from credlens.web.errors import ApiError


# NOTE: dependencies that do no I/O are coroutines: FastAPI runs a plain function in a worker thread,
# and each such hop cost up to a GIL switch interval under ingestion load (docs/performance.md).
async def get_warehouse(request: Request) -> Warehouse:
    warehouse: Warehouse = request.app.state.warehouse
    return warehouse


async def get_writer(request: Request) -> GroupWriter:
    writer: GroupWriter = request.app.state.writer
    return writer


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send the issuer's key as `Authorization: Bearer <key>`")
    return token.strip()


async def ingest_issuer(request: Request, warehouse: Annotated[Warehouse, Depends(get_warehouse)]) -> Issuer:
    # NOTE: a remembered key is checked on the event loop; only a lookup in the store takes a thread.
    token = bearer(request)
    issuer = warehouse.remembered_issuer(token, KeyKind.INGEST)
    if issuer is None:
        issuer = await run_in_threadpool(warehouse.issuer_for_key, token, KeyKind.INGEST)
    if issuer is None:
        raise ApiError(401, "unauthorized", "the ingest key is unknown or revoked")
    return issuer


def read_issuer(request: Request, warehouse: Annotated[Warehouse, Depends(get_warehouse)]) -> Issuer:
    issuer = warehouse.issuer_for_key(bearer(request), KeyKind.READ)
    if issuer is None:
        raise ApiError(401, "unauthorized", "the read key is unknown or revoked")
    return issuer


WarehouseDep = Annotated[Warehouse, Depends(get_warehouse)]
WriterDep = Annotated[GroupWriter, Depends(get_writer)]
IngestIssuer = Annotated[Issuer, Depends(ingest_issuer)]
ReadIssuer = Annotated[Issuer, Depends(read_issuer)]


def public_base(request: Request) -> str:
    """The server's address as people reach it (``CREDLENS_PUBLIC_URL``, else the request's), no trailing slash."""
    settings = request.app.state.settings
    return str(settings.public_url or request.base_url).rstrip("/")
