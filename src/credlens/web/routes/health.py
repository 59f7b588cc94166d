"""Liveness: answers once the store is open."""

from __future__ import annotations

from fastapi import APIRouter

from credlens.web.deps import WarehouseDep

router = APIRouter()


@router.get("/api/v1/health")
def health(warehouse: WarehouseDep) -> dict[str, str | int]:
    """`status` once the store is open; `unfolded_events`: acknowledged events the per-credential and
    daily tables do not reflect yet (the server folds them within a moment of going idle)."""
    return {"status": "ok", "unfolded_events": warehouse.unfolded()}
