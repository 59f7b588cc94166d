"""GET /api/v1/stats: the metrics JSON of interfaces.md; parameters mirror `credlens query`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from credlens.domain.query import QueryError
from credlens.metrics.runner import run_for
from credlens.web.deps import ReadIssuer, WarehouseDep
from credlens.web.errors import ApiError

router = APIRouter()


@router.get("/api/v1/stats", responses={400: {"description": "a query that cannot be run"}})
def stats(
    issuer: ReadIssuer,
    warehouse: WarehouseDep,
    date_from: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="Last day, inclusive")] = None,
    period: Annotated[str | None, Query(description="7d, 30d, 90d, this_quarter, last_quarter, ytd, 12mo, all")] = None,
    program: Annotated[list[str] | None, Query(description="Program id; repeat for several")] = None,
    kind: Annotated[str | None, Query(description="certificate or badge")] = None,
    department: Annotated[str | None, Query()] = None,
    compare: Annotated[str | None, Query(description="previous or year")] = None,
    interval: Annotated[str | None, Query(description="day, week or month")] = None,
    funnel: Annotated[str | None, Query(description="funnel steps, comma-separated, starting with issued")] = None,
) -> dict[str, Any]:
    """Every metric of the read key's issuer for one window, with the comparison window when asked."""
    try:
        return run_for(
            issuer,
            warehouse.tables(issuer.issuer_id),
            programs=program,
            date_from=date_from,
            date_to=date_to,
            period=period,
            kind=kind,
            department=department,
            compare=compare,
            interval=interval,
            funnel=funnel,
        )
    except QueryError as exc:
        raise ApiError(
            400, "invalid_query", f"{exc.field}: {exc.message}", [{"field": exc.field, "reason": exc.message}]
        ) from exc
