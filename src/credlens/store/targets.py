"""An issuer's tracking targets (its credential page, download and verification URL templates).

Kept as one JSON value in ``meta`` under ``tracking_targets:<issuer id>``: a handful of settings per
issuer needs no table of its own (nor a schema version).
"""

from __future__ import annotations

import datetime as dt

from credlens.access.tracking import Targets, check_template
from credlens.store.warehouse import Warehouse


def _key(issuer_id: int) -> str:
    return f"tracking_targets:{issuer_id}"


def load_targets(warehouse: Warehouse, issuer_id: int) -> Targets:
    return Targets.from_json(warehouse.meta(_key(issuer_id)))


def save_targets(warehouse: Warehouse, issuer_id: int, changes: dict[str, str | None], *, actor: str) -> Targets:
    """Set (a template) or clear (``""``) the named targets; the others are kept. Raises TrackingError."""
    current = load_targets(warehouse, issuer_id).__dict__.copy()
    for name, value in changes.items():
        if value is None:
            continue
        current[name] = check_template(name, value) if value else None
    targets = Targets(**current)
    warehouse.set_meta(_key(issuer_id), targets.to_json())
    warehouse.audit(issuer_id, actor, "tracking.targets", targets.to_json())
    return targets


def credential_title(warehouse: Warehouse, issuer_id: int, credential_id: str) -> tuple[str | None, dt.datetime | None]:
    """The program name and issuance time of a credential, for LinkedIn's add-to-profile form (None
    when the credential or its program's name is not known yet)."""
    rows = (
        warehouse.cursor()
        .execute(
            "SELECT p.name, c.issued_at FROM credentials c LEFT JOIN programs p "
            "ON p.issuer_id = c.issuer_id AND p.program_id = c.program_id "
            "WHERE c.issuer_id = ? AND c.credential_id = ? LIMIT 1",
            [issuer_id, credential_id],
        )
        .fetchall()
    )
    return (rows[0][0], rows[0][1]) if rows else (None, None)
