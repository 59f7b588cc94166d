"""GET /api/v1/stats: the metrics JSON of docs/api.md; parameters mirror `credlens query`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from credlens.domain.periods import Compare, Interval, Preset
from credlens.domain.query import KINDS
from credlens.metrics.runner import run_for
from credlens.web.auth import StatsReader
from credlens.web.deps import WarehouseDep
from credlens.web.openapi import one_of
from credlens.web.reads import REFUSALS, answered_as_400, audited_window, reader_programs
from credlens.web.state import present

router = APIRouter()


@router.get(
    "/api/v1/stats",
    responses=REFUSALS,
)
def stats(
    reader: StatsReader,
    warehouse: WarehouseDep,
    date_from: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="Last day, inclusive")] = None,
    period: Annotated[str | None, Query(description="A preset window", json_schema_extra=one_of(Preset))] = None,
    program: Annotated[list[str] | None, Query(description="Program id; repeat for several")] = None,
    kind: Annotated[str | None, Query(description="certificate or badge", json_schema_extra=one_of(KINDS))] = None,
    department: Annotated[str | None, Query()] = None,
    compare: Annotated[str | None, Query(description="previous or year", json_schema_extra=one_of(Compare))] = None,
    interval: Annotated[str | None, Query(description="day, week or month", json_schema_extra=one_of(Interval))] = None,
    funnel: Annotated[str | None, Query(description="funnel steps, comma-separated, starting with issued")] = None,
) -> dict[str, Any]:
    """Every metric of the issuer for one window, with the comparison window when asked. A pull is
    an export: the audit log records who (the read key's id, or the user), when, and which window.

    With a read key or an admin's or executive's session: any programs. With a program manager's
    session: `program` must name programs assigned to them, else `403 forbidden` (never narrowed).
    An empty parameter (`from=`) is an absent one, as on the dashboards."""
    program = reader_programs(reader, program)
    issuer = reader.issuer
    with answered_as_400():
        result = run_for(
            issuer,
            warehouse.tables(issuer.issuer_id),
            programs=program,
            date_from=present(date_from),
            date_to=present(date_to),
            period=present(period),
            kind=present(kind),
            department=present(department),
            compare=present(compare),
            interval=present(interval),
            funnel=present(funnel),
        )
    warehouse.audit(issuer.issuer_id, reader.actor, "export", f"stats API JSON ({audited_window(result['query'])})")
    return result
