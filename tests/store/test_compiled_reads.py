"""Per-request reads compiled once per (name, issuer) bind their one value as a parameter: the cached
statement answers for whichever recipient asks, and only for the issuer it was compiled for."""

from __future__ import annotations

import pytest

from credlens.domain.issuers import Issuer
from credlens.recipients.holdings import count_holdings
from credlens.store.scope import PARAMETER
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest


def issuance(n: int, recipient: str) -> dict[str, object]:
    return {
        "id": f"i{n}",
        "type": "credential.issued",
        "occurred_at": "2026-02-10T12:00:00Z",
        "credential_id": f"c{n}",
        "program": {"id": "p1"},
        "recipient": {"id": recipient},
    }


def test_one_compiled_statement_answers_for_each_recipient(warehouse: Warehouse, issuer: Issuer) -> None:
    other = warehouse.create_issuer("other", "Other Issuer")[0]
    assert ingest(warehouse, issuer, [issuance(1, "ann"), issuance(2, "ann"), issuance(3, "bob")]).rejections == []
    assert ingest(warehouse, other, [issuance(1, "ann")]).rejections == []
    tables = warehouse.tables(issuer.issuer_id)
    keys = {
        r["recipient_key"]: r["n"]
        for r in tables.rows(
            "SELECT recipient_key, count(*) AS n FROM credentials WHERE issuer_id = $1 GROUP BY 1", [issuer.issuer_id]
        )
    }
    assert sorted(keys.values()) == [1, 2]
    for key, n in keys.items():  # the second call reuses the first one's SQL
        assert count_holdings(tables, key) == n
    assert count_holdings(tables, "no-such-recipient") == 0
    theirs = warehouse.tables(other.issuer_id)
    (their_ann,) = [
        r["recipient_key"]
        for r in theirs.rows("SELECT recipient_key FROM credentials WHERE issuer_id = $1", [other.issuer_id])
    ]
    assert count_holdings(theirs, their_ann) == 1
    assert count_holdings(tables, their_ann) == 0  # the statement cached for one issuer reads only its rows


def test_an_expression_and_a_call_that_disagree_on_the_parameter_are_refused(
    warehouse: Warehouse, issuer: Issuer
) -> None:
    tables = warehouse.tables(issuer.issuer_id)
    programs = tables["programs"]
    with pytest.raises(AssertionError, match="disagree"):
        tables.query("test/no-parameter", lambda: programs.select("program_id"), "a value")
    with pytest.raises(AssertionError, match="disagree"):
        tables.query("test/parameter", lambda: programs.filter(programs.program_id == PARAMETER), None)


def test_the_statement_is_compiled_once_and_the_value_is_only_ever_data(warehouse: Warehouse, issuer: Issuer) -> None:
    assert ingest(warehouse, issuer, [issuance(1, "ann")]).rejections == []
    tables = warehouse.tables(issuer.issuer_id)
    credentials = tables["credentials"]
    builds = []

    def build() -> object:
        builds.append(1)
        return credentials.filter(credentials.recipient_key == PARAMETER).select("credential_id")

    for value in ("' OR 1=1 --", "x' OR 'a'='a", "$1", "no-one"):
        assert tables.query("test/injection", build, value) == []  # type: ignore[arg-type]
    assert builds == [1]  # compiled by the first call only
