"""The demo generator: deterministic, valid per events.md, calibrated, and realistic enough to judge."""

from __future__ import annotations

import collections
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from credlens.demo.generator import SCALES, generate, generate_single_issuer
from credlens.demo.profiles import DemoIssuer, demo_issuers, every_demo_issuer
from credlens.demo.rates import PUBLISHED
from credlens.insights.engine import run_for
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest

TODAY = dt.date(2026, 3, 1)
Event = dict[str, object]

# --- a small checker written from events.md (v1), independent of the ingestion code ----------------
ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
HOST = re.compile(r"^[a-z0-9.\-]+\.[a-z]{2,}$")
ENVELOPE = {"id", "type", "occurred_at", "credential_id", "properties"}
FIELDS: dict[str, tuple[set[str], set[str]]] = {  # type: (required extra fields, optional extra fields)
    "credential.issued": ({"program", "recipient"}, {"expires_at", "design"}),
    "program.enrolled": ({"program", "recipient"}, set()),
    "credential.delivered": (set(), set()),
    "credential.delivery_failed": (set(), {"reason"}),
    "credential.viewed": ({"actor"}, {"referrer_domain", "country"}),
    "credential.downloaded": ({"format"}, {"actor"}),
    "credential.shared": ({"channel"}, {"actor"}),
    "credential.profile_added": (set(), {"platform"}),
    "credential.referral_clicked": (set(), set()),
    "credential.verified": ({"verifier"}, {"result"}),
    "verification.outcome": ({"verification_id", "outcome"}, set()),
    "recipient.feedback": ({"rating"}, set()),
    "recipient.outcome_reported": ({"outcome"}, set()),
    "recipient.consent_changed": ({"recipient", "detailed_tracking"}, set()),
    "credential.renewed": ({"expires_at"}, set()),
    "credential.expired": (set(), set()),
    "credential.revoked": (set(), {"reason"}),
}
WITHOUT_CREDENTIAL = {"program.enrolled", "recipient.consent_changed"}
ACTOR = {"owner", "public"}
ENUMS: dict[str, dict[str, set[str]]] = {
    "credential.delivery_failed": {"reason": {"bounced", "invalid_address", "other"}},
    "credential.viewed": {"actor": ACTOR},
    "credential.downloaded": {"format": {"pdf", "png", "print_pdf", "other"}, "actor": ACTOR},
    "credential.shared": {
        "channel": {"linkedin", "x", "facebook", "email", "whatsapp", "link", "embed", "other"},
        "actor": ACTOR,
    },
    "credential.verified": {"result": {"valid", "expired", "revoked", "invalid"}},
    "verification.outcome": {"outcome": {"hired", "interviewed", "not_hired", "other"}},
    "recipient.outcome_reported": {"outcome": {"new_job", "promotion", "raise", "other"}},
}
KINDS = {"certificate", "badge"}
AGE_BANDS = {"<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"}
SIZES = {"1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+"}
PERSONAL_KEYS = {"ip", "ip_address", "user_agent", "cookie", "email", "name"}


def contract_problems(event: Event) -> list[str]:
    """Every way ``event`` breaks events.md; empty when it is valid."""
    type_ = str(event.get("type"))
    if type_ not in FIELDS:
        return [f"unknown type {type_!r}"]
    required, optional = FIELDS[type_]
    problems = [f"missing {f}" for f in required - event.keys()]
    problems += [f"unknown field {f}" for f in event.keys() - ENVELOPE - required - optional]
    problems += [f"null {k}" for k, v in event.items() if v is None]
    if not ID.match(str(event.get("id"))):
        problems.append("bad id")
    if not TIMESTAMP.match(str(event.get("occurred_at"))) or str(event["occurred_at"]) < "2000-01-01":
        problems.append("bad occurred_at")
    has_credential = isinstance(event.get("credential_id"), str) and ID.match(str(event["credential_id"]))
    if has_credential == (type_ in WITHOUT_CREDENTIAL):
        problems.append("credential_id required for credential events and absent otherwise")
    enums = ENUMS.get(type_, {})
    problems += [f"bad {key}" for key, allowed in enums.items() if key in event and event[key] not in allowed]
    if type_ == "credential.revoked" and not 1 <= len(str(event.get("reason", "x"))) <= 200:
        problems.append("bad revocation reason")
    return problems + _nested_problems(type_, event)


