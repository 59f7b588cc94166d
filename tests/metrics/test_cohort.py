"""Cohort metrics on a hand-built event set where every answer is worked out in a comment.

The Accredible example: 43 issued, 22 opened, 8 of those downloaded, 5 shared on LinkedIn, 1 added
to a profile; plus late, out-of-order, duplicated and orphan events, a New York issuer, and a
comparison window.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from credlens.domain.issuers import Issuer
from credlens.domain.query import QueryError, parse_query
from credlens.metrics.runner import run
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest

NY = "America/New_York"


def at(day: dt.date, hour: int = 15) -> str:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC).isoformat()


class Events:
    """A tiny event builder: one credential at a time, ids unique."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix  # ids must differ between builders: a repeated id is a duplicate event
        self.items: list[dict[str, Any]] = []

    def add(self, kind: str, credential: str, when: str, **fields: Any) -> None:
        self.items.append(
            {
                "id": f"{self.prefix}{len(self.items)}",
                "type": kind,
                "occurred_at": when,
                "credential_id": credential,
                **fields,
            }
        )

    def issue(self, credential: str, when: str, recipient: str, program: str = "p1") -> None:
        self.add(
            "credential.issued",
            credential,
            when,
            program={"id": program, "kind": "certificate"},
            recipient={"email": f"{recipient}@example.org"},
        )


def january_events() -> list[dict[str, Any]]:
    ev = Events("jan-")
    jan = [dt.date(2026, 1, d) for d in range(2, 31)]
    for n in range(42):  # 42 issued on January days (UTC), 15:00 UTC = 10:00 in New York
        ev.issue(f"c{n}", at(jan[n % len(jan)]), recipient=f"r{n % 40}")  # 40 recipients: r0 and r1 hold two
    # the 43rd: 2026-02-01 03:00 UTC is still 31 January, 22:00, in New York
    ev.issue("c42", "2026-02-01T03:00:00Z", recipient="r42")
    for n in range(22):  # 22 opened by their owner, 2 days after issuance (the 1st view counts once)
        day = jan[n % len(jan)] + dt.timedelta(days=2)
        ev.add("credential.viewed", f"c{n}", at(day), actor="owner")
        ev.add("credential.viewed", f"c{n}", at(day, 18), actor="owner")
    for n in range(8):  # 8 of those 22 downloaded
        ev.add("credential.downloaded", f"c{n}", at(jan[n] + dt.timedelta(days=3)), format="pdf")
    ev.add("credential.downloaded", "c30", at(jan[20]), format="png", actor="public")  # not opened by owner
    for n in range(5):  # 5 shared on LinkedIn, each seen 3 times by the public
        ev.add("credential.shared", f"c{n}", at(jan[n] + dt.timedelta(days=4)), channel="linkedin")
        for _ in range(3):
            ev.add("credential.viewed", f"c{n}", at(jan[n] + dt.timedelta(days=5)), actor="public")
    ev.add("credential.profile_added", "c0", at(jan[0] + dt.timedelta(days=4)))  # 1 added to a profile
    ev.add("credential.verified", "c0", at(dt.date(2026, 3, 1)), verifier={"industry": "finance"})
    ev.add("credential.verified", "c1", at(dt.date(2026, 3, 2)), verifier={})
    ev.add("credential.verified", "c40", at(dt.date(2026, 3, 3)), verifier={})  # verified, never shared
    # re-engagement: c2 active again 40 days after its first view
    ev.add("credential.downloaded", "c2", at(jan[2] + dt.timedelta(days=42)), format="pdf")
    for n in range(3):  # orphans: credentials never issued count nowhere
        ev.add("credential.viewed", f"ghost{n}", at(jan[5]), actor="owner")
    return ev.items


def december_events() -> list[dict[str, Any]]:
    ev = Events("dec-")
    for n in range(10):  # the comparison window: 10 issued in December, 4 opened
        ev.issue(f"d{n}", at(dt.date(2025, 12, 10 + n)), recipient=f"r{n}")
        if n < 4:
            ev.add("credential.viewed", f"d{n}", at(dt.date(2025, 12, 20 + n)), actor="owner")
    return ev.items


