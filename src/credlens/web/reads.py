"""What the read routes share (`GET /api/v1/stats`, `/insights`, `/benchmarks`): their documented
refusals, the programs a reader may ask for, a refused query's answer, and the audited window.

One place, so that the three answer a program manager, a bad window or a timeout alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from credlens.access.scope import ScopeRefused, stats_programs
from credlens.domain.query import QueryError
from credlens.web.auth import StatsAccess
from credlens.web.errors import ApiError
from credlens.web.openapi import refusals
from credlens.web.state import present

REFUSALS = refusals(
    {
        400: "`invalid_query`: a query that cannot be run; `details` names the parameter",
        401: "no read key and no signed-in user",
        403: "outside the signed-in user's programs, or a recipient session",
        422: "`invalid_request`: parameters that cannot be read",
        503: "`query_timeout` (with `Retry-After`), `shutting_down` or `cancelled`: the reads were stopped",
    }
)


def reader_programs(reader: StatsAccess, program: list[str] | None) -> list[str] | None:
    """The programs asked (empty values are absent); a program manager's session must name theirs
    (`403 forbidden` otherwise, never narrowed)."""
    asked = [p for p in (present(x) for x in program or ()) if p] or None
    if reader.user is None:
        return asked
    try:
        return stats_programs(reader.user, asked)
    except ScopeRefused as exc:
        raise ApiError(403, "forbidden", str(exc)) from exc


@contextmanager
def answered_as_400() -> Iterator[None]:
    """A query the engine refuses is `400 invalid_query` naming the parameter."""
    try:
        yield
    except QueryError as exc:
        raise ApiError(
            400, "invalid_query", f"{exc.field}: {exc.message}", [{"field": exc.field, "reason": exc.message}]
        ) from exc


def audited_window(query: dict[str, Any]) -> str:
    """The window and programs of a pull, as the audit log records it: values the run checked (the
    issuer's own program ids), never free text a client typed."""
    programs = query["program"]
    return f"{query['from']} to {query['to']}" + (f", programs {', '.join(programs)}" if programs else "")
