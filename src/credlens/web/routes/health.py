"""Liveness: answers once the store is open."""

from __future__ import annotations

from fastapi import APIRouter

from credlens.web.deps import WarehouseDep

router = APIRouter()


@router.get("/api/v1/health")
def health(warehouse: WarehouseDep) -> dict[str, str]:
    warehouse.cursor().execute("SELECT 1").fetchall()
    return {"status": "ok"}
