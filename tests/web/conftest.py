"""An in-process client of the real app (lifespan, writer thread and all) on a fresh store.

Clients talk to ``https://testserver``: session and CSRF cookies are ``Secure`` and a client only
sends them over HTTPS (Chromium also accepts them on http://127.0.0.1, as a browser test would).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credlens.config import Settings
from credlens.domain.issuers import NewKeys
from credlens.store.warehouse import Warehouse
from credlens.web.app import create_app
from tests.web.fuzzing import fuzz_server
from tests.web.world import World, build_world

__all__ = ["fuzz_server"]  # one `credlens serve` for the fuzzers of the session (tests/web/fuzzing.py)

BASE_URL = "https://testserver"
TEST_SECRET = "tests-only-9fK2xQ7vLp3mZ8rT1wB6nH4jD0sY5gC"


class FakeClock:
    """A controllable clock for session expiry and rate limits (naive UTC, as the store keeps time)."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, environment="test", secret_key=TEST_SECRET)


@pytest.fixture
def keys(data_dir: Path) -> dict[str, NewKeys]:
    store = Warehouse(data_dir)
    try:
        return {slug: store.create_issuer(slug, slug.title())[1] for slug in ("acme", "globex")}
    finally:
        store.close()


@pytest.fixture
def client(settings: Settings, keys: dict[str, NewKeys]) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url=BASE_URL) as test_client:
        yield test_client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(data_dir: Path) -> World:
    """Two issuers with events, a user of every role each, keys and recipients (tests/web/world.py)."""
    return build_world(data_dir)


@pytest.fixture
def app_client(settings: Settings, world: World, clock: FakeClock) -> Iterator[TestClient]:
    """The app over the two-issuer world, on a controllable clock."""
    with TestClient(create_app(settings, clock=clock), base_url=BASE_URL) as test_client:
        yield test_client
