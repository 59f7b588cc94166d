"""`credlens benchmarks` prints the JSON of docs/api.md; `credlens benchmarks ledger` the ε spent."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.reports.benchmarks import METRICS
from credlens.store.warehouse import Warehouse
from tests.reports.test_benchmarks import add_issuer

runner = CliRunner()


def test_benchmarks_prints_the_json_shape_and_the_ledger_counts_it(tmp_path: Path) -> None:
    store = Warehouse(tmp_path / "data")
    add_issuer(store, "me", 60, 30)
    for n in range(5):
        add_issuer(store, f"peer{n}", 50, 10 * n)
    store.close()
    data_dir = str(tmp_path / "data")
    asked = ["benchmarks", "--issuer", "me", "--from", "2026-01-01", "--to", "2026-01-31", "--data-dir", data_dir]
    result = runner.invoke(app, asked)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert set(body) == {"query", "industry", "benchmarks"}
    assert body["industry"] == "Bootcamp"
    assert list(body["benchmarks"]) == list(METRICS)
    share = body["benchmarks"]["share_rate"]
    assert set(share) == {"issuer", "peers", "percentile_band", "published", "why_not"}
    assert set(share["peers"]) == {"issuers", "value", "median", "ci95", "epsilon", "released_at"}
    assert share["peers"]["issuers"] == 5
    again = json.loads(runner.invoke(app, asked).output)
    assert again["benchmarks"] == body["benchmarks"]  # the same release, not a new draw
    ledger = runner.invoke(app, ["benchmarks", "ledger", "--data-dir", data_dir])
    assert ledger.exit_code == 0, ledger.output
    assert "Bootcamp  share_rate  2026-01-01..2026-01-31  ε 4" in ledger.output
    assert ledger.output.count("share_rate  ") == 1


def test_benchmarks_needs_an_issuer_and_a_valid_window(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    missing = runner.invoke(app, ["benchmarks", "--data-dir", data_dir])
    assert missing.exit_code == 1
    assert "--issuer is required" in missing.output
    store = Warehouse(tmp_path / "data")
    store.create_issuer("me", "Me")
    store.close()
    bad = runner.invoke(app, ["benchmarks", "--issuer", "me", "--period", "forever", "--data-dir", data_dir])
    assert bad.exit_code == 1
    assert "--period" in bad.output