def _nested_problems(type_: str, event: Event) -> list[str]:
    problems = _program_problems(type_, event.get("program", {"id": "p"}))
    if "recipient" in event:
        problems += _recipient_problems(type_, event["recipient"])
    design = event.get("design", {"id": "d"})
    if not isinstance(design, dict) or design.keys() - {"id", "name"} or not ID.match(str(design.get("id"))):
        problems.append(f"bad design {design}")
    verifier = event.get("verifier", {"size": "1-10", "country": "US"})
    assert isinstance(verifier, dict)
    if verifier.keys() - {"consent", "organization", "industry", "size", "country"} or verifier["size"] not in SIZES:
        problems.append(f"bad verifier {verifier}")
    if ("organization" in verifier) != (verifier.get("consent") is True) or not COUNTRY.match(verifier["country"]):
        problems.append("verifier organization must come with consent only")
    expires = str(event.get("expires_at", "9999-12-31T00:00:00Z"))
    if not TIMESTAMP.match(expires) or expires <= str(event["occurred_at"]):
        problems.append("bad expires_at")
    if not COUNTRY.match(str(event.get("country", "US"))) or not HOST.match(str(event.get("referrer_domain", "a.io"))):
        problems.append("bad country or referrer_domain")
    if type(event.get("rating", 1)) is not int or event.get("rating", 1) not in range(1, 6):
        problems.append("bad rating")
    if type(event.get("detailed_tracking", True)) is not bool:
        problems.append("bad detailed_tracking")
    props = event.get("properties", {})
    if not isinstance(props, dict) or len(json.dumps(props)) > 4096 or props.keys() & PERSONAL_KEYS:
        problems.append("bad properties")
    return problems


def _program_problems(type_: str, program: object) -> list[str]:
    assert isinstance(program, dict)
    allowed = {"id", "name", "kind", "department"} if type_ == "credential.issued" else {"id"}
    if program.keys() - allowed or not ID.match(program["id"]) or program.get("kind", "badge") not in KINDS:
        return [f"bad program {program}"]
    return []


def _recipient_problems(type_: str, recipient: object) -> list[str]:
    assert isinstance(recipient, dict)
    extra = {"country", "demographics", "consent"} if type_ == "credential.issued" else set()
    problems = []
    if recipient.keys() - {"id", "email"} - extra or not ({"id", "email"} & recipient.keys()):
        problems.append(f"bad recipient {recipient}")
    if "email" in recipient and not re.match(r"^[^@\s]+@example\.(org|com|net)$", recipient["email"]):
        problems.append("recipient e-mail must be synthetic")
    if "country" in recipient and not COUNTRY.match(recipient["country"]):
        problems.append("bad recipient country")
    demographics = recipient.get("demographics", {})
    if demographics.keys() - {"gender", "age_band", "education_level", "employment_status"}:
        problems.append("bad demographics")
    if demographics.get("age_band", "18-24") not in AGE_BANDS:
        problems.append("bad age band")
    if recipient.get("consent", {"detailed_tracking": True}) not in (
        {"detailed_tracking": True},
        {"detailed_tracking": False},
    ):
        problems.append("bad consent")
    return problems


# --- fixtures ----------------------------------------------------------------------------------


def _collect(chunks: Iterator[tuple[str, list[Event]]]) -> dict[str, list[Event]]:
    by_issuer: dict[str, list[Event]] = collections.defaultdict(list)
    for slug, chunk in chunks:
        by_issuer[slug].extend(chunk)
    return dict(by_issuer)


@pytest.fixture(scope="module")
def small() -> dict[str, list[Event]]:
    return _collect(generate("small", seed=7, today=TODAY))


def _issued(events: list[Event]) -> dict[str, Event]:
    return {str(e["credential_id"]): e for e in events if e["type"] == "credential.issued"}


def _rate(events: list[Event], type_: str, **match: object) -> float:
    """Share of issued credentials with at least one such event (the cohort rates of metrics.md)."""
    issued = _issued(events)
    hits = {e["credential_id"] for e in events if e["type"] == type_ and all(e.get(k) == v for k, v in match.items())}
    return len(hits & issued.keys()) / len(issued)


def _field(event: Event, *path: str) -> object:
    """The value at a dotted path of nested objects (None when absent)."""
    value: object = event
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _holder(event: Event) -> str:
    return str(_field(event, "recipient", "email") or _field(event, "recipient", "id"))


# --- tests -------------------------------------------------------------------------------------


def test_generate_is_deterministic(small: dict[str, list[Event]]) -> None:
    again = _collect(generate("small", seed=7, today=TODAY))
    assert again == small
    other = next(generate("small", seed=8, today=TODAY))[1]
    assert other != small[next(iter(small))][: len(other)]


