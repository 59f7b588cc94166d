"""An in-process client of the real app (lifespan, writer thread and all) on a fresh store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credlens.config import Settings
from credlens.domain.issuers import NewKeys
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def keys(data_dir: Path) -> dict[str, NewKeys]:
    store = Warehouse(data_dir)
    try:
        return {slug: store.create_issuer(slug, slug.title())[1] for slug in ("acme", "globex")}
    finally:
        store.close()


@pytest.fixture
def client(data_dir: Path, keys: dict[str, NewKeys]) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=data_dir, environment="test"))) as test_client:
        yield test_client
