"""`credlens issuer set-retention`: days or `keep`, anything else one clear line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store.warehouse import Warehouse

runner = CliRunner()


def test_set_retention_days_then_keep(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    Warehouse(tmp_path / "data").close()
    assert runner.invoke(app, ["issuer", "create", "acme", "--name", "Acme", "--data-dir", data_dir]).exit_code == 0
    result = runner.invoke(app, ["issuer", "set-retention", "acme", "400", "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("acme keeps raw events 400 days")
    store = Warehouse(tmp_path / "data")
    assert store.issuer("acme").raw_event_retention_days == 400  # type: ignore[union-attr]
    store.close()
    result = runner.invoke(app, ["issuer", "set-retention", "acme", "keep", "--data-dir", data_dir])
    assert result.output.strip() == "acme keeps every raw event"
    for bad in ("0", "forever", "1.5"):
        result = runner.invoke(app, ["issuer", "set-retention", "acme", bad, "--data-dir", data_dir])
        assert result.exit_code == 1, bad
        assert "DAYS must be a whole number of days (1 or more) or `keep`" in result.output