def test_demo_issuers_cover_distinct_industries() -> None:
    issuers = demo_issuers()
    assert len(issuers) >= 8
    assert len({i.industry for i in issuers}) == len(issuers)
    assert len({i.slug for i in issuers}) == len(issuers)
    assert len({i.timezone for i in issuers}) > 3
    assert len({round(i.size, 2) for i in issuers}) > 3  # one big, some small
    for issuer in issuers:
        assert 3 <= len(issuer.programs) <= 7
        assert sum(p.weight for p in issuer.programs) == pytest.approx(1.0)
    programs = [p for i in issuers for p in i.programs]
    assert {p.kind for p in programs} == {"certificate", "badge"}
    assert any(p.department for p in programs)
    assert any(p.validity_days for p in programs)


def test_generate_events_follow_the_contract(small: dict[str, list[Event]]) -> None:
    problems = [(e["id"], p) for events in small.values() for e in events for p in contract_problems(e)]
    assert problems[:5] == []


def test_generate_ids_are_unique_per_issuer(small: dict[str, list[Event]]) -> None:
    for events in small.values():
        assert len({e["id"] for e in events}) == len(events)
        issued = [e["credential_id"] for e in events if e["type"] == "credential.issued"]
        assert len(set(issued)) == len(issued)


def test_generate_nothing_after_today(small: dict[str, list[Event]]) -> None:
    stamps = [str(e["occurred_at"]) for events in small.values() for e in events]
    assert max(stamps) <= f"{TODAY.isoformat()}T23:59:59Z"
    assert min(stamps) >= "2000-01-01"
    # about three years of data, with recent activity in every issuer
    assert min(stamps) <= f"{TODAY.year - 3}-03-05"
    for events in small.values():
        assert any(str(e["occurred_at"]) >= (TODAY - dt.timedelta(days=30)).isoformat() for e in events)


def test_generate_default_today_is_never_in_the_future() -> None:
    issuer = demo_issuers()[-1]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    latest = max(str(e["occurred_at"]) for _, chunk in generate(issuers=(issuer,)) for e in chunk)
    assert latest <= now


def test_generate_covers_every_event_type(small: dict[str, list[Event]]) -> None:
    types = {e["type"] for events in small.values() for e in events}
    assert types == set(FIELDS)


def test_generate_small_scale_size(small: dict[str, list[Event]]) -> None:
    total = sum(len(events) for events in small.values())
    assert total == pytest.approx(SCALES["small"], rel=0.05)
    assert set(SCALES) == {"small", "medium", "large"}


@pytest.mark.parametrize("issuer", demo_issuers(), ids=lambda i: i.industry)
def test_generate_rates_match_published_industry_averages(small: dict[str, list[Event]], issuer: DemoIssuer) -> None:
    events = small[issuer.slug]
    view, share, referral = PUBLISHED[issuer.industry]
    assert _rate(events, "credential.viewed", actor="owner") == pytest.approx(view, abs=0.04)
    assert _rate(events, "credential.shared") == pytest.approx(share, abs=0.03)
    assert _rate(events, "credential.referral_clicked") == pytest.approx(referral, abs=0.025)
    assert _rate(events, "credential.delivered") == pytest.approx(0.99, abs=0.01)


def test_generate_advanced_program_is_shared_more_than_intro(small: dict[str, list[Event]]) -> None:
    events = small["iapm"]
    issued = _issued(events)
    by_program: dict[str, set[str]] = collections.defaultdict(set)
    for credential, event in issued.items():
        by_program[str(_field(event, "program", "id"))].add(credential)
    shared = {e["credential_id"] for e in events if e["type"] == "credential.shared"}

    def share_rate(program: str) -> float:
        return len(by_program[program] & shared) / len(by_program[program])

    assert share_rate("iapm-ppm") > 2 * share_rate("iapm-pdu-webinar")


def test_generate_verification_outcomes_reference_verifications(small: dict[str, list[Event]]) -> None:
    for events in small.values():
        verified = {e["id"]: e for e in events if e["type"] == "credential.verified"}
        outcomes = [e for e in events if e["type"] == "verification.outcome"]
        for outcome in outcomes:
            verification = verified[str(outcome["verification_id"])]
            assert outcome["credential_id"] == verification["credential_id"]
            assert str(outcome["occurred_at"]) >= str(verification["occurred_at"])
    verifications = [e for events in small.values() for e in events if e["type"] == "credential.verified"]
    consented = sum(_field(e, "verifier", "consent") is True for e in verifications) / len(verifications)
    assert consented == pytest.approx(0.25, abs=0.05)


