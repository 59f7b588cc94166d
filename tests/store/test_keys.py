"""API keys: a live key names its issuer; revoking it or changing the issuer takes effect at once,
although live keys are remembered between requests."""

from __future__ import annotations

from typing import Any

import pytest

from credlens.domain.issuers import Issuer, KeyKind, NewKeys
from credlens.store.warehouse import Warehouse


def test_keys_name_their_issuer_by_kind_and_only_with_the_right_secret(
    warehouse: Warehouse, issuer_and_keys: tuple[Issuer, NewKeys]
) -> None:
    issuer, keys = issuer_and_keys
    assert warehouse.issuer_for_key(keys.ingest, KeyKind.INGEST) == issuer
    assert warehouse.issuer_for_key(keys.ingest, KeyKind.INGEST) == issuer  # remembered: the same answer
    assert warehouse.issuer_for_key(keys.ingest, KeyKind.READ) is None
    assert warehouse.issuer_for_key(keys.read, KeyKind.READ) == issuer
    forged = keys.ingest[:-4] + ("aaaa" if not keys.ingest.endswith("aaaa") else "bbbb")  # same key id
    assert warehouse.issuer_for_key(forged, KeyKind.INGEST) is None


def test_revoking_a_remembered_key_takes_effect_immediately(
    warehouse: Warehouse, issuer_and_keys: tuple[Issuer, NewKeys]
) -> None:
    issuer, keys = issuer_and_keys
    assert warehouse.issuer_for_key(keys.ingest, KeyKind.INGEST) == issuer  # now remembered
    assert warehouse.issuer_for_key(keys.read, KeyKind.READ) == issuer

    assert warehouse.revoke_key(issuer.issuer_id, keys.ingest.split("_")[2])

    assert warehouse.issuer_for_key(keys.ingest, KeyKind.INGEST) is None
    assert warehouse.issuer_for_key(keys.read, KeyKind.READ) == issuer  # the other key still works


def test_a_key_created_after_a_lookup_works_at_once(
    warehouse: Warehouse, issuer_and_keys: tuple[Issuer, NewKeys]
) -> None:
    issuer, keys = issuer_and_keys
    assert warehouse.issuer_for_key(keys.ingest, KeyKind.INGEST) == issuer
    _, token = warehouse.create_key(issuer.issuer_id, KeyKind.INGEST)
    assert warehouse.issuer_for_key(token, KeyKind.INGEST) == issuer


def test_a_lookup_that_raced_a_revocation_is_not_remembered(
    warehouse: Warehouse, issuer_and_keys: tuple[Issuer, NewKeys], monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer, keys = issuer_and_keys
    cache = warehouse._keys  # the race is between its read and its put
    put = cache.put

    def revoked_meanwhile(*args: Any) -> None:
        # The lookup found the key live; it is revoked before the lookup remembers it.
        warehouse.revoke_key(issuer.issuer_id, keys.ingest.split("_")[2])
        put(*args)

    monkeypatch.setattr(cache, "put", revoked_meanwhile)
    assert warehouse.issuer_for_key(keys.ingest, KeyKind.INGEST) == issuer  # answered as it was read
    assert warehouse.issuer_for_key(keys.ingest, KeyKind.INGEST) is None  # not remembered


def test_issuer_changes_show_in_the_issuer_a_remembered_key_names(
    warehouse: Warehouse, issuer_and_keys: tuple[Issuer, NewKeys]
) -> None:
    issuer, keys = issuer_and_keys
    assert warehouse.issuer_for_key(keys.read, KeyKind.READ) == issuer
    warehouse.set_suppression_k(issuer.issuer_id, 11, actor="cli")
    warehouse.set_retention(issuer.issuer_id, 30, actor="cli")
    named = warehouse.issuer_for_key(keys.read, KeyKind.READ)
    assert named is not None
    assert (named.suppression_k, named.raw_event_retention_days) == (11, 30)


def test_remembered_issuer_answers_only_for_remembered_live_keys(
    warehouse: Warehouse, issuer_and_keys: tuple[Issuer, NewKeys]
) -> None:
    issuer, keys = issuer_and_keys
    assert warehouse.remembered_issuer(keys.ingest, KeyKind.INGEST) is None  # not looked up yet
    assert warehouse.issuer_for_key(keys.ingest, KeyKind.INGEST) == issuer
    assert warehouse.remembered_issuer(keys.ingest, KeyKind.INGEST) == issuer
    assert warehouse.remembered_issuer(keys.ingest, KeyKind.READ) is None
    assert warehouse.remembered_issuer(keys.ingest[:-1] + "#", KeyKind.INGEST) is None  # a wrong secret
    assert warehouse.remembered_issuer("cl_ingest", KeyKind.INGEST) is None
    warehouse.revoke_key(issuer.issuer_id, keys.ingest.split("_")[2])
    assert warehouse.remembered_issuer(keys.ingest, KeyKind.INGEST) is None
