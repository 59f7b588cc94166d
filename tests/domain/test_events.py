"""The event contract of events.md, rule by rule: what is accepted, what is refused and how it is named.

Every table row starts from a valid example event (``tests.factories.make_event``) and changes one
thing. Invalid rows must produce exactly one rejection naming the event's position, its id, the
dotted field and a reason a person can act on. Each event is judged on both ingestion paths: JSON
documents (HTTP bodies, NDJSON files) and already-parsed rows (CSV/Parquet imports, the demo).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from credlens.domain.events import EVENT_TYPES as EVENT_CLASSES
from credlens.domain.rejections import Rejection
from credlens.ingest.decode import (
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    BatchError,
    Decoded,
    convert_rows,
    decode_body,
    decode_raw,
)
from tests.factories import CREDENTIAL_TYPES, DROP, EVENT_TYPES, NO_CREDENTIAL_TYPES, make_event, to_body

UTC = dt.UTC
POSITION = 4  # where the event under test sits in its batch; any value but 0 catches a lost position
AGE_BANDS = ["<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]

# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


@pytest.fixture(params=["json", "rows"])
def decode(request: pytest.FixtureRequest) -> Any:
    """Judge one event on an ingestion path: ``decode(event, position) -> Decoded``."""

    def via_json(event: Any, position: int = POSITION) -> Decoded:
        return decode_raw([(position, msgspec.json.encode(event))])

    def via_rows(event: Any, position: int = POSITION) -> Decoded:
        return convert_rows([(position, event)])

    return via_json if request.param == "json" else via_rows


def accepted(decoded: Decoded) -> Any:
    """The single event of a one-event batch, failing with the rejection when there is none."""
    assert decoded.rejections == [], [r.describe() for r in decoded.rejections]
    assert len(decoded.events) == 1
    return decoded.events[0]


def only_rejection(decoded: Decoded) -> Rejection:
    assert decoded.events == [], "the invalid event was accepted"
    assert len(decoded.rejections) == 1, [r.describe() for r in decoded.rejections]
    return decoded.rejections[0]


def assert_readable(rejection: Rejection) -> None:
    """A reason is a short phrase a person can read, not an empty string or a bare token."""
    assert rejection.reason.strip(), rejection
    assert " " in rejection.reason.strip(), rejection


def attr(event: Any, dotted: str) -> Any:
    """``attr(event, "recipient.id")``: follow a dotted path through a decoded event."""
    value = event
    for name in dotted.split("."):
        value = value[name] if isinstance(value, dict) else getattr(value, name)
    return value


def at(day: int, hour: int = 10, offset: str = "Z") -> str:
    return f"2026-01-{day:02d}T{hour:02d}:00:00{offset}"


def ndjson(*lines: bytes | dict[str, Any]) -> bytes:
    return b"\n".join(line if isinstance(line, bytes) else msgspec.json.encode(line) for line in lines) + b"\n"


def in_minutes(minutes: int) -> str:
    return (dt.datetime.now(UTC) + dt.timedelta(minutes=minutes)).isoformat()


# --------------------------------------------------------------------------------------------------
# the factory itself
# --------------------------------------------------------------------------------------------------


def test_factory_knows_every_event_type_of_the_contract() -> None:
    assert set(EVENT_TYPES) == set(EVENT_CLASSES)
    assert len(EVENT_TYPES) == 19  # 17 of v1, and credential.accepted and .declined (docs/importers.md)


def test_factory_ids_are_unique_and_overrides_replace_or_drop_keys() -> None:
    first, second = make_event("credential.viewed"), make_event("credential.viewed", actor="public", country=DROP)
    assert first["id"] != second["id"]
    assert second["actor"] == "public"
    assert "country" not in second
    assert "credential_id" not in make_event("credential.viewed", credential_id=DROP)
    assert "credential_id" not in make_event("program.enrolled")


# --------------------------------------------------------------------------------------------------
# 1. valid events
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_the_example_of_every_type_is_accepted(decode: Any, event_type: str) -> None:
    example = make_event(event_type)
    event = accepted(decode(example))
    assert type(event) is EVENT_CLASSES[event_type]
    assert event.id == example["id"]
    assert decode(example).positions == [POSITION]


VALID = [
    # envelope
    pytest.param(
        make_event("credential.viewed", occurred_at="2026-01-01T10:00:00+02:00"),
        {"occurred_at": dt.datetime(2026, 1, 1, 8, 0, tzinfo=UTC)},
        id="occurred_at-with-plus-02-offset-is-the-same-utc-instant",
    ),
    pytest.param(
        make_event("credential.viewed", occurred_at="2026-01-01T10:00:00-05:00"),
        {"occurred_at": dt.datetime(2026, 1, 1, 15, 0, tzinfo=UTC)},
        id="occurred_at-with-negative-offset",
    ),
    pytest.param(
        make_event("credential.viewed", occurred_at="2026-01-01T10:00:00.123Z"),
        {"occurred_at": dt.datetime(2026, 1, 1, 10, 0, 0, 123000, tzinfo=UTC)},
        id="occurred_at-with-fraction",
    ),
    pytest.param(
        make_event("credential.viewed", occurred_at="2000-01-01T00:00:00Z"),
        {"occurred_at": dt.datetime(2000, 1, 1, tzinfo=UTC)},
        id="occurred_at-exactly-2000-01-01",
    ),
    pytest.param(make_event("credential.viewed", id="a" * 128), {"id": "a" * 128}, id="id-128-chars"),
    pytest.param(make_event("credential.viewed", id="Ab9._:-x"), {"id": "Ab9._:-x"}, id="id-every-allowed-punctuation"),
    pytest.param(
        make_event("credential.viewed", credential_id="C" * 128), {"credential_id": "C" * 128}, id="credential_id-128"
    ),
    pytest.param(
        make_event("credential.viewed", properties={"campaign": "spring", "tags": ["a", "b"], "n": 3}),
        {"properties": {"campaign": "spring", "tags": ["a", "b"], "n": 3}},
        id="properties-small-object",
    ),
    pytest.param(
        make_event("credential.viewed", properties={"k": "x" * (4096 - len(b'{"k":""}'))}),
        {"properties.k": "x" * (4096 - len(b'{"k":""}'))},
        id="properties-exactly-4096-bytes",
    ),
    pytest.param(
        make_event("credential.issued", expires_at="2199-12-31T23:59:59Z"),
        {"expires_at": dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)},
        id="issued-expires_at-just-before-2200",
    ),
    pytest.param(
        make_event(
            "credential.issued",
            program={"id": "p-1", "name": "Data 2.0: Analytics @ Scale, 10:30-12:00", "department": "R&D 1.2.3"},
        ),
        {"program.name": "Data 2.0: Analytics @ Scale, 10:30-12:00"},
        id="free-text-with-colons-dots-and-at-signs",
    ),
    pytest.param(
        make_event("credential.viewed", properties={"campaign": "spring-2026", "ratio": "3:2", "at": "@acme"}),
        {"properties.ratio": "3:2"},
        id="properties-ordinary-values",
    ),
    pytest.param(
        make_event("credential.viewed", properties={"ipsum": 1, "zip": "10115", "emails_sent": 2}),
        {"properties.ipsum": 1},
        id="properties-keys-merely-containing-forbidden-words",
    ),
    # credential.issued
    pytest.param(
        make_event("credential.issued", recipient={"id": "learner-42"}),
        {"recipient.id": "learner-42", "recipient.email": None},
        id="issued-recipient-by-id",
    ),
    pytest.param(
        make_event("credential.issued", program={"id": "p-1", "kind": "badge"}),
        {"program.kind": "badge"},
        id="issued-badge-kind",
    ),
    pytest.param(
        make_event("credential.issued", program={"id": "p-1"}),
        {"program.kind": "certificate", "program.name": None},
        id="issued-program-kind-defaults-to-certificate",
    ),
    pytest.param(
        make_event("credential.issued", program={"id": "p-1", "name": "SQL", "department": "Data"}),
        {"program.name": "SQL", "program.department": "Data"},
        id="issued-program-name-and-department",
    ),
    pytest.param(
        make_event("credential.issued", recipient={"email": "ada@example.com", "country": "DE"}),
        {"recipient.country": "DE"},
        id="issued-recipient-country",
    ),
    *[
        pytest.param(
            make_event("credential.issued", recipient={"email": "a@example.com", "demographics": {"age_band": band}}),
            {"recipient.demographics.age_band": band},
            id=f"issued-demographics-age-band-{band}",
        )
        for band in AGE_BANDS
    ],
    pytest.param(
        make_event(
            "credential.issued",
            recipient={
                "email": "a@example.com",
                "demographics": {
                    "gender": "female",
                    "age_band": "25-34",
                    "education_level": "bachelor",
                    "employment_status": "employed",
                },
            },
        ),
        {"recipient.demographics.gender": "female", "recipient.demographics.employment_status": "employed"},
        id="issued-demographics-every-field",
    ),
    pytest.param(
        make_event("credential.issued", recipient={"email": "a@example.com", "consent": {"detailed_tracking": True}}),
        {"recipient.consent.detailed_tracking": True},
        id="issued-recipient-consent",
    ),
    pytest.param(
        make_event("credential.issued", recipient={"email": "a@example.com", "consent": {}}),
        {"recipient.consent.detailed_tracking": False},
        id="issued-recipient-consent-defaults-to-false",
    ),
    pytest.param(
        make_event("credential.issued", occurred_at=at(1), expires_at="2027-01-01T00:00:00Z"),
        {"expires_at": dt.datetime(2027, 1, 1, tzinfo=UTC)},
        id="issued-expires_at-after-occurred_at",
    ),
    # program.enrolled and recipient.consent_changed
    pytest.param(
        make_event("program.enrolled", recipient={"id": "learner-42"}),
        {"recipient.id": "learner-42", "credential_id": None},
        id="enrolled-recipient-by-id",
    ),
    pytest.param(
        make_event("recipient.consent_changed", recipient={"id": "learner-42"}, detailed_tracking=False),
        {"recipient.id": "learner-42", "detailed_tracking": False},
        id="consent_changed-opt-out-by-id",
    ),
    # per-type optional fields and defaults
    pytest.param(
        make_event("credential.viewed", actor="public", referrer_domain="linkedin.com", country="US"),
        {"actor": "public", "referrer_domain": "linkedin.com", "country": "US"},
        id="viewed-public-with-referrer-and-country",
    ),
    pytest.param(
        make_event("credential.downloaded", format="print_pdf"),
        {"format": "print_pdf", "actor": "owner"},
        id="downloaded-actor-defaults-to-owner",
    ),
    pytest.param(
        make_event("credential.downloaded", format="png", actor="public"),
        {"actor": "public"},
        id="downloaded-by-public",
    ),
    pytest.param(
        make_event("credential.shared", channel="whatsapp"),
        {"channel": "whatsapp", "actor": "owner"},
        id="shared-actor-defaults-to-owner",
    ),
    *[
        pytest.param(make_event("credential.shared", channel=channel), {"channel": channel}, id=f"shared-{channel}")
        for channel in ["x", "facebook", "email", "link", "embed", "other"]
    ],
    pytest.param(make_event("credential.profile_added"), {"platform": "linkedin"}, id="profile_added-default-linkedin"),
    pytest.param(
        make_event("credential.profile_added", platform="xing"), {"platform": "xing"}, id="profile_added-xing"
    ),
    pytest.param(
        make_event("credential.verified", verifier={}),
        {"result": "valid", "verifier.consent": False, "verifier.organization": None},
        id="verified-result-valid-and-consent-false-by-default",
    ),
    pytest.param(
        make_event(
            "credential.verified",
            verifier={
                "consent": True,
                "organization": "Globex",
                "industry": "finance",
                "size": "5001+",
                "country": "GB",
            },
            result="expired",
        ),
        {"verifier.consent": True, "verifier.organization": "Globex", "verifier.size": "5001+", "result": "expired"},
        id="verified-with-consent-organization-and-every-verifier-field",
    ),
    *[
        pytest.param(
            make_event("credential.verified", verifier={"size": size}),
            {"verifier.size": size},
            id=f"verifier-size-{size}",
        )
        for size in ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"]
    ],
    *[
        pytest.param(make_event("verification.outcome", outcome=o), {"outcome": o}, id=f"verification-outcome-{o}")
        for o in ["hired", "interviewed", "not_hired", "other"]
    ],
    *[
        pytest.param(make_event("recipient.outcome_reported", outcome=o), {"outcome": o}, id=f"career-outcome-{o}")
        for o in ["new_job", "promotion", "raise", "other"]
    ],
    *[
        pytest.param(make_event("recipient.feedback", rating=r), {"rating": r}, id=f"rating-{r}")
        for r in [1, 2, 3, 4, 5]
    ],
    *[
        pytest.param(make_event("credential.delivery_failed", reason=r), {"reason": r}, id=f"delivery_failed-{r}")
        for r in ["bounced", "invalid_address", "other"]
    ],
    pytest.param(
        make_event("credential.renewed", expires_at="2030-06-30T23:59:59+02:00"),
        {"expires_at": dt.datetime(2030, 6, 30, 21, 59, 59, tzinfo=UTC)},
        id="renewed-expires_at-with-offset",
    ),
    pytest.param(make_event("credential.revoked", reason="r" * 200), {"reason": "r" * 200}, id="revoked-reason-200"),
    pytest.param(make_event("credential.revoked"), {"reason": None}, id="revoked-without-reason"),
    # the credential's design (issue 16): optional, an id and an optional name
    pytest.param(
        make_event("credential.issued", design={"id": "tpl-modern", "name": "Modern landscape"}),
        {"design.id": "tpl-modern", "design.name": "Modern landscape"},
        id="issued-design-id-and-name",
    ),
    pytest.param(
        make_event("credential.issued", design={"id": "tpl-modern"}),
        {"design.id": "tpl-modern", "design.name": None},
        id="issued-design-id-only",
    ),
    pytest.param(make_event("credential.issued"), {"design": None}, id="issued-without-design"),
]


@pytest.mark.parametrize(("event", "expected"), VALID)
def test_valid_variants_are_accepted_as_stored(decode: Any, event: dict[str, Any], expected: dict[str, Any]) -> None:
    decoded = accepted(decode(event))
    for dotted, value in expected.items():
        assert attr(decoded, dotted) == value, dotted


def test_occurred_at_up_to_five_minutes_ahead_is_accepted(decode: Any) -> None:
    """Clocks drift: a client a few minutes fast is not refused."""
    accepted(decode(make_event("credential.viewed", occurred_at=in_minutes(4))))


def test_occurred_at_more_than_five_minutes_ahead_is_rejected(decode: Any) -> None:
    rejection = only_rejection(decode(make_event("credential.viewed", occurred_at=in_minutes(6))))
    assert rejection.field == "occurred_at"
    assert "future" in rejection.reason


# --------------------------------------------------------------------------------------------------
# 2. invalid events: one row per rule of events.md
# --------------------------------------------------------------------------------------------------


def case(name: str, event: Any, field: str, reason_has: str = "") -> Any:
    return pytest.param(event, field, reason_has, id=name)


def v(**overrides: Any) -> dict[str, Any]:
    """A credential.viewed with overrides: the plainest event, for envelope rules."""
    return make_event("credential.viewed", **overrides)


INVALID = [
    # type
    case("type-unknown", v(type="credential.liked"), "type", "credential.liked"),
    case("type-missing", v(type=DROP), "type", "required"),
    case("type-not-a-string", v(type=3), "type"),
    case("type-wrong-case", v(type="Credential.Viewed"), "type", "unknown event type"),
    # id
    case("id-missing", v(id=DROP), "id", "required"),
    case("id-empty", v(id=""), "id"),
    case("id-129-chars", v(id="a" * 129), "id"),
    case("id-with-space", v(id="evt 1"), "id"),
    case("id-with-slash", v(id="evt/1"), "id"),
    case("id-with-non-ascii", v(id="évt-1"), "id"),
    case("id-not-a-string", v(id=42), "id"),
    case("id-trailing-newline", v(id="evt-1\n"), "id"),
    # occurred_at
    case("occurred_at-missing", v(occurred_at=DROP), "occurred_at", "required"),
    case("occurred_at-without-offset", v(occurred_at="2026-01-01T10:00:00"), "occurred_at", "timezone"),
    case("occurred_at-far-future", v(occurred_at="2099-01-01T00:00:00Z"), "occurred_at", "future"),
    case("occurred_at-before-2000", v(occurred_at="1999-12-31T23:59:59Z"), "occurred_at", "2000-01-01"),
    case("occurred_at-before-2000-in-utc", v(occurred_at="2000-01-01T00:30:00+01:00"), "occurred_at", "2000-01-01"),
    case("occurred_at-not-a-date", v(occurred_at="yesterday"), "occurred_at"),
    case("occurred_at-date-only", v(occurred_at="2026-01-01"), "occurred_at"),
    case("occurred_at-month-13", v(occurred_at="2026-13-01T10:00:00Z"), "occurred_at"),
    case("occurred_at-epoch-number", v(occurred_at=1767261600), "occurred_at"),
    # credential_id: required on credential-scoped types, refused on the others
    *[
        case(f"credential_id-missing-on-{t}", make_event(t, credential_id=DROP), "credential_id", "required")
        for t in CREDENTIAL_TYPES
    ],
    case("credential_id-null", v(credential_id=None), "credential_id", "required"),
    *[
        case(f"credential_id-not-allowed-on-{t}", make_event(t, credential_id="cred-1"), "credential_id", "not allowed")
        for t in sorted(NO_CREDENTIAL_TYPES)
    ],
    case("credential_id-empty", v(credential_id=""), "credential_id"),
    case("credential_id-with-space", v(credential_id="cred 1"), "credential_id"),
    case("credential_id-with-hash", v(credential_id="cred#1"), "credential_id"),
    case("credential_id-129-chars", v(credential_id="c" * 129), "credential_id"),
    case("credential_id-trailing-newline", v(credential_id="cred-1\n"), "credential_id"),
    # unknown fields
    case("unknown-field-ip", v(ip="203.0.113.7"), "ip", "not a field"),
    case("unknown-field-user_agent", v(user_agent="Mozilla/5.0"), "user_agent", "not a field"),
    case("unknown-field-cookie", v(cookie="sid=1"), "cookie", "not a field"),
    case("unknown-field-typo-acter", v(acter="owner"), "acter", "not a field"),
    case("unknown-field-issuer", v(issuer="acme"), "issuer", "not a field"),
    case(
        "unknown-nested-program.nme",
        make_event("credential.issued", program={"id": "p-1", "nme": "SQL"}),
        "program.nme",
        "not a field",
    ),
    case(
        "unknown-nested-verifier.org",
        make_event("credential.verified", verifier={"org": "Globex"}),
        "verifier.org",
        "not a field",
    ),
    case(
        "unknown-nested-recipient.name",
        make_event("credential.issued", recipient={"email": "a@example.com", "name": "Ada"}),
        "recipient.name",
        "not a field",
    ),
    case(
        "unknown-nested-demographics.religion",
        make_event("credential.issued", recipient={"email": "a@example.com", "demographics": {"religion": "x"}}),
        "recipient.demographics.religion",
        "not a field",
    ),
    case(
        "enrolled-program-takes-only-id",
        make_event("program.enrolled", program={"id": "p-1", "name": "SQL"}),
        "program.name",
        "not a field",
    ),
    # properties
    case("properties-4097-bytes", v(properties={"k": "x" * (4097 - len(b'{"k":""}'))}), "properties", "4096"),
    case("properties-not-an-object", v(properties=["a"]), "properties"),
    case("properties-forbidden-ip-at-top", v(properties={"ip": "203.0.113.7"}), "properties.ip", "personal data"),
    case(
        "properties-forbidden-ip-in-a-list",
        v(properties={"hits": [{"ip": "203.0.113.7"}]}),
        "properties.hits.ip",
        "personal data",
    ),
    case(
        "properties-forbidden-User-Agent-nested",
        v(properties={"client": {"User-Agent": "Mozilla/5.0"}}),
        "properties.client.User-Agent",
        "personal data",
    ),
    case(
        "properties-forbidden-email-deep",
        v(properties={"a": {"b": {"email": "ada@example.com"}}}),
        "properties.a.b.email",
        "personal data",
    ),
    case("properties-forbidden-cookie", v(properties={"Cookie": "sid=1"}), "properties.Cookie", "personal data"),
    case(
        "properties-forbidden-key-under-key-with-space",
        v(properties={"my client": {"ip": "203.0.113.7"}}),
        "properties.my client.ip",
        "personal data",
    ),
    # program
    case("issued-program-missing", make_event("credential.issued", program=DROP), "program", "required"),
    case(
        "issued-program-id-missing", make_event("credential.issued", program={"name": "SQL"}), "program.id", "required"
    ),
    case("issued-program-id-bad", make_event("credential.issued", program={"id": "p 1"}), "program.id"),
    case(
        "issued-program-id-trailing-newline",
        make_event("credential.issued", program={"id": "p-1\n"}),
        "program.id",
    ),
    case("issued-program-null", make_event("credential.issued", program=None), "program"),
    case("enrolled-program-missing", make_event("program.enrolled", program=DROP), "program", "required"),
    case("enrolled-program-id-missing", make_event("program.enrolled", program={}), "program.id", "required"),
    case(
        "issued-kind-diploma", make_event("credential.issued", program={"id": "p-1", "kind": "diploma"}), "program.kind"
    ),
    # recipient
    case("issued-recipient-missing", make_event("credential.issued", recipient=DROP), "recipient", "required"),
    case("issued-recipient-empty", make_event("credential.issued", recipient={}), "recipient.id", "one of"),
    case(
        "issued-recipient-country-only",
        make_event("credential.issued", recipient={"country": "DE"}),
        "recipient.id",
        "one of",
    ),
    case("enrolled-recipient-missing", make_event("program.enrolled", recipient=DROP), "recipient", "required"),
    case("enrolled-recipient-empty", make_event("program.enrolled", recipient={}), "recipient.id", "one of"),
    case(
        "consent_changed-recipient-missing",
        make_event("recipient.consent_changed", recipient=DROP),
        "recipient",
        "required",
    ),
    case(
        "consent_changed-recipient-empty",
        make_event("recipient.consent_changed", recipient={}),
        "recipient.id",
        "one of",
    ),
    case(
        "issued-email-without-at",
        make_event("credential.issued", recipient={"email": "ada.example.com"}),
        "recipient.email",
    ),
    case("issued-email-two-ats", make_event("credential.issued", recipient={"email": "a@b@c"}), "recipient.email"),
    case(
        "issued-email-with-space", make_event("credential.issued", recipient={"email": "a da@x.y"}), "recipient.email"
    ),
    case("enrolled-email-invalid", make_event("program.enrolled", recipient={"email": "nobody"}), "recipient.email"),
    case("issued-recipient-id-empty", make_event("credential.issued", recipient={"id": ""}), "recipient.id"),
    case(
        "issued-age-band-18-25",
        make_event("credential.issued", recipient={"email": "a@example.com", "demographics": {"age_band": "18-25"}}),
        "recipient.demographics.age_band",
    ),
    case(
        "issued-age-band-number",
        make_event("credential.issued", recipient={"email": "a@example.com", "demographics": {"age_band": 30}}),
        "recipient.demographics.age_band",
    ),
    case(
        "issued-consent-not-bool",
        make_event("credential.issued", recipient={"email": "a@example.com", "consent": {"detailed_tracking": "yes"}}),
        "recipient.consent.detailed_tracking",
    ),
    # country fields
    case(
        "recipient-country-lower-case",
        make_event("credential.issued", recipient={"email": "a@example.com", "country": "de"}),
        "recipient.country",
    ),
    case(
        "recipient-country-3-letters",
        make_event("credential.issued", recipient={"email": "a@example.com", "country": "DEU"}),
        "recipient.country",
    ),
    case("viewed-country-lower-case", v(country="us"), "country"),
    case("viewed-country-3-letters", v(country="USA"), "country"),
    case("viewed-country-trailing-newline", v(country="US\n"), "country"),
    case(
        "verifier-country-lower-case", make_event("credential.verified", verifier={"country": "gb"}), "verifier.country"
    ),
    case(
        "verifier-country-3-letters", make_event("credential.verified", verifier={"country": "GBR"}), "verifier.country"
    ),
    # credential.viewed
    case("viewed-actor-missing", v(actor=DROP), "actor", "required"),
    case("viewed-actor-recruiter", v(actor="recruiter"), "actor"),
    case("viewed-actor-null", v(actor=None), "actor"),
    case("viewed-referrer-is-a-url", v(referrer_domain="https://linkedin.com/feed"), "referrer_domain"),
    case("viewed-referrer-trailing-newline", v(referrer_domain="linkedin.com\n"), "referrer_domain"),
    # credential.downloaded / shared / delivery_failed / revoked
    case("downloaded-format-missing", make_event("credential.downloaded", format=DROP), "format", "required"),
    case("downloaded-format-jpg", make_event("credential.downloaded", format="jpg"), "format"),
    case("downloaded-actor-invalid", make_event("credential.downloaded", actor="bot"), "actor"),
    case("shared-channel-missing", make_event("credential.shared", channel=DROP), "channel", "required"),
    case("shared-channel-tiktok", make_event("credential.shared", channel="tiktok"), "channel"),
    case("shared-channel-upper-case", make_event("credential.shared", channel="LinkedIn"), "channel"),
    case("delivery_failed-reason-mailbox_full", make_event("credential.delivery_failed", reason="full"), "reason"),
    case("revoked-reason-201-chars", make_event("credential.revoked", reason="r" * 201), "reason"),
    case("revoked-reason-empty", make_event("credential.revoked", reason=""), "reason"),
    # credential.verified / verification.outcome
    case("verified-verifier-missing", make_event("credential.verified", verifier=DROP), "verifier", "required"),
    case("verified-verifier-size-2-5", make_event("credential.verified", verifier={"size": "2-5"}), "verifier.size"),
    case(
        "verified-verifier-consent-string",
        make_event("credential.verified", verifier={"consent": "yes"}),
        "verifier.consent",
    ),
    case("verified-result-ok", make_event("credential.verified", result="ok"), "result"),
    case(
        "verification-id-missing",
        make_event("verification.outcome", verification_id=DROP),
        "verification_id",
        "required",
    ),
    case("verification-id-bad", make_event("verification.outcome", verification_id="v 1"), "verification_id"),
    case("verification-outcome-missing", make_event("verification.outcome", outcome=DROP), "outcome", "required"),
    case("verification-outcome-career-value", make_event("verification.outcome", outcome="promotion"), "outcome"),
    # recipient.feedback / outcome_reported / consent_changed
    case("rating-missing", make_event("recipient.feedback", rating=DROP), "rating", "required"),
    case("rating-0", make_event("recipient.feedback", rating=0), "rating"),
    case("rating-6", make_event("recipient.feedback", rating=6), "rating"),
    case("rating-string-5", make_event("recipient.feedback", rating="5"), "rating"),
    case("rating-4.5", make_event("recipient.feedback", rating=4.5), "rating"),
    case("rating-true", make_event("recipient.feedback", rating=True), "rating"),
    case("career-outcome-missing", make_event("recipient.outcome_reported", outcome=DROP), "outcome", "required"),
    case("career-outcome-verification-value", make_event("recipient.outcome_reported", outcome="hired"), "outcome"),
    case(
        "detailed_tracking-missing",
        make_event("recipient.consent_changed", detailed_tracking=DROP),
        "detailed_tracking",
        "required",
    ),
    case(
        "detailed_tracking-string",
        make_event("recipient.consent_changed", detailed_tracking="yes"),
        "detailed_tracking",
    ),
    case("detailed_tracking-1", make_event("recipient.consent_changed", detailed_tracking=1), "detailed_tracking"),
    # expiry
    case("renewed-expires_at-missing", make_event("credential.renewed", expires_at=DROP), "expires_at", "required"),
    case(
        "renewed-expires_at-without-offset",
        make_event("credential.renewed", expires_at="2028-01-01T00:00:00"),
        "expires_at",
    ),
    case(
        "issued-expires_at-before-occurred_at",
        make_event("credential.issued", occurred_at=at(10), expires_at=at(9)),
        "expires_at",
        "after",
    ),
    case(
        "issued-expires_at-equal-to-occurred_at",
        make_event("credential.issued", occurred_at=at(10, offset="+02:00"), expires_at="2026-01-10T08:00:00Z"),
        "expires_at",
        "after",
    ),
]


# issue 14 item 4: every timestamp has a valid range at the door
INVALID += [
    case(
        "issued-expires_at-year-9999-minus-14h",
        make_event("credential.issued", expires_at="9999-12-31T23:59:59-14:00"),
        "expires_at",
        "2200",
    ),
    case("issued-expires_at-2200", make_event("credential.issued", expires_at="2200-01-01T00:00:00Z"), "expires_at"),
    case(
        "renewed-expires_at-before-occurred_at",
        make_event("credential.renewed", occurred_at=at(10), expires_at=at(9)),
        "expires_at",
        "after",
    ),
    case("renewed-expires_at-2200", make_event("credential.renewed", expires_at="2200-01-01T00:00:00Z"), "expires_at"),
    # issue 14 item 10: msgspec reads an offset without its colon; RFC 3339 does not allow it
    case("occurred_at-offset-without-colon", v(occurred_at="2026-01-10T10:00:00+0000"), "occurred_at", "RFC 3339"),
    case(
        "renewed-expires_at-offset-without-colon",
        make_event("credential.renewed", expires_at="2030-06-30T23:59:59-0130"),
        "expires_at",
        "RFC 3339",
    ),
]

# issue 14 item 6: the personal-data screen, in every free-text field and anywhere in a string
STORED_KEYS = ["clientIp", "remoteIP", "xForwardedFor", "emailAddress", "userEmail", "ua"]
STORED_VALUES = [
    "Ann Smith <ann@example.org>",
    "a@x.org, b@y.org",
    "203.0.113.7:51234",
    "::ffff:203.0.113.7",
    "[2001:db8::1]:443",
]
FREE_TEXT = [  # (event type, field, override) for every free-text field of the contract
    ("credential.revoked", "reason", lambda text: {"reason": text}),
    ("credential.profile_added", "platform", lambda text: {"platform": text}),
    ("credential.verified", "verifier.industry", lambda text: {"verifier": {"industry": text}}),
    ("credential.verified", "verifier.organization", lambda text: {"verifier": {"organization": text}}),
    ("credential.issued", "program.name", lambda text: {"program": {"id": "p-1", "name": text}}),
    ("credential.issued", "program.department", lambda text: {"program": {"id": "p-1", "department": text}}),
    *[
        (
            "credential.issued",
            f"recipient.demographics.{name}",
            lambda text, name=name: {"recipient": {"id": "r-1", "demographics": {name: text}}},
        )
        for name in ("gender", "education_level", "employment_status")
    ],
]
INVALID += [
    *[
        case(f"properties-key-{key}", v(properties={key: "x"}), f"properties.{key}", "personal data")
        for key in STORED_KEYS
    ],
    *[
        case(f"properties-value-{n}", v(properties={"note": text}), "properties.note", "personal data")
        for n, text in enumerate(STORED_VALUES)
    ],
    case("properties-key-is-an-address", v(properties={"ann@example.org": 1}), "properties", "a key holds"),
    *[
        case(f"{field}-{n}", make_event(kind, **override(text)), field, "personal data")
        for kind, field, override in FREE_TEXT
        for n, text in enumerate(STORED_VALUES)
    ],
    *[
        case(f"{field}-unsafe-{n}", make_event(kind, **override(text)), field, "bidi")
        for kind, field, override in FREE_TEXT
        for n, text in enumerate(["Evil\u202egnp.exe", "tab\there", "nul\x00", "isolate\u2066x\u2069", "c1\x85"])
    ],
    case("referrer_domain-ip", v(actor="public", referrer_domain="203.0.113.7"), "referrer_domain", "IP address"),
    case("id-ip", v(id="203.0.113.7"), "id", "IP address"),
    case("credential_id-ipv6", v(credential_id="cred:2001:db8::1"), "credential_id", "IP address"),
    case("program.id-ip", make_event("program.enrolled", program={"id": "p-203.0.113.7"}), "program.id", "IP"),
    case(
        "verification_id-ip",
        make_event("verification.outcome", verification_id="::ffff:203.0.113.7"),
        "verification_id",
        "IP address",
    ),
]


def expected_id(event: Any) -> str | None:
    """The id a rejection names: the event's own id when it has a string one (capped at 128 chars)."""
    raw = event.get("id") if isinstance(event, dict) else None
    return raw[:128] if isinstance(raw, str) else None


