"""Programs, recipients and market-demand metrics on a hand-built event set, answers worked out in comments.

The issuer is in Berlin: an event at 2026-01-31 23:30 UTC happens on 1 February there, so it is
outside January's activity but still part of the January cohort's history. Events are shuffled,
re-sent, and include orphans of credentials never issued.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from credlens.domain.issuers import Issuer
from credlens.domain.query import parse_query
from credlens.metrics.runner import run
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest

BERLIN = "Europe/Berlin"
LATE_JAN_31 = "2026-01-31T23:30:00Z"  # 1 February, 00:30 in Berlin
PROGRAMS = {
    "p1": {"id": "p1", "name": "Data", "kind": "certificate", "department": "Tech"},
    "p2": {"id": "p2", "name": "Design", "kind": "badge", "department": "Arts"},
    "p3": {"id": "p3", "name": "Cloud", "kind": "certificate", "department": "Tech"},
}


class Events:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.items: list[dict[str, Any]] = []

    def add(self, kind: str, when: str, credential: str | None = None, **fields: Any) -> None:
        event = {"id": f"{self.prefix}{len(self.items)}", "type": kind, "occurred_at": when, **fields}
        if credential is not None:
            event["credential_id"] = credential
        self.items.append(event)

    def issue(self, credential: str, when: str, person: str, program: str, **recipient: Any) -> None:
        self.add(
            "credential.issued",
            when,
            credential,
            program=PROGRAMS[program],
            recipient={"email": f"{person}@example.org", **recipient},
        )


def day(month: int, d: int, year: int = 2026) -> str:
    return f"{year}-{month:02d}-{d:02d}T12:00:00Z"


def portfolio_events() -> list[dict[str, Any]]:
    ev = Events("pf-")
    ev.issue("c1", day(1, 5), "alice", "p1")
    ev.issue("c2", day(1, 6), "bob", "p1")
    ev.issue("c3", day(1, 7), "carol", "p1")
    ev.issue("c4", day(1, 8), "dan", "p1")
    ev.issue("c5", day(1, 20), "alice", "p2")
    ev.issue("c6", day(12, 10, 2025), "bob", "p2")  # before the window: held, not in the cohort
    ev.issue("c7", day(2, 10), "alice", "p3")  # after the window: not held at its end
    ev.add("credential.viewed", day(1, 6), "c1", actor="owner")
    ev.add("credential.viewed", day(1, 7), "c2", actor="owner")
    ev.add("credential.viewed", day(1, 21), "c5", actor="owner")
    ev.add("credential.viewed", day(1, 9), "c3", actor="public")  # public: not an open
    ev.add("credential.shared", day(1, 10), "c1", channel="linkedin")
    ev.add("credential.shared", day(1, 12), "c2", channel="email")
    ev.add("credential.shared", day(1, 15), "c6", channel="linkedin")  # activity counts c6, the cohort does not
    ev.add("credential.shared", LATE_JAN_31, "c3", channel="x")  # February in Berlin; c3 is still "shared"
    ev.add("credential.shared", day(1, 15), "ghost", channel="linkedin")  # orphan: counts nowhere
    ev.add("credential.profile_added", day(1, 11), "c1")
    verifier = {"industry": "finance", "size": "51-200", "country": "DE"}
    ev.add("credential.verified", day(1, 8), "c1", verifier=verifier)
    ev.add("credential.verified", day(1, 9), "c1", verifier={**verifier, "country": "FR"})
    ev.add("credential.verified", day(1, 13), "c3", verifier={"industry": "tech", "size": "11-50", "country": "DE"})
    ev.add("credential.verified", day(1, 20), "c6", verifier=verifier)
    ev.add("credential.verified", day(1, 27), "c2", verifier={})
    ev.add("credential.verified", day(1, 27), "ghost", verifier=verifier)  # orphan
    ev.add("recipient.feedback", day(1, 12), "c1", rating=5)
    ev.add("recipient.feedback", day(1, 13), "c2", rating=3)
    ev.add("recipient.feedback", day(1, 22), "c5", rating=4)
    ev.add("recipient.feedback", day(1, 16), "c6", rating=1)  # activity: counts in January's feedback
    ev.add("recipient.feedback", LATE_JAN_31, "c1", rating=2)  # February activity, January cohort
    for person, program in [("alice", "p1"), ("bob", "p1"), ("carol", "p1"), ("erin", "p1"), ("alice", "p3")]:
        ev.add("program.enrolled", day(1, 2), program={"id": program}, recipient={"email": f"{person}@example.org"})
    ev.add("program.enrolled", day(1, 3), program={"id": "p1"}, recipient={"email": "alice@example.org"})  # again
    return ev.items


@pytest.fixture
def berlin(warehouse: Warehouse) -> Issuer:
    issuer, _ = warehouse.create_issuer("berlin", "Berlin Academy", timezone=BERLIN)
    events = portfolio_events()
    random.Random(3).shuffle(events)
    for start in range(0, len(events), 7):
        assert ingest(warehouse, issuer, events[start : start + 7]).rejections == []
    assert ingest(warehouse, issuer, events[:10]).duplicates == 10
    return issuer


def january(**kwargs: Any) -> Any:
    return parse_query(
        "berlin", BERLIN, date_from="2026-01-01", date_to="2026-01-31", today=dt.date(2026, 6, 1), **kwargs
    )


def metrics(warehouse: Warehouse, issuer: Issuer, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = run(january(**kwargs), warehouse.tables(issuer.issuer_id))
    return result


def test_program_rows(warehouse: Warehouse, berlin: Issuer) -> None:
    m = metrics(warehouse, berlin)["metrics"]
    rows = {row["key"]: row for row in m["programs"]["rows"]}
    assert list(rows) == ["p1", "p2", "p3"]  # largest issued first; p3 issued nothing in January
    p1, p2, p3 = rows["p1"], rows["p2"], rows["p3"]
    # p1: c1..c4 issued; opened c1, c2; shared c1, c2, c3 (c3 on 1 February in Berlin: cohort semantics);
    # profile c1; verified c1, c2, c3 with 4 verification events (c1 twice)
    assert (p1["name"], p1["kind"], p1["department"]) == ("Data", "certificate", "Tech")
    assert (p1["issued"], p1["value"], p1["view_rate"], p1["share_rate"]) == (4, 4, 0.5, 0.75)
    assert (p1["profile_add_rate"], p1["verification_rate"]) == (0.25, 0.75)
    assert (p1["shared_linkedin"], p1["share_rate_linkedin"]) == (1, 0.25)  # c1 on LinkedIn (c6 is December's)
    assert p1["employer_interest"] == 100.0  # 4 verification events per 4 issued, per 100
    assert p1["avg_rating"] == round(10 / 3, 6)  # 5, 3 and the 1 February rating 2: cohort, any time
    # enrollments: alice, bob, carol, erin (alice twice counts once); erin holds nothing
    assert (p1["enrollments"], p1["completions"], p1["completion_rate"]) == (4, 3, 0.75)
    # issuer-wide: 5 issued, shared 3 (0.6), profile 1 (0.2), verified 3 (0.6);
    # p1: 0.75 / 0.6 = 1.25, 0.25 / 0.2 = 1.25, 0.75 / 0.6 = 1.25 → 125
    assert p1["perceived_value_index"] == 125.0
    # p2: c5 only (c6 was issued in December); opened, nothing else; rated 4
    assert (p2["issued"], p2["view_rate"], p2["share_rate"], p2["avg_rating"]) == (1, 1.0, 0.0, 4.0)
    assert p2["perceived_value_index"] == 0.0
    assert p2["completion_rate"] is None  # no enrollment: a rate over 0 is null
    # p3: nothing issued in January, but alice enrolled and holds c7 (issued in February: "at any time")
    assert (p3["issued"], p3["view_rate"], p3["perceived_value_index"]) == (0, None, None)
    assert (p3["enrollments"], p3["completions"], p3["completion_rate"]) == (1, 1, 1.0)
    assert sum(row["issued"] for row in rows.values()) == m["issued"]["value"] == 5
    assert (m["enrollments"]["value"], m["completions"]["value"]) == (5, 4)


def test_program_rows_follow_the_filters_and_compare(warehouse: Warehouse, berlin: Issuer) -> None:
    result = metrics(warehouse, berlin, department="Tech", compare="previous")
    rows = {row["key"]: row for row in result["metrics"]["programs"]["rows"]}
    assert list(rows) == ["p1", "p3"]
    # December: nothing of p1 was issued, so its change is +4 with no relative change
    assert rows["p1"]["change"] == {"absolute": 4, "relative": None}
    # within Tech, p1 is the whole issuer-wide cohort: every ratio is 1
    assert rows["p1"]["perceived_value_index"] == 100.0


def test_holdings_pairs_and_sequences(warehouse: Warehouse, berlin: Issuer) -> None:
    m = metrics(warehouse, berlin)["metrics"]
    # held at the end of January: alice {p1, p2}, bob {p1, p2 (December)}, carol {p1}, dan {p1}; c7 is February's
    assert m["credentials_per_recipient"]["rows"] == [
        {"key": "1", "value": 2},
        {"key": "2", "value": 2},
        {"key": "3", "value": 0},
        {"key": "4", "value": 0},
        {"key": "5+", "value": 0},
    ]
    # p1 + p2: 2 of 4 recipients; P(p1) = 4/4, P(p2) = 2/4 → lift = 0.5 / (1 × 0.5) = 1
    assert m["co_held_programs"]["rows"] == [
        {"key": "p1 + p2", "a": "p1", "b": "p2", "a_name": "Data", "b_name": "Design", "value": 2}
        | {"support": 0.5, "lift": 1.0}
    ]
    # alice: p1 (5 Jan) then p2 (20 Jan), 15 days; bob: p2 (10 Dec) then p1 (6 Jan), 27 days
    sequences = [(r["key"], r["value"], r["median_days"]) for r in m["program_sequences"]["rows"]]
    assert sequences == [("p1 → p2", 1, 15.0), ("p2 → p1", 1, 27.0)]


def test_activity_breakdowns_use_the_issuers_days(warehouse: Warehouse, berlin: Issuer) -> None:
    m = metrics(warehouse, berlin)["metrics"]
    channels = {r["key"]: r["value"] for r in m["share_channels"]["rows"]}
    # January in Berlin: c1 and c6 on LinkedIn, c2 by e-mail; c3's share is February's; the orphan is nowhere
    expected = {"linkedin": 2, "email": 1, "x": 0, "facebook": 0, "whatsapp": 0, "link": 0, "embed": 0, "other": 0}
    assert channels == expected
    assert m["share_channels"]["rows"][0] == {"key": "linkedin", "value": 2}
    # ratings in January: 5, 3, 4 and c6's 1 (activity); the 1 February rating is out
    assert m["feedback"]["rows"] == [{"key": str(r), "value": int(r != 2)} for r in range(1, 6)]
    assert (m["feedback"]["count"], m["feedback"]["mean"]) == (4, 3.25)


def test_market_demand(warehouse: Warehouse, berlin: Issuer) -> None:
    m = metrics(warehouse, berlin, interval="week")["metrics"]
    # weeks of January: 1 Jan (Thu, clipped), then the Mondays 5, 12, 19, 26
    # finance: c1 on 8 and 9 Jan, c6 on 20 Jan; tech: c3 on 13 Jan; unknown: c2 on 27 Jan; the orphan is nowhere
    trend = {
        r["key"]: (r["value"], [b["value"] for b in r["buckets"]]) for r in m["verifications_by_industry_trend"]["rows"]
    }
    assert trend == {"finance": (3, [0, 2, 0, 1, 0]), "tech": (1, [0, 0, 1, 0, 0]), "unknown": (1, [0, 0, 0, 0, 1])}
    assert [r["key"] for r in m["verifications_by_industry_trend"]["rows"]] == ["finance", "tech", "unknown"]
    countries = {r["key"]: r["value"] for r in m["verifications_by_country_trend"]["rows"]}
    assert countries == {"DE": 3, "FR": 1, "unknown": 1}
    # industry × size crosses two verifier attributes: cells below 3 are hidden, unnamed, as one row
    # (tech × 11-50 and unknown × unknown, 1 each: the totals by industry and size cannot tell them
    # from tech × unknown and unknown × 11-50)
    assert m["employer_segments"]["rows"] == [
        {"key": "finance × 51-200", "industry": "finance", "size": "51-200", "value": 3},
        {"key": "other segments", "value": None, "suppressed": True},
    ]


def test_market_trend_changes_pair_by_segment_then_bucket(warehouse: Warehouse, berlin: Issuer) -> None:
    result = metrics(warehouse, berlin, compare="previous", interval="month")
    finance = result["metrics"]["verifications_by_industry_trend"]["rows"][0]
    # December had no verification: finance is new, +3; its single monthly bucket too
    assert finance["key"] == "finance"
    assert finance["change"] == {"absolute": 3, "relative": None}
    assert finance["buckets"] == [{"key": "2026-01-01", "value": 3, "change": {"absolute": 3, "relative": None}}]


def crowd_events() -> list[dict[str, Any]]:
    """30 recipients of p1 in January, with demographics and career outcomes sized around k = 10."""
    ev = Events("crowd-")
    genders = ["female"] * 14 + ["male"] * 12 + ["non_binary"] * 3 + [None]
    for n, gender in enumerate(genders):
        demographics = {"gender": gender, "age_band": "25-34"} if gender else {}
        ev.issue(f"k{n}", day(1, 10), f"person{n}", "p1", demographics=demographics)
    outcomes = ["new_job"] * 12 + ["promotion"] * 11 + ["raise"] * 4
    for n, outcome in enumerate(outcomes):
        ev.add("recipient.outcome_reported", day(1, 20), f"k{n}", outcome=outcome)
    ev.add("recipient.outcome_reported", day(1, 21), "k0", outcome="new_job")  # 13 events, still 12 people
    return ev.items


@pytest.fixture
def crowd(warehouse: Warehouse) -> Issuer:
    issuer, _ = warehouse.create_issuer("crowd", "Crowd College", timezone=BERLIN)
    assert ingest(warehouse, issuer, crowd_events()).rejections == []
    return issuer


def test_sensitive_breakdowns_are_suppressed_with_their_complement(warehouse: Warehouse, crowd: Issuer) -> None:
    query = parse_query("crowd", BERLIN, date_from="2026-01-01", date_to="2026-01-31", today=dt.date(2026, 6, 1))
    m = run(query, warehouse.tables(crowd.issuer_id))["metrics"]
    # raise: 4 recipients < 10 → hidden; exactly one hidden, so the next smallest (promotion, 11) is hidden too
    assert m["career_outcomes"]["rows"] == [
        {"key": "new_job", "value": 13, "recipients": 12},
        {"key": "promotion", "value": None, "suppressed": True},
        {"key": "raise", "value": None, "suppressed": True},
    ]
    gender = [r for r in m["recipient_demographics"]["rows"] if r["attribute"] == "gender"]
    # female 14, male 12 shown; non_binary 3 and unknown 1 hidden (two hidden: no complement needed)
    assert gender == [
        {"attribute": "gender", "key": "female", "value": 14, "recipients": 14},
        {"attribute": "gender", "key": "male", "value": 12, "recipients": 12},
        {"key": "non_binary", "attribute": "gender", "value": None, "suppressed": True},
        {"key": "unknown", "attribute": "gender", "value": None, "suppressed": True},
    ]
    age = {r["key"]: r["value"] for r in m["recipient_demographics"]["rows"] if r["attribute"] == "age_band"}
    # 29 in 25-34 shown; the single unknown is hidden, and with it the only other cell (complement)
    assert age == {"25-34": None, "unknown": None}
    # k = 5 (an issuer's lower setting): raise (4) hidden alone → its complement, promotion, hidden too
    relaxed = run(query, warehouse.tables(crowd.issuer_id), k=5)["metrics"]
    assert [r["value"] for r in relaxed["career_outcomes"]["rows"]] == [13, None, None]
    assert {r["key"]: r["value"] for r in relaxed["recipient_demographics"]["rows"] if r["attribute"] == "gender"} == {
        "female": 14,
        "male": 12,
        "non_binary": None,
        "unknown": None,
    }


def test_k_below_five_is_refused() -> None:
    from credlens.privacy.suppression import check_k  # noqa: PLC0415

    with pytest.raises(ValueError, match="at least 5"):
        check_k(4)


def test_a_funnel_step_may_be_one_share_channel(warehouse: Warehouse, berlin: Issuer) -> None:
    """The Programs page's story (reports/programs.py FUNNEL): LinkedIn is a step of its own. January's
    cohort c1-c5: opened c1, c2, c5; of those only c1 shared on LinkedIn (c6's share is not of the
    cohort) and c1 added it to a profile. Step 3 is counted from the cohort's rows, step 2 by day;
    both paths run (``only`` asks for the funnel alone, the full run for everything)."""
    steps = ("issued", "opened", "shared_linkedin", "profile_added")
    tables = warehouse.tables(berlin.issuer_id)
    for only in (frozenset({"funnel"}), None):
        funnel = run(january(), tables, steps, only=only)["metrics"]["funnel"]["steps"]
        assert [(s["step"], s["value"]) for s in funnel] == [
            ("issued", 5),
            ("opened", 3),
            ("shared_linkedin", 1),
            ("profile_added", 1),
        ]


def test_all_time_starts_at_the_issuers_first_event(warehouse: Warehouse, berlin: Issuer) -> None:
    """ "All time" is not "since 2000-01-01": its window starts on the issuer's first day with an event
    (c6, issued 2025-12-10 in Berlin), and its numbers are those of the longer window."""
    from credlens.metrics.runner import run_for  # noqa: PLC0415

    tables = warehouse.tables(berlin.issuer_id)
    result = run_for(berlin, tables, period="all", only=frozenset({"issued", "issued_trend"}))
    assert result["query"]["from"] == "2025-12-10"
    assert result["query"]["period"] == "all"
    since_2000 = run_for(
        berlin, tables, date_from="2000-01-01", date_to=result["query"]["to"], only=frozenset({"issued"})
    )
    assert result["metrics"]["issued"]["value"] == since_2000["metrics"]["issued"]["value"] == 7
    assert result["metrics"]["issued_trend"]["rows"][0]["key"] == "2025-12-10"
