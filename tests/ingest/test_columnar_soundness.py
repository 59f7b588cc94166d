"""The columnar path may only prove what msgspec accepts, and must store it byte for byte the same.

Every case of tests/domain/test_events.py (each event type's example, every valid variant, every
broken rule) goes through both paths, as a JSON document and as a Parquet-style row of dotted
columns: a proven row must be accepted by msgspec and flatten to the identical stored row; a row
msgspec rejects must be left to msgspec, which then names the same fault.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import msgspec
import pyarrow as pa
import pytest

from credlens.ingest.columnar.proof import CROSS_FIELD_RULES
from credlens.ingest.columnar.split import Judged, candidates, judge_json, judge_rows
from credlens.ingest.decode import Decoded, convert_rows, decode_raw
from credlens.ingest.sources.files import nest
from credlens.ingest.steps import to_table
from credlens.privacy.pseudonyms import new_secret
from tests.domain.test_events import INVALID, POSITION, VALID
from tests.factories import EVENT_TYPES, make_event

SECRET = new_secret()
NOW = dt.datetime.now(dt.UTC)
RECEIVED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

CASES = [
    *[pytest.param(make_event(t), id=f"example-{t}") for t in EVENT_TYPES],
    *[pytest.param(p.values[0], id=f"valid-{p.id}") for p in VALID],
    *[pytest.param(p.values[0], id=f"invalid-{p.id}") for p in INVALID],
    pytest.param({**make_event("credential.viewed"), "program.id": "p-1"}, id="dotted-key-is-not-a-path"),
    pytest.param(make_event("credential.viewed", program={"id": "p-1"}), id="object-of-another-type"),
    pytest.param(make_event("credential.viewed", recipient={}), id="empty-object-of-another-type"),
    pytest.param(make_event("credential.verified", verifier={"x": {}}), id="unknown-empty-object"),
    pytest.param(make_event("credential.viewed", tags=[]), id="unknown-empty-list"),
    pytest.param(make_event("credential.issued", recipient={"email": "ÄDA@example.com"}), id="email-non-ascii"),
    pytest.param(make_event("credential.issued", recipient={"email": " ada@x.org "}), id="email-to-trim"),
    pytest.param(make_event("credential.issued", recipient={"id": "Ada", "email": "A@x.org"}), id="email-wins"),
    pytest.param(make_event("credential.downloaded", format="pdf", actor=None), id="null-for-a-default"),
    pytest.param(make_event("program.enrolled", credential_id=None), id="null-for-an-optional"),
    pytest.param(make_event("recipient.feedback", rating=5.0), id="rating-float"),
    pytest.param(make_event("credential.viewed", occurred_at="2026-01-01T10:00:00.1234567Z"), id="seven-digits"),
]


def stored(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()


def msgspec_json(doc: bytes) -> Decoded:
    return decode_raw([(POSITION, doc)])


def assert_sound(judged: Judged, reference: Decoded) -> bool:
    """Proven ⇒ msgspec accepted with the same stored row; otherwise msgspec's verdict, unchanged."""
    if judged.proven.positions:
        assert judged.proven.positions == [POSITION]
        assert reference.rejections == [], "proven, but msgspec rejects it"
        expected = to_table(SECRET, reference.events, RECEIVED)
        assert stored(judged.proven.to_events(SECRET, RECEIVED)) == stored(expected)
        assert judged.decoded == Decoded()
        return True
    assert judged.decoded == reference
    return False


@pytest.mark.parametrize("event", CASES)
def test_json_documents_are_proven_only_when_msgspec_accepts_them_identically(event: Any) -> None:
    doc = msgspec.json.encode(event)
    assert_sound(judge_json([(POSITION, doc)], NOW), msgspec_json(doc))