@pytest.mark.parametrize(("event", "field", "reason_has"), INVALID)
def test_each_broken_rule_is_one_rejection_naming_the_field(
    decode: Any, event: dict[str, Any], field: str, reason_has: str
) -> None:
    rejection = only_rejection(decode(event))
    assert rejection.field == field
    assert rejection.position == POSITION
    assert rejection.id == expected_id(event)
    assert_readable(rejection)
    assert reason_has in rejection.reason
    assert rejection.describe().startswith(f"event #{POSITION}")


# --------------------------------------------------------------------------------------------------
# 3. batches: JSON arrays and NDJSON bodies
# --------------------------------------------------------------------------------------------------


def mixed_batch() -> list[dict[str, Any]]:
    """Five events, the ones at positions 1 and 3 invalid."""
    return [
        make_event("credential.issued"),
        make_event("credential.viewed", id="bad-actor", actor="recruiter"),
        make_event("credential.shared"),
        make_event("recipient.feedback", id="bad-rating", rating=9),
        make_event("program.enrolled"),
    ]


def assert_two_rejections(decoded: Decoded) -> None:
    named = [(r.position, r.id, r.field) for r in decoded.rejections]
    assert named == [(1, "bad-actor", "actor"), (3, "bad-rating", "rating")]
    assert decoded.positions == [0, 2, 4]


