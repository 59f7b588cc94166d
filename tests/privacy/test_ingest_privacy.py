"""No e-mail address, non-consented organization, IP or user agent reaches the database file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from credlens.domain.issuers import Issuer
from credlens.ingest.columnar.split import judge_json
from credlens.ingest.pipeline import import_file
from credlens.privacy.pseudonyms import recipient_key
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest

EMAIL = "Jane.Doe+certs@Example.ORG"
SECRET_ORG = "Initech Hidden Holdings"
CONSENTED_ORG = "Globex Consented Corp"
EARNER_ID = "EARNER-424242"


def events() -> list[dict[str, Any]]:
    return [
        {
            "id": "i1",
            "type": "credential.issued",
            "occurred_at": "2026-02-01T09:00:00Z",
            "credential_id": "c1",
            "program": {"id": "p1", "name": "Programme Name Visible"},
            "recipient": {"email": EMAIL},
        },
        {
            "id": "i2",
            "type": "credential.issued",
            "occurred_at": "2026-02-01T09:00:00Z",
            "credential_id": "c2",
            "program": {"id": "p1"},
            "recipient": {"id": EARNER_ID},
        },
        {
            "id": "e1",
            "type": "program.enrolled",
            "occurred_at": "2026-01-01T09:00:00Z",
            "program": {"id": "p1"},
            "recipient": {"email": EMAIL.lower()},
        },
        {
            "id": "cc1",
            "type": "recipient.consent_changed",
            "occurred_at": "2026-02-03T09:00:00Z",
            "recipient": {"email": EMAIL},
            "detailed_tracking": True,
        },
        {
            "id": "vf1",
            "type": "credential.verified",
            "occurred_at": "2026-02-05T09:00:00Z",
            "credential_id": "c1",
            "verifier": {"organization": SECRET_ORG, "industry": "finance"},
        },
        {
            "id": "vf2",
            "type": "credential.verified",
            "occurred_at": "2026-02-06T09:00:00Z",
            "credential_id": "c1",
            "verifier": {"organization": CONSENTED_ORG, "consent": True},
        },
    ]


def file_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("credlens.duckdb*")))


def test_personal_data_never_reaches_the_file(warehouse: Warehouse, issuer: Issuer) -> None:
    # NOTE: without this, DuckDB may compress strings (FSST) and a byte search would prove nothing;
    # the positive controls below check the search does see stored text.
    warehouse.cursor().execute("PRAGMA force_compression = 'uncompressed'")
    rejected = ingest(
        warehouse,
        issuer,
        [
            {
                "id": "x1",
                "type": "credential.viewed",
                "occurred_at": "2026-02-02T09:00:00Z",
                "credential_id": "c1",
                "actor": "public",
                "ip": "203.0.113.77",
            },
            {
                "id": "x2",
                "type": "credential.viewed",
                "occurred_at": "2026-02-02T09:00:00Z",
                "credential_id": "c1",
                "actor": "public",
                "properties": {"user_agent": "Mozilla/5.0 SpyBrowser"},
            },
        ],
    )
    assert [r.field for r in rejected.rejections] == ["ip", "properties.user_agent"]
    assert ingest(warehouse, issuer, events()).accepted == 6
    data_dir = warehouse.path.parent
    wal_phase = file_bytes(data_dir)
    warehouse.compact()  # checkpoint: the rows move from the WAL into the database file
    checkpointed = file_bytes(data_dir)
    for content in (wal_phase, checkpointed):
        assert CONSENTED_ORG.encode() in content  # positive control: stored text is visible to the search
        assert b"Programme Name Visible" in content
        for secret in (
            EMAIL,
            EMAIL.lower(),
            "Jane.Doe",
            "jane.doe",
            SECRET_ORG,
            EARNER_ID,
            "203.0.113.77",
            "SpyBrowser",
        ):
            assert secret.encode() not in content, secret


def test_personal_data_never_reaches_the_file_from_a_columnar_import(
    warehouse: Warehouse, issuer: Issuer, tmp_path: Path
) -> None:
    """The same search after `credlens import` of NDJSON, whose rows the columnar path proves and flattens."""
    warehouse.cursor().execute("PRAGMA force_compression = 'uncompressed'")
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"".join(msgspec.json.encode(e) + b"\n" for e in events()))
    items = list(enumerate(path.read_bytes().splitlines(), start=1))
    assert len(judge_json(items).proven.positions) == len(events())  # not the msgspec path
    outcome, _ = import_file(warehouse, issuer, path)
    assert outcome.accepted == 6
    content = file_bytes(warehouse.path.parent)
    assert CONSENTED_ORG.encode() in content
    assert b"Programme Name Visible" in content
    for secret in (EMAIL, EMAIL.lower(), "Jane.Doe", "jane.doe", SECRET_ORG, EARNER_ID):
        assert secret.encode() not in content, secret
    keys = {row[0] for row in warehouse.cursor().execute("SELECT recipient_key FROM recipients").fetchall()}
    secret_key = warehouse.pseudonym_secret(issuer.issuer_id)
    assert keys == {recipient_key(secret_key, email=EMAIL), recipient_key(secret_key, earner_id=EARNER_ID)}


def test_recipients_are_keyed_by_hmac_of_the_normalized_email(warehouse: Warehouse, issuer: Issuer) -> None:
    ingest(warehouse, issuer, events())
    secret = warehouse.pseudonym_secret(issuer.issuer_id)
    keys = {row[0] for row in warehouse.cursor().execute("SELECT recipient_key FROM recipients").fetchall()}
    by_email = recipient_key(secret, email=" jane.doe+certs@example.org ")
    assert keys == {by_email, recipient_key(secret, earner_id=EARNER_ID)}
    consent = (
        warehouse.cursor()
        .execute("SELECT detailed_tracking FROM recipients WHERE recipient_key = ?", [by_email])
        .fetchall()
    )
    assert consent == [(True,)]


def test_keys_are_unlinkable_across_issuers(warehouse: Warehouse, issuer: Issuer) -> None:
    other, _ = warehouse.create_issuer("globex", "Globex")
    ingest(warehouse, issuer, events()[:1])
    ingest(warehouse, other, events()[:1])
    keys = warehouse.cursor().execute("SELECT DISTINCT recipient_key FROM credentials").fetchall()
    assert len(keys) == 2