def test_generate_recipients_hold_several_credentials_in_sequence(small: dict[str, list[Event]]) -> None:
    issued = sorted(_issued(small["lingua-viva"]).values(), key=lambda e: str(e["occurred_at"]))
    held: dict[str, list[str]] = collections.defaultdict(list)
    for event in issued:
        held[_holder(event)].append(str(_field(event, "program", "id")))
    assert sum(1 for programs in held.values() if len(programs) >= 2) > 50
    steps = collections.Counter((p[i], p[i + 1]) for p in held.values() for i in range(len(p) - 1))
    assert steps[("lv-spanish-a1", "lv-spanish-a2")] > steps[("lv-spanish-a2", "lv-spanish-a1")] + 10


def test_generate_recipients_carry_demographics_and_consent(small: dict[str, list[Event]]) -> None:
    issued = [e for events in small.values() for e in events if e["type"] == "credential.issued"]
    demographics = sum(_field(e, "recipient", "demographics") is not None for e in issued) / len(issued)
    tracking = sum(_field(e, "recipient", "consent", "detailed_tracking") is True for e in issued) / len(issued)
    assert demographics == pytest.approx(0.7, abs=0.05)
    assert tracking == pytest.approx(0.2, abs=0.05)
    changes = {
        e["detailed_tracking"] for events in small.values() for e in events if e["type"] == "recipient.consent_changed"
    }
    assert changes == {True, False}


def test_generate_single_issuer_sizes_and_chunks() -> None:
    chunks = list(generate_single_issuer(60_000, seed=3, today=TODAY, chunk_size=25_000))
    assert all(len(chunk) <= 25_000 for chunk in chunks)
    events = [e for chunk in chunks for e in chunk]
    assert len(events) == pytest.approx(60_000, rel=0.1)
    assert len({str(e["id"]).split("-")[0] for e in events}) == 1
    assert len({e["id"] for e in events}) == len(events)


def test_generate_rejects_an_unknown_scale() -> None:
    with pytest.raises(ValueError, match="unknown demo scale"):
        next(generate("huge"))


def test_generate_has_a_peer_group_for_benchmarks(small: dict[str, list[Event]]) -> None:
    # Launchpad and its 5 bootcamp peers each issue well over 50 credentials in the default 90 days
    # (metrics.md, Benchmarks: 5 peers of >= 50 make a release), and the main nine are unchanged
    bootcamps = [i for i in every_demo_issuer() if i.industry == "bootcamp"]
    assert len(bootcamps) == 6
    since = (TODAY - dt.timedelta(days=89)).isoformat()
    for issuer in bootcamps:
        recent = [e for e in small[issuer.slug] if e["type"] == "credential.issued" and str(e["occurred_at"]) >= since]
        assert len(recent) >= 60, issuer.slug
    assert every_demo_issuer()[: len(demo_issuers())] == demo_issuers()


def test_the_planted_design_difference_is_an_insight(small: dict[str, list[Event]], tmp_path: Path) -> None:
    """SkillStream's Python for Everyone in two designs, Modern shared 3× as often as Classic
    (demo/designs.py): design_effect finds it over the year to TODAY, and no other program has designs."""
    events = small["skillstream"]
    designs = {(e["program"]["id"], e["design"]["id"]) for e in events if "design" in e}  # type: ignore[index]
    assert designs == {("ss-python", "ss-classic"), ("ss-python", "ss-modern")}
    store = Warehouse(tmp_path / "data")
    issuer, _ = store.create_issuer("skillstream", "SkillStream", timezone="America/Los_Angeles")
    assert ingest(store, issuer, events).rejections == []
    window = {"date_from": (TODAY - dt.timedelta(days=364)).isoformat(), "date_to": TODAY.isoformat()}
    found = run_for(issuer, store.tables(issuer.issuer_id), **window)["insights"]
    design = [(i["subject"], i["metric"], i["direction"]) for i in found if i["kind"] == "design_effect"]
    assert ({"program": "ss-python", "design": "ss-modern"}, "share_rate", "above") in design
    share = next(i for i in found if i["kind"] == "design_effect" and i["metric"] == "share_rate")
    ratio = share["evidence"]["value"] / share["evidence"]["reference"]
    assert 2 < ratio < 6, share["finding"]  # planted 3
    store.close()
