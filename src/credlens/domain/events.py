"""The event contract of docs/ingestion.md (v1) as msgspec Structs: one Struct per event type.

Decoding into these types *is* the validation: msgspec checks field names (unknown fields are
refused), types, enums and patterns, and ``__post_init__`` checks the cross-field rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

import msgspec

from credlens.domain import screen

# NOTE: \Z, not $: Python's $ also matches before a final newline, which would let "id\n" through.
ID_PATTERN = r"^[A-Za-z0-9._:\-]{1,128}\Z"
Id = Annotated[str, msgspec.Meta(pattern=ID_PATTERN)]
Country = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}\Z")]
Timestamp = Annotated[dt.datetime, msgspec.Meta(tz=True)]
Domain = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9.\-]{1,253}\Z")]
# Free text (names, labels, reasons): no control characters or bidi overrides (screen.py), and no
# e-mail or IP address anywhere in it (screen_text, from the __post_init__ of the Struct holding it).
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=screen.SAFE_TEXT_PATTERN)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=screen.SAFE_TEXT_PATTERN)]

Kind = Literal["certificate", "badge"]
Actor = Literal["owner", "public"]
Channel = Literal["linkedin", "x", "facebook", "email", "whatsapp", "link", "embed", "other"]
CHANNELS: tuple[str, ...] = ("linkedin", "x", "facebook", "email", "whatsapp", "link", "embed", "other")
Format = Literal["pdf", "png", "print_pdf", "other"]
DeliveryFailure = Literal["bounced", "invalid_address", "other"]
VerifierSize = Literal["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"]
VerificationResult = Literal["valid", "expired", "revoked", "invalid"]
VerificationOutcome = Literal["hired", "interviewed", "not_hired", "other"]
CareerOutcome = Literal["new_job", "promotion", "raise", "other"]
AgeBand = Literal["<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]

# The valid range of every timestamp (docs/ingestion.md, "Timestamps"): occurred_at in
# [EARLIEST, now + FUTURE_TOLERANCE]; expires_at after occurred_at and before LATEST_EXPIRY, far
# inside what Python, Arrow, DuckDB and browsers represent (year 9999 with a -14:00 offset is year
# 10000 in UTC, which broke every page showing it) and beyond any real credential's validity.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
LATEST_EXPIRY = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
PROPERTIES_MAX_BYTES = 4096
PROPERTIES_MAX_DEPTH = 8  # levels of objects and lists, `properties` itself the first; deeper is refused


# What RFC 3339 (section 5.6) allows, of what msgspec's parser accepts: msgspec also takes an offset
# without its colon (`+0000`), which RFC 3339 does not; the door refuses it (decode.py).
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)\Z")
TIMESTAMP_FIELDS = ("occurred_at", "expires_at")
NOT_RFC3339 = "is not an RFC 3339 timestamp: write the offset as Z or ±HH:MM (not ±HHMM)"


def timestamp_fault(event: Any) -> tuple[str, str] | None:
    """The first timestamp field of a parsed event that msgspec reads but RFC 3339 does not allow."""
    if isinstance(event, Mapping):
        for name in TIMESTAMP_FIELDS:
            value = event.get(name)
            if isinstance(value, str) and not RFC3339.match(value):
                return name, NOT_RFC3339
    return None


FIELD_SEPARATOR = "\x1f"  # between field and reason inside msgspec's message; never in a real field path


class EventError(ValueError):
    """A rule of docs/ingestion.md broken by one event; ``field`` is the dotted path inside the event."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}{FIELD_SEPARATOR}{reason}")
        self.field = field
        self.reason = reason


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every nested object: unknown fields are refused so a typo cannot lose data."""


def screen_text(struct: object, names: tuple[str, ...]) -> None:
    """Refuse the first of these free-text fields that holds personal data or unsafe characters."""
    for name in names:
        value = getattr(struct, name)
        # NOTE: control characters and bidi overrides are refused by the type's pattern already
        if value is not None and screen.personal_value(value):
            raise EventError(name, screen.PERSONAL)


def screen_id(struct: object, names: tuple[str, ...]) -> None:
    """Ids are opaque, but their alphabet lets an IP address through (``203.0.113.7``): refused too."""
    for name in names:
        value = getattr(struct, name)
        # NOTE: an id without "." or ":" holds no address; most ids skip the function call
        if value is not None and ("." in value or ":" in value) and screen.personal_value(value):
            raise EventError(name, "holds an IP address; " + screen.PERSONAL)


class Demographics(Strict):
    gender: Label | None = None
    age_band: AgeBand | None = None
    education_level: Label | None = None
    employment_status: Label | None = None

    def __post_init__(self) -> None:
        screen_text(self, ("gender", "education_level", "employment_status"))


class Consent(Strict):
    detailed_tracking: bool = False


class RecipientRef(Strict):
    """A person as the issuer knows them; turned into a pseudonymous key at ingestion."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=256)] | None = None
    email: Annotated[str, msgspec.Meta(pattern=r"^\s*[^@\s]+@[^@\s]+\s*\Z", max_length=320)] | None = None

    def __post_init__(self) -> None:
        if self.id is None and self.email is None:
            raise EventError("id", "one of `id` or `email` is required")