@pytest.fixture
def new_york(warehouse: Warehouse) -> Issuer:
    issuer, _ = warehouse.create_issuer("ny", "New York Institute", timezone=NY)
    events = january_events() + december_events()
    random.Random(7).shuffle(events)  # out of order: views before issuances
    resent = events[:30]  # duplicates: a client retrying part of its stream
    for start in range(0, len(events), 37):
        assert ingest(warehouse, issuer, events[start : start + 37]).rejections == []
    assert ingest(warehouse, issuer, resent).duplicates == 30
    return issuer


def january(**kwargs: Any) -> Any:
    return parse_query("ny", NY, date_from="2026-01-01", date_to="2026-01-31", today=dt.date(2026, 5, 1), **kwargs)


def test_the_accredible_example(warehouse: Warehouse, new_york: Issuer) -> None:
    m = run(january(), warehouse.tables(new_york.issuer_id))["metrics"]
    assert m["issued"] == {"value": 43}  # 42 + the one issued at 22:00 New York time on 31 January
    assert m["view_rate"] == {"value": round(22 / 43, 6), "numerator": 22, "denominator": 43}
    assert m["opened_and_downloaded"] == {"value": 8}
    assert m["downloaded"] == {"value": 9}  # + c30, downloaded by the public, not opened by its owner
    assert m["shared_linkedin"] == {"value": 5}
    assert m["share_rate_linkedin"]["value"] == round(5 / 43, 6)
    assert m["opened_and_shared"] == {"value": 5}
    assert m["profile_added"] == {"value": 1}
    assert m["verified"] == {"value": 3}  # c0, c1 and c40 (verified in March: cohort semantics)
    # strict funnel: 43 issued → 22 opened → 5 of them shared → 2 of those verified (c0, c1; not c40)
    assert [s["value"] for s in m["funnel"]["steps"]] == [43, 22, 5, 2]
    assert (m["share_events"]["value"], m["public_views"]["value"]) == (5, 15)
    assert m["views_per_share"]["value"] == 3.0  # 15 public views / 5 shares
    assert m["unique_recipients"] == {"value": 41}  # r0..r39 + r42
    assert m["reengaged"] == {"value": 1}  # c2: active 40 days after its first view
    assert m["reengagement_rate"]["value"] == round(1 / 22, 6)
    assert m["median_days_to_open"] == {"value": 2.0}  # every first view is 2 days after issuance
    assert m["opened_within_7d"] == {"value": round(22 / 43, 6), "numerator": 22, "denominator": 43}
    # owner active days: 22 opened; c0..c7 add a download day (+1), c0..c4 a share day, c0 the profile add
    # on its share day, c2 its re-engagement day: (22 + 8 + 5 + 1) / 22
    assert m["owner_active_days_mean"]["value"] == round(36 / 22, 6)
    assert m["delivery_rate"] == {"value": 0.0, "numerator": 0, "denominator": 43}
    assert m["referral_rate"]["value"] == 0.0


def test_new_recipients_are_those_first_seen_in_the_window(warehouse: Warehouse, new_york: Issuer) -> None:
    m = run(january(), warehouse.tables(new_york.issuer_id))["metrics"]
    # r0..r9 already held a December credential: 41 recipients in January, 31 of them new
    assert m["new_recipients"] == {"value": 31}


def test_comparison_with_the_previous_window(warehouse: Warehouse, new_york: Issuer) -> None:
    result = run(january(compare="previous"), warehouse.tables(new_york.issuer_id))
    assert result["comparison"]["window"] == {"from": "2025-12-01", "to": "2025-12-31"}
    before = result["comparison"]["metrics"]
    assert before["issued"] == {"value": 10}
    assert before["view_rate"] == {"value": 0.4, "numerator": 4, "denominator": 10}
    now = result["metrics"]
    assert now["issued"]["change"] == {"absolute": 33, "relative": 3.3}  # 43 - 10, / 10
    assert now["view_rate"]["change"]["absolute"] == round(round(22 / 43, 6) - 0.4, 6)
    assert now["funnel"]["steps"][0]["change"] == {"absolute": 33, "relative": 3.3}
    assert now["verified"]["change"] == {"absolute": 3, "relative": None}  # nothing to divide by


