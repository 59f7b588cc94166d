"""renewal_risk at its thresholds (expiring credentials, credentials due, effect), its privacy, and
its order among the run's other tests; hand-built `program_renewals` rows, arithmetic in comments."""

from __future__ import annotations

from typing import Any

from credlens.insights.engine import find
from tests.insights.results import metrics, result


def renewal(key: str, expiring: int, due: int, renewed: int, **extra: Any) -> dict[str, Any]:
    rate = renewed / due if due else None
    return {"key": key, "name": key.title(), "value": expiring, "expiring_next_90d": expiring,
            "due_for_renewal": due, "renewed": renewed, "renewal_rate": rate, **extra}  # fmt: skip


def risks(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in find(result(metrics([], program_renewals={"rows": list(rows)}))) if i["kind"] == "renewal_risk"]


def test_renewal_risk_needs_30_expiring_and_30_due_on_each_side() -> None:
    # a: 6 of 30 due renewed (20 %) against b's 24 of 30 (80 %); 30 of a's credentials expire soon
    found = risks(renewal("a", 30, 30, 6), renewal("b", 0, 30, 24))
    assert [(i["subject"], i["direction"], i["metric"]) for i in found] == [({"program": "a"}, "below", "renewal_rate")]
    e = found[0]["evidence"]
    assert (e["value"], e["numerator"], e["denominator"]) == (0.2, 6, 30)
    assert (e["reference"], e["reference_numerator"], e["reference_denominator"]) == (0.8, 24, 30)
    assert e["p_value"] <= e["q_value"] <= 0.05
    assert found[0]["impact"] == 18.0  # (80 % - 20 %) × 30 expiring: renewals lost at a's rate
    assert "30 credentials of A expire in the next 90 days" in found[0]["finding"]
    assert "remind" in found[0]["recommendation"].lower()
    # 29 expiring: not "many"
    assert risks(renewal("a", 29, 30, 6), renewal("b", 0, 30, 24)) == []
    # 29 due in the program, or 29 due in the rest: too few to test
    assert risks(renewal("a", 30, 29, 6), renewal("b", 0, 30, 24)) == []
    assert risks(renewal("a", 30, 30, 6), renewal("b", 0, 29, 24)) == []


def test_renewal_risk_needs_5_points_below() -> None:
    # 20 % vs 25 % of 10 000 due each: 5 points below, significant → reported
    assert len(risks(renewal("a", 500, 10_000, 2_000), renewal("b", 0, 10_000, 2_500))) == 1
    # 20.01 % vs 25 %: 4.99 points, as significant → not meaningful
    assert risks(renewal("a", 500, 10_000, 2_001), renewal("b", 0, 10_000, 2_500)) == []


def test_a_program_renewing_better_is_no_risk() -> None:
    # a renews 80 % against 20 %: tested (and counted in the correction) but never a risk
    assert risks(renewal("a", 300, 30, 24), renewal("b", 0, 30, 6)) == []


def test_a_suppressed_row_is_never_cited_nor_pooled() -> None:
    hidden = renewal("c", 300, 300, 0, suppressed=True)
    found = risks(renewal("a", 30, 30, 6), renewal("b", 0, 30, 24), hidden)
    assert [i["subject"] for i in found] == [{"program": "a"}]
    assert found[0]["evidence"]["reference_denominator"] == 30  # c's 300 due are not in the reference
    assert "C" not in found[0]["finding"].replace("Credentials", "")