@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        pytest.param("application/json", to_body, id="json-array"),
        pytest.param("application/x-ndjson", lambda events: ndjson(*events), id="ndjson"),
        pytest.param("application/x-ndjson; charset=utf-8", lambda events: ndjson(*events), id="ndjson-with-charset"),
        pytest.param("application/json", lambda events: to_body(events).replace(b",{", b",\n  {"), id="pretty-array"),
    ],
)
def test_a_batch_reports_every_invalid_event_and_keeps_the_valid_ones(content_type: str, encode: Any) -> None:
    events = mixed_batch()
    decoded = decode_body(encode(events), content_type)
    assert_two_rejections(decoded)
    assert [e.id for e in decoded.events] == [events[0]["id"], events[2]["id"], events[4]["id"]]


def test_an_all_valid_batch_takes_the_fast_path_with_positions() -> None:
    events = [make_event(t) for t in EVENT_TYPES]
    decoded = decode_body(to_body(events), "application/json")
    assert decoded.rejections == []
    assert decoded.positions == list(range(len(EVENT_TYPES)))
    assert [e.id for e in decoded.events] == [e["id"] for e in events]


def test_an_empty_array_is_an_empty_batch() -> None:
    decoded = decode_body(b"[]", "application/json")
    assert (decoded.events, decoded.rejections) == ([], [])