def flat_row(event: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in event.items():
        if isinstance(value, dict) and key != "properties" and value:
            out.update(flat_row(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = json.dumps(value) if isinstance(value, dict | list) else value
    return out


@pytest.mark.parametrize("event", CASES)
def test_parquet_rows_are_proven_only_when_msgspec_accepts_them_identically(event: Any) -> None:
    row = flat_row(event)
    try:
        table = pa.Table.from_pylist([row])
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pytest.skip("no Arrow column holds this value")
    items = [(POSITION, nest(table.to_pylist()[0]))]
    judged = judge_rows(table, lambda _: items, POSITION, NOW)
    assert_sound(judged, convert_rows(items, from_strings=True))


def test_the_columnar_path_proves_the_ordinary_cases() -> None:
    """Not vacuous: every case without properties or nulls, valid for msgspec, is proven, but for
    the e-mails that need Unicode lower-casing or trimming and free text that might hold an address
    (values.may_be_personal: left to the screen of domain/screen.py)."""
    proven, missed = 0, []
    for param in CASES:
        event = param.values[0]
        doc = msgspec.json.encode(event)
        if msgspec_json(doc).rejections:
            continue
        if b"null" in doc or b'"properties"' in doc or "2026-01-01T10:00:00.1234567Z" in str(event):
            continue
        if judge_json([(POSITION, doc)], NOW).proven.positions:
            proven += 1
        else:
            missed.append(param.id)
    assert missed == ["valid-free-text-with-colons-dots-and-at-signs", "email-non-ascii", "email-to-trim"]
    assert proven > 80


def test_a_batch_splits_by_row_and_keeps_positions() -> None:
    good = [make_event(t) for t in EVENT_TYPES]
    bad = make_event("credential.viewed", id="bad", actor="robot")
    items = [(i, msgspec.json.encode(e)) for i, e in enumerate([*good[:3], bad, *good[3:]])]
    judged = judge_json(items, NOW)
    assert judged.proven.positions == [i for i, _ in items if i != 3]
    assert [(r.position, r.id, r.field) for r in judged.decoded.rejections] == [(3, "bad", "actor")]


def test_a_document_that_does_not_read_by_columns_goes_to_msgspec_alone() -> None:
    good = [(i, msgspec.json.encode(make_event("credential.viewed"))) for i in range(200)]
    good[150] = (150, b'{"id": "a\\ud800", "type": "credential.viewed"}')  # a lone surrogate: Arrow refuses
    judged = judge_json(good, NOW)
    assert 150 not in judged.proven.positions
    assert len(judged.proven.positions) >= 200 - 64
    assert [r.position for r in judged.decoded.rejections] == [150]


def test_the_cross_field_rules_spelled_out_are_every_post_init() -> None:
    """A new __post_init__ rule in events.py must be added to proof.py (or rows would be proven without it)."""
    import credlens.domain.events as events  # noqa: PLC0415

    with_rules = {
        cls
        for cls in vars(events).values()
        if isinstance(cls, type) and issubclass(cls, msgspec.Struct) and "__post_init__" in vars(cls)
    }
    assert with_rules == set(CROSS_FIELD_RULES)


def test_parquet_rows_of_the_ordinary_cases_are_proven() -> None:
    proven = 0
    for param in CASES:
        row = flat_row(param.values[0])
        try:
            table = pa.Table.from_pylist([row])
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            continue
        items = [(POSITION, nest(table.to_pylist()[0]))]
        proven += bool(judge_rows(table, lambda _, items=items: items, POSITION, NOW).proven.positions)
    assert proven > 80


def test_candidates_are_single_objects_without_null_or_properties() -> None:
    docs = [
        b'{"id": "a"}\n',
        b'{"id": "a"}\r\n',
        b' {"id": "a"}',
        b'{"id": "a", "note": "nullable"}',
        b'{"id": "a", "properties": {}}',
        b'{"id": "a"} {"id": "b"}',
        b"[]",
        b'{"id": "a"}   \n',
        b'{"id": "b"}',
    ]
    assert candidates(docs) == [0, 1, 5, 8]  # 5 is two objects: read, counted, and left to msgspec


def test_two_objects_on_one_line_are_left_to_msgspec() -> None:
    one = msgspec.json.encode(make_event("credential.viewed"))
    items = [(i, one.replace(b'"id":"', f'"id":"{i}-'.encode())) for i in range(100)]
    items[10] = (10, items[10][1] + b" " + items[11][1])
    judged = judge_json(items, NOW)
    assert 10 not in judged.proven.positions
    assert [r.position for r in judged.decoded.rejections] == [10]
