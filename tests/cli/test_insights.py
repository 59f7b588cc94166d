"""`credlens insights`: the JSON shape of docs/insights.md, the text for a person, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest

runner = CliRunner()
WINDOW = ["--from", "2026-02-01", "--to", "2026-02-28"]


def store_with_a_difference(tmp_path: Path) -> str:
    """40 credentials of p1 all verified, 40 of p2 none: verification rate 100 % against 0 %."""
    data_dir = tmp_path / "data"
    store = Warehouse(data_dir)
    issuer, _ = store.create_issuer("acme", "Acme", timezone="Europe/Paris")
    events: list[dict[str, Any]] = []
    for n in range(80):
        program = "p1" if n < 40 else "p2"
        events.append(
            {"id": f"i{n}", "type": "credential.issued", "occurred_at": "2026-02-10T09:00:00Z",
             "credential_id": f"c{n}", "program": {"id": program, "name": program.upper()},
             "recipient": {"id": f"r{n}"}}
        )  # fmt: skip
        if program == "p1":
            events.append(
                {"id": f"v{n}", "type": "credential.verified", "occurred_at": "2026-02-12T09:00:00Z",
                 "credential_id": f"c{n}", "verifier": {}}
            )  # fmt: skip
    ingest(store, issuer, events)
    store.close()
    return str(data_dir)


def test_insights_prints_the_json_of_the_issue(tmp_path: Path) -> None:
    data_dir = store_with_a_difference(tmp_path)
    result = runner.invoke(app, ["insights", "--issuer", "acme", *WINDOW, "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"query", "insights"}
    found = [i for i in body["insights"] if i["metric"] == "verification_rate"]
    assert [(i["kind"], i["subject"], i["direction"]) for i in found] == [
        ("program_above_average", {"program": "p1"}, "above"),
        ("program_below_average", {"program": "p2"}, "below"),
    ]
    first = found[0]
    assert set(first) == {"id", "kind", "metric", "subject", "direction", "finding", "recommendation", "evidence",
                          "impact"}  # fmt: skip
    assert (first["evidence"]["numerator"], first["evidence"]["denominator"]) == (40, 40)
    assert first["impact"] == 40.0  # (100 % - 0 %) × 40 credentials
    assert "P1's verification rate is 100.0 % (40 of 40 credentials)" in first["finding"]


def test_insights_as_text_and_errors(tmp_path: Path) -> None:
    data_dir = store_with_a_difference(tmp_path)
    text = runner.invoke(app, ["insights", "--issuer", "acme", *WINDOW, "--format", "text", "--data-dir", data_dir])
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("Insights for acme, 2026-02-01 to 2026-02-28\n")
    assert "1. " in text.stdout
    assert "→ Double down" in text.stdout
    for args, expected in {
        ("--format", "xml", *WINDOW): "--format: must be one of json, text",
        ("--period", "forever"): "--period: must be one of",
        ("--period", "30d", "--program", "nope"): "unknown program(s) nope",
    }.items():
        result = runner.invoke(app, ["insights", "--issuer", "acme", *args, "--data-dir", data_dir])
        assert result.exit_code == 1, args
        assert expected in result.output, (args, result.output)
