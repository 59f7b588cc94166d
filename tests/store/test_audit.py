"""The audit log records who did what, per issuer, newest first."""

from __future__ import annotations

from credlens.store.warehouse import Warehouse


def test_audit_entries_are_per_issuer_and_newest_first(warehouse: Warehouse) -> None:
    a, _ = warehouse.create_issuer("audit-a", "A")
    b, _ = warehouse.create_issuer("audit-b", "B")
    warehouse.audit(a.issuer_id, "cli", "key.created", "read key 1234")
    warehouse.audit(a.issuer_id, "user:admin@a.example", "erasure", "1 recipient")
    warehouse.audit(b.issuer_id, "cli", "key.created", "ingest key 9999")

    entries = warehouse.audit_entries(a.issuer_id)

    assert [(e.actor, e.action) for e in entries] == [("user:admin@a.example", "erasure"), ("cli", "key.created")]
    assert entries[0].at >= entries[1].at
    assert [e.detail for e in warehouse.audit_entries(b.issuer_id)] == ["ingest key 9999"]
