"""Two recipients of one issuer with a bit of every event, for the erasure, retention and consent tests.

Ann (by e-mail) holds two credentials: `ann-cred-alpha` issued with her consent, and `ann-cred-beta`
whose public view arrives before its issuance (the fold's late attribution). Bob (by earner id)
holds `bob-cred-gamma`; his issuance and verification fall on the same issuer-local day and `daily`
key as Ann's, so erasing Ann must leave those `daily` rows at 1. `nobody-cred` is never issued.
"""

from __future__ import annotations

from typing import Any

ANN_EMAIL = "Ann.Example@Example.org"
BOB_EARNER_ID = "E-7"
ANN = {"email": ANN_EMAIL}
BOB = {"id": BOB_EARNER_ID}


def verified(event_id: str, credential: str, at: str, organization: str) -> dict[str, Any]:
    verifier = {"consent": True, "organization": organization, "industry": "finance", "size": "51-200", "country": "DE"}
    return on(credential, event_id, "credential.verified", at, verifier=verifier)


def on(credential: str, event_id: str, type_: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"id": event_id, "type": type_, "occurred_at": at, "credential_id": credential, **fields}


def ann_events() -> list[dict[str, Any]]:
    """Ann's events in one batch (the late issuance of ann-cred-beta is `ann_late_issuance`)."""
    return [
        {
            "id": "ann-evt-enrol",
            "type": "program.enrolled",
            "occurred_at": "2026-01-01T09:00:00Z",
            "program": {"id": "p1"},
            "recipient": ANN,
        },
        {
            "id": "ann-evt-issue",
            "type": "credential.issued",
            "occurred_at": "2026-01-02T03:00:00Z",  # 2026-01-01 in New York
            "credential_id": "ann-cred-alpha",
            "program": {"id": "p1", "name": "Intro"},
            "recipient": ANN
            | {"country": "FR", "demographics": {"age_band": "25-34"}, "consent": {"detailed_tracking": True}},
        },
        on("ann-cred-alpha", "ann-evt-view", "credential.viewed", "2026-01-03T10:00:00Z", actor="owner"),
        on(
            "ann-cred-alpha",
            "ann-evt-share",
            "credential.shared",
            "2026-01-04T10:00:00Z",
            channel="linkedin",
            properties={"note": "ann-private-note"},
        ),
        verified("ann-evt-verify", "ann-cred-alpha", "2026-01-05T10:00:00Z", "Ann Employer Org"),
        on(
            "ann-cred-alpha",
            "ann-evt-hired",
            "verification.outcome",
            "2026-01-06T10:00:00Z",
            verification_id="ann-evt-verify",
            outcome="hired",
        ),
        on("ann-cred-alpha", "ann-evt-newjob", "recipient.outcome_reported", "2026-01-07T10:00:00Z", outcome="new_job"),
        on("ann-cred-alpha", "ann-evt-rating", "recipient.feedback", "2026-01-07T11:00:00Z", rating=5),
        {
            "id": "ann-evt-consent",
            "type": "recipient.consent_changed",
            "occurred_at": "2026-01-08T10:00:00Z",
            "recipient": {"email": " ann.example@example.org "},  # normalized: the same key
            "detailed_tracking": False,
        },
        on("ann-cred-beta", "ann-evt-public", "credential.viewed", "2026-01-10T10:00:00Z", actor="public"),
    ]


def ann_late_issuance() -> list[dict[str, Any]]:
    return [
        {
            "id": "ann-evt-issue2",
            "type": "credential.issued",
            "occurred_at": "2026-01-09T10:00:00Z",
            "credential_id": "ann-cred-beta",
            "program": {"id": "p2", "name": "Advanced", "kind": "badge"},
            "recipient": ANN,
        }
    ]


def bob_events() -> list[dict[str, Any]]:
    return [
        {
            "id": "bob-evt-enrol",
            "type": "program.enrolled",
            "occurred_at": "2026-01-01T09:30:00Z",
            "program": {"id": "p1"},
            "recipient": BOB,
        },
        {
            "id": "bob-evt-issue",
            "type": "credential.issued",
            "occurred_at": "2026-01-02T04:00:00Z",  # the same New York day as Ann's issuance
            "credential_id": "bob-cred-gamma",
            "program": {"id": "p1"},
            "recipient": BOB | {"consent": {"detailed_tracking": True}},
        },
        on("bob-cred-gamma", "bob-evt-view", "credential.viewed", "2026-01-03T12:00:00Z", actor="owner"),
        on(
            "bob-cred-gamma",
            "bob-evt-share",
            "credential.shared",
            "2026-01-04T12:00:00Z",
            channel="x",
            properties={"note": "bob-visible-note"},
        ),
        verified("bob-evt-verify", "bob-cred-gamma", "2026-01-05T12:00:00Z", "Bob Employer Org"),
        on(
            "bob-cred-gamma",
            "bob-evt-hired",
            "verification.outcome",
            "2026-01-06T12:00:00Z",
            verification_id="bob-evt-verify",
            outcome="interviewed",
        ),
        on(
            "bob-cred-gamma", "bob-evt-promo", "recipient.outcome_reported", "2026-01-07T12:00:00Z", outcome="promotion"
        ),
        on("nobody-cred", "nobody-evt-view", "credential.viewed", "2026-01-08T12:00:00Z", actor="public"),
    ]


ANN_CREDENTIALS = ("ann-cred-alpha", "ann-cred-beta")
ANN_EVENT_IDS = tuple(e["id"] for e in ann_events() + ann_late_issuance())
BOB_EVENT_IDS = tuple(e["id"] for e in bob_events())
