"""Settings: the secret key is refused when missing or a placeholder outside development."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from credlens.config import Settings, SettingsError
from credlens.store.warehouse import Warehouse

GOOD = "q7Vw2pL9xK4mZ8rT1bN6hJ3dF0sY5gCe"


@pytest.mark.parametrize("environment", ["production", "test"])
@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (None, "is missing"),
        ("", "is missing"),
        ("short-but-random-9fK2", "shorter than 32"),
        ("change-me-change-me-change-me-123456", "placeholder"),
        ("CHANGEME_please_0123456789abcdefghij", "placeholder"),
        ("your-secret-key-goes-here-1234567890", "placeholder"),
        ("a" * 40, "placeholder"),
    ],
)
def test_a_missing_or_placeholder_secret_is_refused_outside_development(
    tmp_path: Path, environment: str, secret: str | None, reason: str
) -> None:
    with pytest.raises(SettingsError, match=reason) as refused:
        Settings(data_dir=tmp_path, environment=environment, secret_key=secret)
    assert "CREDLENS_SECRET_KEY" in str(refused.value)
    if secret:
        assert secret not in str(refused.value)  # the refusal never repeats the value


def test_a_real_secret_is_accepted_and_used(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, environment="production", secret_key=GOOD)
    assert settings.server_secret() == GOOD.encode()
    assert not (tmp_path / "secret.key").exists()


def test_from_env_reads_the_secret_and_refuses_a_placeholder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CREDLENS_ENV", "production")
    monkeypatch.setenv("CREDLENS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CREDLENS_SECRET_KEY", "changeme")
    with pytest.raises(SettingsError, match="CREDLENS_SECRET_KEY"):
        Settings.from_env()
    monkeypatch.setenv("CREDLENS_SECRET_KEY", GOOD)
    monkeypatch.setenv("CREDLENS_PUBLIC_URL", "https://credlens.example.org/")
    settings = Settings.from_env()
    assert settings.secret_key == GOOD
    assert settings.base_url() == "https://credlens.example.org"


def test_development_generates_one_secret_per_data_directory(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "one")
    assert first.server_secret() == first.server_secret() == Settings(data_dir=tmp_path / "one").server_secret()
    assert first.server_secret() != Settings(data_dir=tmp_path / "two").server_secret()
    assert len(first.server_secret()) >= 48
    mode = stat.S_IMODE(os.stat(tmp_path / "one" / "secret.key").st_mode)
    assert mode == 0o600


def test_benchmark_epsilon_and_budget_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (Settings().benchmark_epsilon, Settings().benchmark_budget) == (1.0, 100.0)
    monkeypatch.setenv("CREDLENS_BENCHMARK_EPSILON", "0.5")
    monkeypatch.setenv("CREDLENS_BENCHMARK_BUDGET", "20")
    settings = Settings.from_env()
    assert (settings.benchmark_epsilon, settings.benchmark_budget) == (0.5, 20.0)
    for bad in ("0", "-1", "lots", "inf", "nan"):  # ε = inf would release without noise
        monkeypatch.setenv("CREDLENS_BENCHMARK_EPSILON", bad)
        with pytest.raises(SettingsError, match="CREDLENS_BENCHMARK_EPSILON"):
            Settings.from_env()


def test_duckdb_memory_is_bounded_by_default_and_configurable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """DuckDB's default is 80 % of RAM: one heavy query grew a server on 10M events to 1.4 GB
    (docs/deployment.md#what-is-bounded), so the stores the server and the CLI open are bounded."""
    monkeypatch.delenv("CREDLENS_MEMORY_LIMIT", raising=False)
    assert Settings.from_env().memory_limit == "400MB"
    monkeypatch.setenv("CREDLENS_MEMORY_LIMIT", "1.5GB")
    settings = Settings.from_env(data_dir=tmp_path)
    store = Warehouse(settings.data_dir, memory_limit=settings.memory_limit)
    try:
        applied = store.cursor().execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        store.close()
    assert applied == "1.3 GiB"  # 1.5 GB as DuckDB prints it, in binary units
    for bad in ("lots", "512", "-1GB", "1GB; DROP TABLE events"):
        monkeypatch.setenv("CREDLENS_MEMORY_LIMIT", bad)
        with pytest.raises(SettingsError, match="CREDLENS_MEMORY_LIMIT"):
            Settings.from_env()
