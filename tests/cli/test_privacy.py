"""`credlens erase`, `credlens retention` and `credlens timeline`: a summary, or one clear line and exit 1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credlens.cli.main import app
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.people import ANN_EMAIL, BOB_EARNER_ID, ann_events, ann_late_issuance, bob_events

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store = Warehouse(tmp_path / "data")
    issuer, _ = store.create_issuer("acme", "Acme", timezone="America/New_York")
    ingest(store, issuer, ann_events() + bob_events() + ann_late_issuance())
    store.close()
    return tmp_path / "data"


def cli(data_dir: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_erase_by_email_prints_what_was_removed(data_dir: Path) -> None:
    code, output = cli(data_dir, "erase", "--issuer", "acme", "--email", ANN_EMAIL.upper(), "--purge-now")
    assert code == 0, output
    assert output.splitlines() == [
        "erased from acme: 2 credentials, 11 raw events, 1 verifications, 1 reported outcomes, 1 enrollments, "
        "1 recipient rows (consent and demographics)",
        "daily counts reduced by 9 events",
        "database file rewritten without them",
    ]
    code, output = cli(data_dir, "erase", "--issuer", "acme", "--email", ANN_EMAIL)
    assert (code, output.strip()) == (
        0,
        "nothing stored for this recipient in acme (check the address or earner id); nothing erased",
    )
    store = Warehouse(data_dir)
    try:
        (issuer,) = store.issuers()
        assert [(e.actor, e.action) for e in store.audit_entries(issuer.issuer_id)] == [
            ("cli", "erasure"),
            ("cli", "erasure"),
        ]
    finally:
        store.close()


def test_erase_by_earner_id_hides_now_and_purge_removes_the_bytes(data_dir: Path) -> None:
    code, output = cli(data_dir, "erase", "--issuer", "acme", "--earner-id", BOB_EARNER_ID)
    assert code == 0, output
    assert output.startswith("erased from acme: 1 credentials, 7 raw events")
    assert "hidden now from every read; their bytes are purged from the database file by 20" in output
    assert cli(data_dir, "purge") == (0, "database file rewritten without the rows of 1 erasures or retention runs\n")
    assert cli(data_dir, "purge") == (0, "nothing to purge\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--issuer", "acme"), "exactly one of --email or --earner-id"),
        (("--issuer", "acme", "--email", "a@b.c", "--earner-id", "x"), "exactly one of --email or --earner-id"),
        (("--issuer", "acme", "--email", "not-an-address"), "'not-an-address' is not an e-mail address"),
        (("--issuer", "nope", "--email", "a@b.c"), "unknown issuer 'nope'"),
    ],
)
def test_erase_errors_are_one_line(data_dir: Path, args: tuple[str, ...], message: str) -> None:
    code, output = cli(data_dir, "erase", *args)
    assert code == 1
    assert message in output
    assert len(output.strip().splitlines()) == 1


@pytest.fixture
def server_holding(data_dir: Path) -> Iterator[None]:
    """Another process holds the database, as `credlens serve` does."""
    hold = (
        "import sys; from pathlib import Path; from credlens.store.warehouse import Warehouse; "
        f"w = Warehouse(Path({str(data_dir)!r})); print('ready', flush=True); sys.stdin.read()"
    )
    process = subprocess.Popen([sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        yield
    finally:
        process.communicate(input="", timeout=60)


@pytest.mark.usefixtures("server_holding")
def test_erase_while_the_server_holds_the_store_says_what_to_do(data_dir: Path) -> None:
    code, output = cli(data_dir, "erase", "--issuer", "acme", "--email", ANN_EMAIL)
    assert code == 1
    assert "an erasure needs the file to itself: stop the server, then run this command again" in " ".join(
        output.split()
    )


def test_retention_reports_each_issuer(data_dir: Path) -> None:
    code, output = cli(data_dir, "retention")
    assert (code, output.strip()) == (
        0,
        "every issuer keeps every raw event (set a retention with `credlens issuer set-retention SLUG DAYS`)",
    )
    assert cli(data_dir, "issuer", "set-retention", "acme", "30")[0] == 0
    code, output = cli(data_dir, "retention", "--issuer", "acme")
    assert code == 0, output
    # every event is months old: all go but the view of the credential that was never issued
    assert output.splitlines()[0].startswith("acme: 18 raw events older than ")
    assert output.splitlines()[0].endswith("(30 days) deleted; 1 kept until their credential's issuance arrives")
    assert output.splitlines()[1] == "database file rewritten without them"


def test_timeline_is_shown_only_with_consent(data_dir: Path) -> None:
    code, output = cli(data_dir, "timeline", "--issuer", "acme", "--earner-id", BOB_EARNER_ID)
    assert code == 0, output
    body = json.loads(output)
    assert [c["credential_id"] for c in body["credentials"]] == ["bob-cred-gamma"]
    assert body["events"][0] == {**body["events"][0], "event_id": "bob-evt-enrol", "occurred_at": "2026-01-01T09:30:00"}
    code, output = cli(data_dir, "timeline", "--issuer", "acme", "--email", ANN_EMAIL)
    assert code == 1
    assert "refused: this recipient has not opted in to detailed tracking" in " ".join(output.split())
