"""GET /api/v1/insights: the tested findings of docs/insights.md; parameters mirror `credlens insights`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from credlens.domain.periods import Compare, Preset
from credlens.insights.engine import run_for
from credlens.web.auth import StatsReader
from credlens.web.deps import WarehouseDep
from credlens.web.openapi import one_of
from credlens.web.reads import REFUSALS, answered_as_400, audited_window, reader_programs
from credlens.web.state import present

router = APIRouter()


@router.get(
    "/api/v1/insights",
    responses=REFUSALS,
)
def insights(
    reader: StatsReader,
    warehouse: WarehouseDep,
    date_from: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="Last day, inclusive")] = None,
    period: Annotated[str | None, Query(description="A preset window", json_schema_extra=one_of(Preset))] = None,
    program: Annotated[list[str] | None, Query(description="Program id; repeat for several")] = None,
    compare: Annotated[str | None, Query(description="previous or year", json_schema_extra=one_of(Compare))] = None,
) -> dict[str, Any]:
    """The significant findings of one window (Benjamini–Hochberg q ≤ 0.05, minimum volumes and
    effects), each with its evidence; `compare` adds changes and market demand. Authorized, bounded
    and audited as `GET /api/v1/stats`: a program manager's session gets insights about their
    programs only (the metrics run with their programs), and `program` outside them is `403`."""
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
            compare=present(compare),
        )
    warehouse.audit(issuer.issuer_id, reader.actor, "export", f"insights API JSON ({audited_window(result['query'])})")
    return result
