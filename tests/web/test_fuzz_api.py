"""Schemathesis over `/openapi.json`, against a real server, with the key or session each route is
for: no 5xx, every answer one the document promises (status, content type, schema), every refusal in
the error shape, and a method a path does not serve a 405 naming the allowed ones.

Bounded and reproducible: derandomized, a fixed number of examples per operation (about a minute in
all on two cores). The document is built from the app at import (schemathesis generates the tests
from it at collection); the test checks that the server serves the same one.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import httpx2
import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from credlens.config import Settings
from credlens.web.app import create_app
from tests.web.conftest import TEST_SECRET
from tests.web.fuzzing import Server, error_shape

pytestmark = pytest.mark.slow

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.unsupported_method,
    checks.negative_data_rejection,
    checks.response_headers_conformance,
    checks.missing_required_header,
]
SEEN: Counter[tuple[str, int]] = Counter()  # (operation, status) of every answer, for the last test

# NOTE: create_app does no I/O (the store opens in its lifespan); the directory is never created.
NOWHERE = Path(tempfile.gettempdir()) / "credlens-never-created"
DOCUMENT = create_app(Settings(data_dir=NOWHERE, environment="test", secret_key=TEST_SECRET)).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)


@schemathesis.serializer("application/x-ndjson")
def ndjson(_: schemathesis.SerializationContext, value: object) -> bytes:
    """NDJSON bodies: the document describes them as a string (one event per line)."""
    return value.encode() if isinstance(value, str) else msgspec.json.encode(value)


def test_the_server_serves_the_document_fuzzed(fuzz_server: Server) -> None:
    assert httpx2.get(fuzz_server.url + "/openapi.json").json() == msgspec.json.decode(msgspec.json.encode(DOCUMENT))


@schema.parametrize()
@settings(max_examples=30, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_documented(case: schemathesis.Case, fuzz_server: Server) -> None:
    response = case.call_and_validate(
        base_url=fuzz_server.url, headers=fuzz_server.credentials.for_path(case.path), checks=CHECKS, timeout=60
    )
    SEEN[(f"{case.method} {case.path}", response.status_code)] += 1
    if response.status_code >= 400:
        assert error_shape(response.content), (response.status_code, response.text[:500])


def test_the_fuzzer_got_past_the_door_of_every_operation() -> None:
    """The credentials worked: every operation answered something other than 401 (its code ran)."""
    print("\nschemathesis answers:", dict(sorted(SEEN.items())))
    documented = {f"{method.upper()} {path}" for path, methods in DOCUMENT["paths"].items() for method in methods}
    assert {operation for (operation, status) in SEEN if status not in (401, 405)} == documented
