"""Fixtures shared by every test: a fresh warehouse per test, an issuer, and a way to ingest dicts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from credlens.domain.issuers import Issuer, NewKeys
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import Outcome, ingest_decoded
from credlens.store.warehouse import Warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    store = Warehouse(tmp_path / "data")
    yield store
    store.close()


@pytest.fixture
def issuer_and_keys(warehouse: Warehouse) -> tuple[Issuer, NewKeys]:
    return warehouse.create_issuer("acme", "Acme Academy", industry="bootcamp", timezone="America/New_York")


@pytest.fixture
def issuer(issuer_and_keys: tuple[Issuer, NewKeys]) -> Issuer:
    return issuer_and_keys[0]


def reopened_as_version(store: Warehouse, data: Path, version: int, *statements: str) -> Warehouse:
    """The store's file (in ``data``) as an older version left it: ``statements`` take away what that
    version lacked, the schema version is set back; then the store is opened again, which upgrades it."""
    con = store.cursor()
    for statement in statements:
        con.execute(statement)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
    del con
    store.close()
    return Warehouse(data)


def ingest(warehouse: Warehouse, issuer: Issuer, events: Sequence[dict[str, Any]]) -> Outcome:
    """The bulk path, exactly as `credlens import` and the demo use it."""
    return ingest_decoded(warehouse, issuer, convert_rows(list(enumerate(events))))