class IssuedRecipient(RecipientRef):
    country: Country | None = None
    demographics: Demographics | None = None
    consent: Consent | None = None


class ProgramRef(Strict):
    id: Id

    def __post_init__(self) -> None:
        screen_id(self, ("id",))


class IssuedProgram(ProgramRef):
    name: Label | None = None
    kind: Kind = "certificate"
    department: Label | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        screen_text(self, ("name", "department"))


class Design(Strict):
    """The certificate or badge template a credential was issued with (docs/ingestion.md): its designs
    are compared on view, share and profile-add rates (docs/insights.md, design_effect)."""

    id: Id
    name: Label | None = None

    def __post_init__(self) -> None:
        screen_id(self, ("id",))
        screen_text(self, ("name",))


class Verifier(Strict):
    consent: bool = False
    organization: Label | None = None
    industry: Label | None = None
    size: VerifierSize | None = None
    country: Country | None = None

    def __post_init__(self) -> None:
        screen_text(self, ("organization", "industry"))


class Event(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    """The envelope shared by every event type."""

    needs_credential: ClassVar[bool] = True

    id: Id
    occurred_at: Timestamp
    credential_id: Id | None = None
    properties: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        check_envelope(self)


class CredentialIssued(Event, tag="credential.issued"):
    program: IssuedProgram
    recipient: IssuedRecipient
    expires_at: Timestamp | None = None
    design: Design | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.expires_at is not None:
            check_expiry(self.expires_at, self.occurred_at)


class ProgramEnrolled(Event, tag="program.enrolled"):
    needs_credential: ClassVar[bool] = False
    program: ProgramRef
    recipient: RecipientRef


class CredentialDelivered(Event, tag="credential.delivered"):
    pass


class CredentialDeliveryFailed(Event, tag="credential.delivery_failed"):
    reason: DeliveryFailure = "other"


class CredentialViewed(Event, tag="credential.viewed"):
    actor: Actor
    referrer_domain: Domain | None = None
    country: Country | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.referrer_domain is not None and screen.personal_value(self.referrer_domain):
            raise EventError("referrer_domain", "is an IP address; " + screen.PERSONAL)


class CredentialDownloaded(Event, tag="credential.downloaded"):
    format: Format
    actor: Actor = "owner"


class CredentialShared(Event, tag="credential.shared"):
    channel: Channel
    actor: Actor = "owner"


class CredentialProfileAdded(Event, tag="credential.profile_added"):
    platform: Label = "linkedin"

    def __post_init__(self) -> None:
        super().__post_init__()
        screen_text(self, ("platform",))


class CredentialReferralClicked(Event, tag="credential.referral_clicked"):
    pass


class CredentialAccepted(Event, tag="credential.accepted"):
    """The recipient claimed the credential on the issuing platform (Credly's "accepted"): a decision
    to keep it, not a view of it, so it is neither `credential.viewed` nor `credential.delivered`."""


class CredentialDeclined(Event, tag="credential.declined"):
    """The recipient refused the credential on the issuing platform (Credly's "rejected")."""


class CredentialVerified(Event, tag="credential.verified"):
    verifier: Verifier
    result: VerificationResult = "valid"


class VerificationOutcomeReported(Event, tag="verification.outcome"):
    verification_id: Id
    outcome: VerificationOutcome

    def __post_init__(self) -> None:
        super().__post_init__()
        screen_id(self, ("verification_id",))


class RecipientFeedback(Event, tag="recipient.feedback"):
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]


