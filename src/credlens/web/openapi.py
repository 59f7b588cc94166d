"""The OpenAPI document says what the API answers: every refusal a route can send, in the one error
shape, and the event batch's real schema, generated from the Structs that decode it (domain/events.py).

``refusals`` lists a route's error statuses for its decorator; ``install`` adds the event schemas to
the document FastAPI builds. The schemas only describe the body: ``POST /api/v1/events`` still reads
raw bytes and decodes them with msgspec (ingest/decode.py), so the fast path is unchanged.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import msgspec
from fastapi import FastAPI
from pydantic import BaseModel, Field

from credlens.domain.events import AnyEvent
from credlens.ingest.decode import MAX_BATCH_BYTES, MAX_BATCH_EVENTS

SCHEMAS = "#/components/schemas/"
BATCH = "EventBatch"


class ErrorBody(BaseModel):
    code: str = Field(description="A stable code, e.g. `invalid_query` (docs/api.md lists them)")
    message: str = Field(description="What went wrong and what to send instead")
    details: list[Any] = Field(description="Per field or per event: what was refused and why")


class ErrorAnswer(BaseModel):
    """Every error answer of the API: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody


def refusals(statuses: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """A decorator's ``responses`` for these error statuses, each answered in the error shape.

    Naming 422 also keeps FastAPI from documenting its own validation answer, which we never send
    (web/errors.py answers it in the error shape)."""
    return {status: {"model": ErrorAnswer, "description": text} for status, text in statuses.items()}


def one_of(values: type[Enum] | tuple[str, ...]) -> dict[str, Any]:
    """A query parameter's closed set of values, for the document only (the route checks them and
    answers 400 naming the parameter); the empty value is listed too, as it means "absent"."""
    names = [member.value for member in values] if isinstance(values, type) else list(values)
    return {"enum": ["", *names]}


# NOTE: Python's `\Z` (the end, never before a final newline) is `$` in ECMA-262, the dialect of
# OpenAPI's patterns; in ECMA `$` without the multiline flag is the end only.
def _ecma(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {
            key: value.replace("\\Z", "$") if key == "pattern" and isinstance(value, str) else _ecma(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_ecma(item) for item in schema]
    return schema


def event_schemas() -> dict[str, Any]:
    """The batch (a JSON array of events, each one of the event types) and every type it refers to."""
    (batch,), components = msgspec.json.schema_components([list[AnyEvent]], ref_template=SCHEMAS + "{name}")
    batch = {
        **batch,
        "description": f"A batch of events (docs/ingestion.md, contract v1): at most {MAX_BATCH_EVENTS:,} events and "
        f"{MAX_BATCH_BYTES // 2**20} MiB. Each event is one of the types below, chosen by `type`; unknown "
        "fields are refused. Rules a schema cannot say (time bounds, `credential_id` per type, personal "
        "data in `properties`) answer 422.",
    }
    schemas: dict[str, Any] = _ecma({BATCH: batch, **components})
    return schemas


EVENTS_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": SCHEMAS + BATCH}},
        "application/x-ndjson": {
            "schema": {
                "type": "string",
                "description": "NDJSON: one event per line, each an item of the `EventBatch` schema",
            }
        },
    },
}


def install(app: FastAPI) -> None:
    """Add the event schemas to the document FastAPI builds (once, on the first request for it)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            events = event_schemas()
            clash = schemas.keys() & events.keys()
            if clash:  # a pydantic model named like an event Struct: one would hide the other
                raise RuntimeError(f"OpenAPI schema names used twice: {sorted(clash)}")
            schemas.update(events)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
