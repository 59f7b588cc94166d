"""A file written by an older version is upgraded when opened (schema.MIGRATIONS)."""

from __future__ import annotations

from pathlib import Path

from credlens.store.schema import SCHEMA_VERSION
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest, reopened_as_version


def _events() -> list[dict[str, object]]:
    return [
        {
            "id": "e1",
            "type": "credential.issued",
            "occurred_at": "2026-01-05T10:00:00Z",
            "credential_id": "c1",
            "program": {"id": "p1"},
            "recipient": {"email": "ada@example.org"},
        },
        {
            "id": "e2",
            "type": "program.enrolled",
            "occurred_at": "2026-01-02T10:00:00Z",
            "program": {"id": "p1"},
            "recipient": {"email": "ada@example.org"},
        },
    ]


def test_a_version_1_file_gets_recipient_hashes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Warehouse(data)
    issuer, _ = store.create_issuer("acme", "Acme")
    assert ingest(store, issuer, _events()).rejections == []
    con = store.cursor()
    expected = con.execute("SELECT recipient_hash FROM credentials").fetchall()
    assert expected[0][0] is not None
    # what version 1 wrote: no recipient_hash columns
    con.execute("ALTER TABLE credentials DROP COLUMN recipient_hash")
    con.execute("ALTER TABLE enrollments DROP COLUMN recipient_hash")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    del con
    store.close()

    store = Warehouse(data)
    con = store.cursor()
    assert con.execute("SELECT recipient_hash FROM credentials").fetchall() == expected
    assert con.execute("SELECT recipient_hash FROM enrollments").fetchall() == expected  # the same recipient
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
    assert con.execute("SELECT recipient_hash FROM recipients").fetchall() == expected  # joinable on it
    del con
    store.close()


def test_a_version_5_file_gets_industries_of_the_vocabulary(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Warehouse(data)
    for slug in ("a", "b", "c", "d"):
        store.create_issuer(slug, slug.upper())
    con = store.cursor()
    # what version 5 stored: free text as typed at `issuer create --industry`, no releases table
    for slug, text in (("a", "online_courses"), ("b", " Higher  education "), ("c", "basket weaving")):
        con.execute("UPDATE issuers SET industry = ? WHERE slug = ?", [text, slug])
    del con
    store = reopened_as_version(store, data, 5, "DROP TABLE benchmark_releases")
    industries = {i.slug: i.industry for i in store.issuers()}
    # matched names become the vocabulary's; the others stay as written and read as unset (known() is None)
    assert industries == {"a": "Online Courses", "b": "Higher Education", "c": "basket weaving", "d": None}
    assert store.benchmark_ledger() == []
    store.close()