class RecipientOutcomeReported(Event, tag="recipient.outcome_reported"):
    outcome: CareerOutcome


class RecipientConsentChanged(Event, tag="recipient.consent_changed"):
    needs_credential: ClassVar[bool] = False
    recipient: RecipientRef
    detailed_tracking: bool


class CredentialRenewed(Event, tag="credential.renewed"):
    expires_at: Timestamp

    def __post_init__(self) -> None:
        super().__post_init__()
        check_expiry(self.expires_at, self.occurred_at)


class CredentialExpired(Event, tag="credential.expired"):
    pass


class CredentialRevoked(Event, tag="credential.revoked"):
    reason: ShortText | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        screen_text(self, ("reason",))


AnyEvent = (
    CredentialIssued
    | ProgramEnrolled
    | CredentialDelivered
    | CredentialDeliveryFailed
    | CredentialViewed
    | CredentialDownloaded
    | CredentialShared
    | CredentialProfileAdded
    | CredentialReferralClicked
    | CredentialAccepted
    | CredentialDeclined
    | CredentialVerified
    | VerificationOutcomeReported
    | RecipientFeedback
    | RecipientOutcomeReported
    | RecipientConsentChanged
    | CredentialRenewed
    | CredentialExpired
    | CredentialRevoked
)
EVENT_TYPES: dict[str, type[Event]] = {str(cls.__struct_config__.tag): cls for cls in AnyEvent.__args__}


def check_envelope(event: Event) -> None:
    """The envelope rules msgspec's types cannot say: time bounds, credential scope, properties."""
    occurred = event.occurred_at
    if occurred < EARLIEST:
        raise EventError("occurred_at", "is before 2000-01-01")
    if occurred > dt.datetime.now(dt.UTC) + FUTURE_TOLERANCE:
        raise EventError("occurred_at", "is more than 5 minutes in the future")
    for name, value in (("id", event.id), ("credential_id", event.credential_id)):
        # NOTE: inline screen_id (once per event): an id without "." or ":" holds no address
        if value is not None and ("." in value or ":" in value) and screen.personal_value(value):
            raise EventError(name, "holds an IP address; " + screen.PERSONAL)
    if event.needs_credential and event.credential_id is None:
        raise EventError("credential_id", "is required for this event type")
    if not event.needs_credential and event.credential_id is not None:
        raise EventError("credential_id", "is not allowed for this event type")
    if event.properties is not None:
        check_properties(event.properties)


def check_expiry(expires: dt.datetime, occurred: dt.datetime) -> None:
    """An expiry lies after the event that sets it and before LATEST_EXPIRY (see above)."""
    if expires <= occurred:
        raise EventError("expires_at", "must be after occurred_at")
    if expires >= LATEST_EXPIRY:
        raise EventError("expires_at", "must be before 2200-01-01T00:00:00Z")


def check_properties(properties: dict[str, Any]) -> None:
    """At most 4 KiB serialized and PROPERTIES_MAX_DEPTH deep, and no personal data in any key or string.

    properties are free-form and never interpreted (docs/ingestion.md), so they cannot be an allow-list; but
    privacy.md forbids storing IPs, user agents, cookies and e-mail addresses anywhere: keys naming
    them in any spelling (``clientIp``, ``User-Agent``, ``x-forwarded-for``) and keys or strings
    holding an e-mail or IP address anywhere in them are refused (screen.py).
    """
    stack: list[tuple[str, Any, int]] = [("properties", properties, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, dict | list) and depth >= PROPERTIES_MAX_DEPTH:
            raise EventError(path, f"is nested deeper than {PROPERTIES_MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                if screen.personal_value(key):  # NOTE: the field names the parent, not the address
                    raise EventError(path, "a key holds an e-mail or IP address; " + screen.PERSONAL)
                if screen.personal_key(key):
                    raise EventError(f"{path}.{key}", screen.PERSONAL + " (nor a key naming it)")
                stack.append((f"{path}.{key}", item, depth + 1))
        elif isinstance(value, list):
            stack.extend((path, item, depth + 1) for item in value)
        elif isinstance(value, str) and screen.personal_value(value):
            raise EventError(path, screen.PERSONAL)
    if len(msgspec.json.encode(properties)) > PROPERTIES_MAX_BYTES:
        raise EventError("properties", f"is larger than {PROPERTIES_MAX_BYTES} bytes serialized")
