"""`credlens issuer set-retention` and `set-k`: valid values stored, anything else one clear line."""

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


def test_set_k_raises_the_threshold_and_refuses_below_five(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    assert runner.invoke(app, ["issuer", "create", "acme", "--name", "Acme", "--data-dir", data_dir]).exit_code == 0
    result = runner.invoke(app, ["issuer", "set-k", "acme", "25", "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(app, ["issuer", "set-k", "acme", "4", "--data-dir", data_dir])
    assert refused.exit_code == 1
    assert "at least 5" in refused.output
    store = Warehouse(tmp_path / "data")
    issuer = store.issuer("acme")
    assert issuer is not None
    assert issuer.suppression_k == 25  # the refused 4 changed nothing
    assert store.audit_entries(issuer.issuer_id)[0].action == "suppression_k.set"
    store.close()


def test_industry_at_create_and_set_industry(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    create = ["issuer", "create", "acme", "--name", "Acme", "--industry", "BOOTCAMP", "--data-dir", data_dir]
    assert runner.invoke(app, create).exit_code == 0
    refused = runner.invoke(
        app, ["issuer", "create", "b", "--name", "B", "--industry", "Knitting", "--data-dir", data_dir]
    )
    assert refused.exit_code == 1
    assert "unknown industry 'Knitting'; choose one of: Awarding Body" in refused.output
    result = runner.invoke(app, ["issuer", "set-industry", "acme", "healthcare", "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "acme is in the industry Healthcare"
    bad = runner.invoke(app, ["issuer", "set-industry", "acme", "Knitting", "--data-dir", data_dir])
    assert bad.exit_code == 1
    assert "Software/IT" in bad.output
    listed = runner.invoke(app, ["issuer", "industries"])
    assert listed.output.splitlines()[:2] == ["Awarding Body", "Bootcamp"]
    store = Warehouse(tmp_path / "data")
    assert store.issuer("acme").industry == "Healthcare"  # type: ignore[union-attr]
    assert store.issuer("b") is None
    store.close()
