"""GET /api/v1/stats: the metrics JSON of interfaces.md; parameters mirror `credlens query`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from credlens.access.scope import ScopeRefused, stats_programs
from credlens.domain.query import QueryError
from credlens.metrics.runner import run_for
from credlens.web.auth import StatsReader
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError

router = APIRouter()


@router.get(
    "/api/v1/stats",
    responses={
        400: {"description": "a query that cannot be run"},
        401: {"description": "no read key and no signed-in user"},
        403: {"description": "outside the signed-in user's programs, or a recipient session"},
    },
)
def stats(
    reader: StatsReader,
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
    """Every metric of the issuer for one window, with the comparison window when asked. A pull is
    an export: the audit log records who (the read key's id, or the user), when, and which window.

    With a read key or an admin's or executive's session: any programs. With a program manager's
    session: `program` must name programs assigned to them, else `403 forbidden` (never narrowed)."""
    if reader.user is not None:
        try:
            program = stats_programs(reader.user, program)
        except ScopeRefused as exc:
            raise ApiError(403, "forbidden", str(exc)) from exc
    issuer = reader.issuer
    try:
        result = run_for(
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
    warehouse.audit(issuer.issuer_id, reader.actor, "export", f"stats API JSON ({_what(result['query'])})")
    return result


def _what(query: dict[str, Any]) -> str:
    """The window and programs of a pull, as the audit log records it: values the run checked (the
    issuer's own program ids), never free text a client typed."""
    programs = query["program"]
    return f"{query['from']} to {query['to']}" + (f", programs {', '.join(programs)}" if programs else "")