def test_ndjson_blank_lines_and_crlf_are_ignored() -> None:
    first, second = make_event("credential.viewed"), make_event("credential.viewed")
    body = b"\n" + msgspec.json.encode(first) + b"\r\n\r\n   \n" + msgspec.json.encode(second) + b"\n\n"
    decoded = decode_body(body, "application/x-ndjson")
    assert decoded.rejections == []
    assert [e.id for e in decoded.events] == [first["id"], second["id"]]


def test_ndjson_positions_count_events_not_lines() -> None:
    """Positions are 0-based among the non-blank lines (documented choice; see the report)."""
    body = ndjson(make_event("credential.viewed"), b"", make_event("credential.viewed", id="late", actor=DROP))
    decoded = decode_body(body, "application/x-ndjson")
    assert [(r.position, r.id, r.field) for r in decoded.rejections] == [(1, "late", "actor")]


def test_an_element_that_is_not_an_object_is_a_rejection_not_a_crash() -> None:
    body = b"[" + msgspec.json.encode(make_event("credential.viewed")) + b', 3, "x", null, []]'
    decoded = decode_body(body, "application/json")
    assert len(decoded.events) == 1
    assert [(r.position, r.field, r.id) for r in decoded.rejections] == [
        (1, "event", None),
        (2, "event", None),
        (3, "event", None),
        (4, "event", None),
    ]
    for rejection in decoded.rejections:
        assert_readable(rejection)
        assert "object" in rejection.reason


