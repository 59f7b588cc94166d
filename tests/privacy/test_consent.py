"""A recipient's timeline is shown only while they consent to detailed tracking; the latest consent wins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from credlens.domain.issuers import Issuer
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import ingest_decoded
from credlens.privacy.consent import REFUSAL, ConsentRequired, detailed_tracking, opted_in_count, recipient_timeline
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.people import ANN, ANN_EMAIL, BOB, BOB_EARNER_ID, ann_events, ann_late_issuance, bob_events


def consent(event_id: str, who: dict[str, str], at: str, tracking: bool) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "recipient.consent_changed",
        "occurred_at": at,
        "recipient": who,
        "detailed_tracking": tracking,
    }


@pytest.fixture
def people(warehouse: Warehouse, issuer: Issuer) -> Warehouse:
    ingest(warehouse, issuer, ann_events() + bob_events() + ann_late_issuance())
    return warehouse


def keys(store: Warehouse, issuer: Issuer) -> tuple[str, str]:
    ann = store.recipient_key(issuer.issuer_id, email=ANN_EMAIL)
    return ann, store.recipient_key(issuer.issuer_id, earner_id=BOB_EARNER_ID)


def test_a_consenting_recipients_timeline_in_time_order(people: Warehouse, issuer: Issuer) -> None:
    _, bob = keys(people, issuer)
    timeline = recipient_timeline(people.tables(issuer.issuer_id), bob)
    assert [(c["credential_id"], c["program_id"], c["owner_views"]) for c in timeline.credentials] == [
        ("bob-cred-gamma", "p1", 1)
    ]
    assert [e["event_id"] for e in timeline.events] == [
        "bob-evt-enrol",
        "bob-evt-issue",
        "bob-evt-view",
        "bob-evt-share",
        "bob-evt-verify",
        "bob-evt-hired",
        "bob-evt-promo",
    ]  # never someone else's, never the unissued credential's view
    assert timeline.events[4]["verifier_organization"] == "Bob Employer Org"  # he consented to being named
    assert "recipient_key" not in timeline.events[0]
    assert "age_band" not in timeline.events[1]  # demographics stay out of the timeline


def test_a_withdrawn_or_absent_consent_is_refused_with_a_reason(people: Warehouse, issuer: Issuer) -> None:
    ann, _ = keys(people, issuer)
    tables = people.tables(issuer.issuer_id)
    for key in (ann, "no-such-recipient"):  # Ann opted in on issuance, then out on 2026-01-08
        with pytest.raises(ConsentRequired) as refused:
            recipient_timeline(tables, key)
        assert refused.value.reason == REFUSAL


def test_opting_in_again_shows_both_credentials(people: Warehouse, issuer: Issuer) -> None:
    ingest(people, issuer, [consent("ann-evt-again", ANN, "2026-01-20T00:00:00Z", tracking=True)])
    ann, _ = keys(people, issuer)
    timeline = recipient_timeline(people.tables(issuer.issuer_id), ann)
    assert [c["credential_id"] for c in timeline.credentials] == ["ann-cred-alpha", "ann-cred-beta"]
    assert len(timeline.events) == 12  # her 11 events and the new consent
    assert timeline.events[-1]["event_id"] == "ann-evt-again"
    assert [e["occurred_at"] for e in timeline.events] == sorted(e["occurred_at"] for e in timeline.events)


def test_a_withdrawal_counts_before_it_is_folded(people: Warehouse, issuer: Issuer) -> None:
    _, bob = keys(people, issuer)
    withdrawal = [consent("bob-evt-out", BOB, "2026-02-01T00:00:00Z", tracking=False)]
    ingest_decoded(people, issuer, convert_rows(list(enumerate(withdrawal))), fold=False)
    folded = people.cursor().execute("SELECT detailed_tracking FROM recipients WHERE recipient_key = ?", [bob])
    assert folded.fetchall() == [(True,)]  # the recipients row does not know yet
    with pytest.raises(ConsentRequired):
        recipient_timeline(people.tables(issuer.issuer_id), bob)


def test_consents_at_the_same_instant_are_ordered_by_event_id_like_the_fold(people: Warehouse, issuer: Issuer) -> None:
    _, bob = keys(people, issuer)
    same = "2026-02-01T00:00:00Z"
    ingest(people, issuer, [consent("bob-z", BOB, same, tracking=True), consent("bob-a", BOB, same, tracking=False)])
    tables = people.tables(issuer.issuer_id)
    assert detailed_tracking(tables, bob) is True  # "bob-z" > "bob-a"
    folded = people.cursor().execute(
        "SELECT detailed_tracking, consent_src FROM recipients WHERE recipient_key = ?", [bob]
    )
    assert folded.fetchall() == [(True, "bob-z")]


def test_opted_in_count(people: Warehouse, issuer: Issuer) -> None:
    assert opted_in_count(people.tables(issuer.issuer_id)) == 1  # Bob; Ann opted out
    assert people.opted_in_count(issuer.issuer_id) == 1
    ingest(people, issuer, [consent("ann-evt-again", ANN, "2026-01-20T00:00:00Z", tracking=True)])
    assert people.opted_in_count(issuer.issuer_id) == 2


def test_a_shown_timeline_is_audited_never_whose(people: Warehouse, issuer: Issuer) -> None:
    ann, bob = keys(people, issuer)
    people.recipient_timeline(issuer.issuer_id, bob, actor="user:staff@acme.example")
    with pytest.raises(ConsentRequired):
        people.recipient_timeline(issuer.issuer_id, ann, actor="user:staff@acme.example")
    (entry,) = people.audit_entries(issuer.issuer_id)
    assert (entry.actor, entry.action, entry.detail) == ("user:staff@acme.example", "recipient.timeline_viewed", None)
    assert entry.at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
