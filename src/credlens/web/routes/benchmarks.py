"""GET /api/v1/benchmarks: the issuer's rates beside its peers' released values and the published
averages (docs/api.md); parameters, authentication, bounds and audit as GET /api/v1/stats."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from credlens.config import Settings
from credlens.domain.periods import Preset
from credlens.reports.benchmarks import Privacy, benchmarks, window_of
from credlens.web.auth import StatsReader
from credlens.web.deps import WarehouseDep
from credlens.web.openapi import one_of
from credlens.web.reads import REFUSALS, answered_as_400, reader_programs
from credlens.web.state import present

router = APIRouter()


@router.get(
    "/api/v1/benchmarks",
    responses=REFUSALS,
)
def get_benchmarks(
    request: Request,
    reader: StatsReader,
    warehouse: WarehouseDep,
    date_from: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="Last day, inclusive")] = None,
    period: Annotated[str | None, Query(description="A preset window", json_schema_extra=one_of(Preset))] = None,
    program: Annotated[list[str] | None, Query(description="Program id (the issuer's own values only)")] = None,
) -> dict[str, Any]:
    """Per metric: the issuer's value, the peers' noisy release (or `why_not`), the percentile band and
    the published figure. A pull is an export: the audit log records who, when and which window.

    Program managers must name their programs (as on /api/v1/stats): their values beside the
    issuer-level peer benchmark. Peers are never named, counted one by one, or shown unnoised."""
    program = reader_programs(reader, program)
    issuer = reader.issuer
    settings: Settings = request.app.state.settings
    with answered_as_400():
        query = window_of(
            issuer, programs=program, date_from=present(date_from), date_to=present(date_to), period=present(period)
        )
        result = benchmarks(warehouse, issuer, query, Privacy(settings.benchmark_epsilon, settings.benchmark_budget))
    window = f"{query.window.start} to {query.window.end}" + (f", programs {', '.join(program)}" if program else "")
    warehouse.audit(issuer.issuer_id, reader.actor, "export", f"benchmarks API JSON ({window})")
    return result