def test_a_broken_ndjson_line_is_a_rejection_of_that_line_only() -> None:
    good = [make_event("credential.viewed"), make_event("credential.viewed")]
    body = ndjson(good[0], b'{"id": "half", "type": "credential.viewed",', good[1], b"not json at all")
    decoded = decode_body(body, "application/x-ndjson")
    assert [e.id for e in decoded.events] == [good[0]["id"], good[1]["id"]]
    assert decoded.positions == [0, 2]
    assert [(r.position, r.field) for r in decoded.rejections] == [(1, "event"), (3, "event")]
    for rejection in decoded.rejections:
        assert "not valid JSON" in rejection.reason


def _two_objects_on_one_line() -> bytes:
    a, b = make_event("credential.viewed"), make_event("credential.viewed")
    return msgspec.json.encode(a) + b"," + msgspec.json.encode(b) + b"\n"


def _one_object_split_over_two_lines() -> bytes:
    raw = msgspec.json.encode(make_event("credential.viewed", properties={"note": "@@"})).decode()
    head, tail = raw.split('"@@"')
    return f'{head}"\n"{tail}\n'.encode()  # two lines, neither of them a JSON document


@pytest.mark.parametrize(
    ("body", "broken_lines"),
    [
        pytest.param(_two_objects_on_one_line(), [0], id="two-comma-separated-objects-on-one-line"),
        pytest.param(_one_object_split_over_two_lines(), [0, 1], id="one-object-split-over-two-lines"),
    ],
)
def test_an_ndjson_line_must_be_one_json_document(body: bytes, broken_lines: list[int]) -> None:
    decoded = decode_body(body, "application/x-ndjson")
    assert len(decoded.events) == len(decoded.positions)
    assert [r.position for r in decoded.rejections] == broken_lines


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        pytest.param(b"", "application/json", "not valid JSON", id="empty-body"),
        pytest.param(b"hello", "application/json", "not valid JSON", id="not-json"),
        pytest.param(b"[{", "application/json", "not valid JSON", id="truncated-array"),
        pytest.param(
            msgspec.json.encode(make_event("credential.viewed")), "application/json", "JSON array", id="object"
        ),
        pytest.param(b"null", "application/json", "JSON array", id="null"),
        pytest.param(b'"events"', "application/json", "JSON array", id="string"),
        pytest.param(
            b"[" + b" " * (MAX_BATCH_BYTES - 1) + b"]", "application/json", "larger than", id="json-over-10-MiB"
        ),
        pytest.param(b"\n" * (MAX_BATCH_BYTES + 1), "application/x-ndjson", "larger than", id="ndjson-over-10-MiB"),
    ],
)
def test_an_unusable_body_is_a_batch_error(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(BatchError, match=message):
        decode_body(body, content_type)


def test_a_body_of_exactly_10_mib_is_not_refused_for_its_size() -> None:
    body = b"[" + b" " * (MAX_BATCH_BYTES - 2) + b"]"
    assert len(body) == MAX_BATCH_BYTES
    assert decode_body(body, "application/json").events == []


@pytest.fixture(scope="module")
def ten_thousand_events() -> list[dict[str, Any]]:
    return [make_event("credential.viewed") for _ in range(MAX_BATCH_EVENTS)]


@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        pytest.param("application/json", to_body, id="json-array"),
        pytest.param("application/x-ndjson", lambda events: ndjson(*events), id="ndjson"),
    ],
)
def test_the_event_limit_is_10000(content_type: str, encode: Any, ten_thousand_events: list[dict[str, Any]]) -> None:
    assert len(decode_body(encode(ten_thousand_events), content_type).events) == MAX_BATCH_EVENTS
    one_more = [*ten_thousand_events, make_event("credential.viewed")]
    with pytest.raises(BatchError, match=r"10001 events, more than 10000"):
        decode_body(encode(one_more), content_type)


