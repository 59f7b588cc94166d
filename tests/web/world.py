"""Two issuers built through the real ingestion path and account store, for access and isolation tests.

Issuer A ("alpha-zq") is the one whose data must never reach anyone else: every id and name of A
contains ``alpha-zq`` and A issued ``A_ISSUED`` credentials, a number no other tenant has, so a leak
can be searched for in any answer. Issuer B ("bravo") is the one whose credentials probe A.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credlens.access.passwords import hash_password
from credlens.domain.accounts import Role, User
from credlens.domain.issuers import Issuer, NewKeys
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest

PASSWORD = "correct horse battery staple"
A_ISSUED = 137
B_ISSUED = 6
_HASH = hash_password(PASSWORD)  # one Argon2 hash (~0.2 s) shared by every test user


@dataclass
class Tenant:
    issuer: Issuer
    keys: NewKeys
    users: dict[Role, User]
    programs: list[str]
    credentials: list[str]
    recipient_email: str
    key_ids: list[str] = field(default_factory=list)

    def email(self, role: Role) -> str:
        return self.users[role].email


@dataclass
class World:
    a: Tenant
    b: Tenant


def _events(prefix: str, name: str, issued: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for n in range(issued):
        program = f"{prefix}-p{1 + n % 2}"
        events.append(
            {
                "id": f"{prefix}-i{n:03d}",
                "type": "credential.issued",
                "occurred_at": "2026-02-10T09:00:00Z",
                "credential_id": f"{prefix}-c{n:03d}",
                "program": {
                    "id": program,
                    "name": f"{name} Program {1 + n % 2}",
                    "kind": "badge" if n % 2 else "certificate",
                },
                "recipient": {
                    "email": f"learner{n % 40}@{prefix}.example",
                    "consent": {"detailed_tracking": n % 3 == 0},
                },
                "expires_at": "2027-02-10T09:00:00Z",
            }
        )
    for n in range(0, issued, 2):
        events.append(
            {
                "id": f"{prefix}-v{n:03d}",
                "type": "credential.viewed",
                "occurred_at": "2026-02-11T09:00:00Z",
                "credential_id": f"{prefix}-c{n:03d}",
                "actor": "public",
            }
        )
    return events


def _tenant(store: Warehouse, slug: str, name: str, issued: int) -> Tenant:
    issuer, keys = store.create_issuer(slug, name, industry="bootcamp", timezone="Europe/Paris")
    outcome = ingest(store, issuer, _events(slug, name, issued))
    assert outcome.rejections == []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    users = {}
    for role in Role:
        programs = [f"{slug}-p1"] if role is Role.PROGRAM_MANAGER else []
        user = store.accounts.create_user(issuer.issuer_id, f"{role.value}@{slug}.example", role, programs, now)
        store.accounts.set_password(issuer.issuer_id, user.user_id, _HASH)
        users[role] = store.accounts.user(issuer.issuer_id, user.user_id)
    store.audit(issuer.issuer_id, "cli", "key.created", f"{slug} marker entry")
    return Tenant(
        issuer=issuer,
        keys=keys,
        users=users,  # type: ignore[arg-type]
        programs=[f"{slug}-p1", f"{slug}-p2"],
        credentials=[f"{slug}-c{n:03d}" for n in range(issued)],
        recipient_email=f"learner0@{slug}.example",
        key_ids=[k.key_id for k in store.api_keys(issuer.issuer_id)],
    )


def build_world(data_dir: Path) -> World:
    store = Warehouse(data_dir)
    try:
        return World(
            a=_tenant(store, "alpha-zq", "Alpha-zq Academy", A_ISSUED),
            b=_tenant(store, "bravo", "Bravo Institute", B_ISSUED),
        )
    finally:
        store.close()