def test_filters_and_an_empty_window(warehouse: Warehouse, new_york: Issuer) -> None:
    tables = warehouse.tables(new_york.issuer_id)
    assert run(january(programs=("p1",)), tables)["metrics"]["issued"] == {"value": 43}
    assert run(january(kind="badge"), tables)["metrics"]["issued"] == {"value": 0}
    empty = run(parse_query("ny", NY, date_from="2024-01-01", date_to="2024-01-31"), tables)["metrics"]
    assert empty["view_rate"] == {"value": None, "numerator": 0, "denominator": 0}  # a rate over 0 is null
    assert empty["median_days_to_open"] == {"value": None}
    with pytest.raises(QueryError, match="unknown program"):
        run(january(programs=("nope",)), tables)


def test_another_issuers_credentials_never_count(warehouse: Warehouse, new_york: Issuer) -> None:
    other, _ = warehouse.create_issuer("other", "Other", timezone=NY)
    ingest(warehouse, other, january_events())  # the very same ids, another tenant
    m = run(january(), warehouse.tables(new_york.issuer_id))["metrics"]
    assert m["issued"] == {"value": 43}


def lifecycle_events() -> list[dict[str, Any]]:
    ev = Events("life-")
    for n in range(50):  # 50 (recipient, program) pairs enrol in January; r0 enrols twice
        ev.items.append(
            {
                "id": f"enr{n}",
                "type": "program.enrolled",
                "occurred_at": at(dt.date(2026, 1, 3)),
                "program": {"id": "p1"},
                "recipient": {"email": f"r{n}@example.org"},
            }
        )
    ev.items.append(
        {
            "id": "enr-again",
            "type": "program.enrolled",
            "occurred_at": at(dt.date(2026, 1, 9)),
            "program": {"id": "p1"},
            "recipient": {"email": "r0@example.org"},
        }
    )
    ev.items.append(
        {
            "id": "enr-feb",
            "type": "program.enrolled",
            "occurred_at": at(dt.date(2026, 2, 9)),
            "program": {"id": "p1"},
            "recipient": {"email": "r77@example.org"},
        }
    )
    ev.add("credential.revoked", "c41", at(dt.date(2026, 1, 20)))  # in the window
    ev.add("credential.revoked", "c40", at(dt.date(2026, 2, 20)))  # after it
    renewed = {"c39": "2026-01-25", "c38": "2026-03-15", "c37": "2026-06-15"}
    for credential, expires in renewed.items():
        ev.add("credential.renewed", credential, at(dt.date(2026, 1, 10)), expires_at=f"{expires}T00:00:00Z")
    return ev.items


def test_enrollments_states_and_the_weekly_trend(warehouse: Warehouse, new_york: Issuer) -> None:
    assert ingest(warehouse, new_york, lifecycle_events()).rejections == []
    m = run(january(interval="week"), warehouse.tables(new_york.issuer_id))["metrics"]
    # 50 distinct pairs (r0's second enrolment is the same pair; r77 enrolled in February);
    # r0..r39 and r42 hold a p1 credential: 41 of r0..r49 completed
    assert m["enrollments"] == {"value": 50}
    assert m["completion_rate"] == {"value": 0.82, "numerator": 41, "denominator": 50}
    assert m["revoked"] == {"value": 1}  # c41; c40 was revoked in February
    # at the end of 31 January (New York): 43 + 10 December credentials issued, minus c41 (revoked)
    # and c39 (expired on 25 January); c40's revocation comes later
    assert m["active_credentials"] == {"value": 51}
    assert m["expiring_next_90d"] == {"value": 1}  # c38 (15 March); c37 expires in June, beyond 90 days
    # ISO weeks in New York: 1-4 Jan, 5-11, 12-18, 19-25, 26-31 (c42 issued 22:00 on the 31st)
    assert m["issued_trend"]["rows"] == [
        {"key": "2026-01-01", "value": 6},
        {"key": "2026-01-05", "value": 14},
        {"key": "2026-01-12", "value": 10},
        {"key": "2026-01-19", "value": 7},
        {"key": "2026-01-26", "value": 6},
    ]