# --------------------------------------------------------------------------------------------------
# 4. rows from files: CSV cells are strings
# --------------------------------------------------------------------------------------------------

CSV_STYLE = [
    pytest.param(make_event("recipient.feedback", rating="4"), "rating", 4, id="rating-4"),
    pytest.param(
        make_event("credential.verified", verifier={"consent": "true"}), "verifier.consent", True, id="consent"
    ),
    pytest.param(
        make_event("recipient.consent_changed", detailed_tracking="false"), "detailed_tracking", False, id="tracking"
    ),
]


@pytest.mark.parametrize(("row", "field", "value"), CSV_STYLE)
def test_rows_from_strings_accept_csv_cells(row: dict[str, Any], field: str, value: Any) -> None:
    decoded = convert_rows([(0, row)], from_strings=True)
    assert attr(accepted(decoded), field) == value


@pytest.mark.parametrize(("row", "field", "value"), CSV_STYLE)
def test_rows_not_from_strings_refuse_csv_cells(row: dict[str, Any], field: str, value: Any) -> None:
    rejection = only_rejection(convert_rows([(5, row)], from_strings=False))
    assert (rejection.position, rejection.id, rejection.field) == (5, row["id"], field)
    assert_readable(rejection)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        pytest.param(make_event("recipient.feedback", rating="9"), "rating", id="rating-9"),
        pytest.param(make_event("recipient.feedback", rating="four"), "rating", id="rating-four"),
        pytest.param(make_event("credential.verified", verifier={"consent": "maybe"}), "verifier.consent", id="maybe"),
        pytest.param(make_event("credential.viewed", actor="Owner"), "actor", id="actor-case"),
    ],
)
def test_rows_from_strings_still_apply_every_rule(row: dict[str, Any], field: str) -> None:
    rejection = only_rejection(convert_rows([(2, row)], from_strings=True))
    assert (rejection.position, rejection.field) == (2, field)


def test_a_row_that_is_not_a_mapping_is_a_rejection() -> None:
    decoded = convert_rows([(0, make_event("credential.viewed")), (1, None)])  # type: ignore[list-item]
    assert len(decoded.events) == 1
    assert [(r.position, r.field, r.id) for r in decoded.rejections] == [(1, "event", None)]


# issue 16: the credential's design is an object {id, name?} of credential.issued only
INVALID += [
    case("design-not-an-object", make_event("credential.issued", design="modern"), "design", "object"),
    case("design-id-missing", make_event("credential.issued", design={"name": "Modern"}), "design.id", "required"),
    case("design-id-bad", make_event("credential.issued", design={"id": "tpl modern"}), "design.id"),
    case("design-name-empty", make_event("credential.issued", design={"id": "tpl", "name": ""}), "design.name"),
    case(
        "design-name-personal",
        make_event("credential.issued", design={"id": "tpl", "name": "ada@example.org"}),
        "design.name",
        "personal data",
    ),
    case(
        "design-unknown-field",
        make_event("credential.issued", design={"id": "tpl", "colour": "red"}),
        "design.colour",
        "not a field",
    ),
    case("design-on-a-view", v(design={"id": "tpl"}), "design", "not a field"),
]