def verification_events() -> list[dict[str, Any]]:
    ev = Events("ver-")

    def verify(vid: str, credential: str, day: int, **verifier: Any) -> None:
        ev.items.append(
            {
                "id": vid,
                "type": "credential.verified",
                "occurred_at": at(dt.date(2026, 3, day)),
                "credential_id": credential,
                "verifier": verifier,
            }
        )

    def outcome(vid: str, credential: str, result: str) -> None:
        ev.add("verification.outcome", credential, at(dt.date(2026, 4, 2)), verification_id=vid, outcome=result)

    verify("v-c2", "c2", 10, consent=True, organization="Globex", industry="technology", size="51-200", country="DE")
    verify("v-c3", "c3", 11, consent=True, organization="Globex", industry="technology", country="DE")
    verify("v-c4", "c4", 12, consent=False, organization="Hidden Inc", industry="finance", country="US")
    verify("v-c0", "c0", 20, industry="finance")  # c0's second verification this month
    verify("v-ghost", "ghost9", 12, consent=True, organization="Phantom")  # never issued: counts nowhere
    outcome("v-c2", "c2", "hired")
    outcome("v-c3", "c3", "not_hired")
    outcome("v-c4", "c4", "hired")
    outcome("v-c4", "c4", "hired")  # a second report of the same hire
    outcome("v-ghost", "ghost9", "hired")
    return ev.items


def test_verification_metrics(warehouse: Warehouse, new_york: Issuer) -> None:
    assert ingest(warehouse, new_york, verification_events()).rejections == []
    march = parse_query(
        "ny", NY, date_from="2026-03-01", date_to="2026-03-31", interval="month", today=dt.date(2026, 5, 1)
    )
    m = run(march, warehouse.tables(new_york.issuer_id))["metrics"]
    # from the January set: c0 (1 Mar, finance), c1 (2 Mar), c40 (3 Mar); added: c2, c3, c4, c0 again
    assert m["verifications"] == {"value": 7}
    assert m["verified_credentials"] == {"value": 6}  # c0 twice
    assert m["verifications_by_industry"]["rows"] == [
        {"key": "finance", "value": 3},
        {"key": "technology", "value": 2},
        {"key": "unknown", "value": 2},
    ]
    assert m["verifications_by_country"]["rows"] == [
        {"key": "unknown", "value": 4},
        {"key": "DE", "value": 2},
        {"key": "US", "value": 1},
    ]
    assert m["top_verifiers"]["rows"] == [{"key": "Globex", "value": 2}]  # Hidden Inc did not consent
    assert (m["outcomes_reported"], m["hires"]) == ({"value": 3}, {"value": 2})  # c2, c3, c4 / c2, c4
    assert m["verification_to_hire_rate"] == {"value": round(2 / 3, 6), "numerator": 2, "denominator": 3}
    assert m["verification_trend"]["rows"] == [{"key": "2026-03-01", "value": 7}]
    # 53 credentials active at the end of March (43 January + 10 December, none revoked or expired)
    assert m["verifications_per_1k_active"]["rows"] == [
        {"key": "2026-03-01", "value": round(7 / 53 * 1000, 6), "numerator": 7, "denominator": 53},
    ]


def test_breakdown_rows_compare_by_key(warehouse: Warehouse, new_york: Issuer) -> None:
    assert ingest(warehouse, new_york, verification_events()).rejections == []
    march = parse_query(
        "ny", NY, date_from="2026-03-01", date_to="2026-03-31", compare="previous", today=dt.date(2026, 5, 1)
    )
    rows = run(march, warehouse.tables(new_york.issuer_id))["metrics"]["verifications_by_industry"]["rows"]
    assert rows[0] == {"key": "finance", "value": 3, "change": {"absolute": 3, "relative": None}}  # none in February


def test_trends_over_all_start_at_the_first_issuance(warehouse: Warehouse, new_york: Issuer) -> None:
    query = parse_query("ny", NY, period="all", today=dt.date(2026, 5, 1))
    rows = run(query, warehouse.tables(new_york.issuer_id))["metrics"]["issued_trend"]["rows"]
    # the first credential (d0) was issued on 10 December 2025 at 10:00 in New York; months after that
    assert [row["key"] for row in rows] == [
        "2025-12-10",
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
        "2026-05-01",
    ]
    assert [row["value"] for row in rows] == [10, 43, 0, 0, 0, 0]


def test_trend_buckets_of_a_half_hour_time_zone(warehouse: Warehouse) -> None:
    """Trends count rows per 15-minute slot before joining buckets (buckets.py): a bucket edge at a
    half-hour UTC offset must still split rows a microsecond apart. Kolkata is UTC+5:30, so local
    midnight of 1 February is 31 January 18:30 UTC."""
    issuer, _ = warehouse.create_issuer("kolkata", "Kolkata Institute", timezone="Asia/Kolkata")
    ev = Events("kol-")
    ev.issue("before", "2026-01-31T18:29:59.999999Z", recipient="a")  # 31 January, 23:59:59.999999 local
    ev.issue("after", "2026-01-31T18:30:00Z", recipient="b")  # 1 February, 00:00 local
    ev.issue("early", "2026-01-30T18:30:00Z", recipient="c")  # 31 January, 00:00 local
    ev.add("credential.verified", "before", "2026-01-31T18:29:59Z", verifier={})
    ev.add("credential.verified", "after", "2026-01-31T18:30:00.000001Z", verifier={})
    assert ingest(warehouse, issuer, ev.items).rejections == []
    query = parse_query(
        "kolkata",
        "Asia/Kolkata",
        date_from="2026-01-31",
        date_to="2026-02-01",
        interval="day",
        today=dt.date(2026, 3, 1),
    )
    metrics = run(query, warehouse.tables(issuer.issuer_id))["metrics"]
    assert metrics["issued_trend"]["rows"] == [{"key": "2026-01-31", "value": 2}, {"key": "2026-02-01", "value": 1}]
    assert metrics["verification_trend"]["rows"] == [
        {"key": "2026-01-31", "value": 1},
        {"key": "2026-02-01", "value": 1},
    ]
    # active at each bucket's end: 2 at the end of 31 January, 3 at the end of 1 February
    per_1k = metrics["verifications_per_1k_active"]["rows"]
    assert [row["value"] for row in per_1k] == [500.0, round(1000 / 3, 6)]


@pytest.mark.parametrize("page", ["executive", "programs", "compare", "market", "portfolios"])
def test_a_run_of_some_metrics_equals_the_full_run_on_them(warehouse: Warehouse, new_york: Issuer, page: str) -> None:
    """A page's run computes only what it reads (partial cohort reductions, skipped queries): the
    numbers it gets must be the full run's, comparison and changes included."""
    import importlib  # noqa: PLC0415 - the page modules, by name

    only = importlib.import_module(f"credlens.reports.{page}").METRICS
    tables = warehouse.tables(new_york.issuer_id)
    for fixed in (frozenset({"issued", "unique_recipients"}), only):
        full, partial = run(january(compare="previous"), tables), run(january(compare="previous"), tables, only=fixed)
        assert partial["metrics"] == {m: full["metrics"][m] for m in fixed}
        assert partial["comparison"]["metrics"] == {m: full["comparison"]["metrics"][m] for m in fixed}
