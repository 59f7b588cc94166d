"""Each kind at its thresholds (just below / just above the minimum volume and effect), the
correction, the order, and the privacy rules, on hand-built metric results; arithmetic in comments."""

from __future__ import annotations

from credlens.insights.engine import find
from credlens.privacy.suppression import HIDDEN_CELLS
from tests.insights.results import metrics, program, result


def kinds(found: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(i["kind"], i["metric"], i["direction"]) for i in found]


def test_program_insight_needs_30_credentials_on_each_side() -> None:
    # 27 of 30 shared (90 %) against 3 of 30 (10 %): far apart, and 30 on each side
    rows = [program("a", 30, shared=27), program("b", 30, shared=3)]
    found = find(result(metrics(rows)))
    assert ("program_above_average", "share_rate", "above") in kinds(found)
    assert ("program_below_average", "share_rate", "below") in kinds(found)
    above = next(i for i in found if i["kind"] == "program_above_average")
    e = above["evidence"]
    assert above["subject"] == {"program": "a"}
    assert (e["value"], e["numerator"], e["denominator"]) == (0.9, 27, 30)
    assert (e["reference"], e["reference_numerator"], e["reference_denominator"]) == (0.1, 3, 30)
    assert e["ci95"][0] < 0.9 < e["ci95"][1]
    assert e["p_value"] <= e["q_value"] <= 0.05
    assert above["impact"] == 24.0  # (0.9 - 0.1) × 30 credentials
    assert "share" in above["recommendation"].lower() or "double down" in above["recommendation"].lower()
    # 29 credentials: a and b are each below the minimum on one side, nothing is tested
    rows = [program("a", 29, shared=26), program("b", 30, shared=3)]
    assert find(result(metrics(rows))) == []


def test_program_insight_needs_5_points() -> None:
    # 25.00 % vs 20.00 % of 10 000 each: 5 points, highly significant → reported
    rows = [program("a", 10_000, shared=2_500), program("b", 10_000, shared=2_000)]
    assert ("program_above_average", "share_rate", "above") in kinds(find(result(metrics(rows))))
    # 24.99 % vs 20 %: as significant, 4.99 points → not meaningful, not reported
    rows = [program("a", 10_000, shared=2_499), program("b", 10_000, shared=2_000)]
    assert [i for i in find(result(metrics(rows))) if i["metric"] == "share_rate"] == []


def test_completion_rate_uses_enrollments() -> None:
    rows = [program("a", 30, enrollments=40, completions=38), program("b", 30, enrollments=40, completions=20)]
    found = [i for i in find(result(metrics(rows))) if i["metric"] == "completion_rate"]
    assert {i["subject"]["program"] for i in found} == {"a", "b"}
    assert found[0]["evidence"]["denominator"] == 40


def test_rate_change_since_previous() -> None:
    # the issuer's share rate 25 % of 1000 now against 15 % of 1000 before
    now = metrics([program("a", 1000, shared=250)])
    before = metrics([program("a", 1000, shared=150)])
    found = [i for i in find(result(now, before)) if i["metric"] == "share_rate"]
    assert {(i["kind"], i["direction"], tuple(i["subject"])) for i in found} == {
        ("changed_since_previous", "up", ()),
        ("changed_since_previous", "up", ("program",)),
    }
    # 29 credentials in the comparison window: no change is tested
    before = metrics([program("a", 29, shared=0)])
    assert [i for i in find(result(now, before)) if i["metric"] == "share_rate"] == []


def test_count_change_is_poisson_on_the_two_windows() -> None:
    # 30 issued against 0 in a window as long: p = 2 × 0.5^30 and the minimum of 30 is met
    now, before = metrics([program("a", 30)]), metrics([program("a", 0)])
    issued = [i for i in find(result(now, before)) if i["metric"] == "issued" and not i["subject"]]
    assert len(issued) == 1
    assert (issued[0]["evidence"]["value"], issued[0]["evidence"]["reference"], issued[0]["direction"]) == (30, 0, "up")
    # 29 against 0: below the minimum volume
    now = metrics([program("a", 29)])
    assert [i for i in find(result(now, before)) if i["metric"] == "issued"] == []
    # 110 against 100: within chance and below 20 %
    now, before = metrics([program("a", 110)]), metrics([program("a", 100)])
    assert [i for i in find(result(now, before)) if i["metric"] == "issued"] == []


def test_delivery_problem_with_reasons() -> None:
    reasons = {"rows": [{"key": "bounced", "value": 15}, {"key": HIDDEN_CELLS, "value": None, "suppressed": True}]}
    low = {"value": 0.8, "numerator": 80, "denominator": 100}
    found = find(result(metrics([], delivery_rate=low, delivery_failures_by_reason=reasons)))
    assert kinds(found) == [("delivery_problem", "delivery_rate", "below")]
    assert "bounced 15" in found[0]["finding"]
    assert HIDDEN_CELLS not in found[0]["finding"]  # a hidden cell is never cited
    assert found[0]["impact"] == 15.0  # 95 deliveries expected of 100, 80 made
    fine = {"value": 0.96, "numerator": 96, "denominator": 100}
    assert find(result(metrics([], delivery_rate=fine))) == []
    few = {"value": 0.0, "numerator": 0, "denominator": 29}
    assert find(result(metrics([], delivery_rate=few))) == []


def bundle(both: int, lift: float) -> dict[str, object]:
    return {"key": "a + b", "a": "a", "b": "b", "a_name": "A", "b_name": "B", "value": both,
            "support": both / 1000, "lift": lift}  # fmt: skip


def test_bundle_opportunity_at_its_thresholds() -> None:
    # 60 of 1000 recipients hold both; by chance 60 / 2 = 30: p ≈ 1e-6
    found = find(result(metrics([], co_held_programs={"rows": [bundle(60, 2.0)]})))
    assert kinds(found) == [("bundle_opportunity", "co_held_programs", "above")]
    assert found[0]["subject"] == {"programs": ["a", "b"]}
    assert find(result(metrics([], co_held_programs={"rows": [bundle(60, 1.49)]}))) == []  # lift below 1.5
    assert find(result(metrics([], co_held_programs={"rows": [bundle(29, 3.0)]}))) == []  # 29 holders


def sequence(a: str, b: str, then: int) -> dict[str, object]:
    return {"key": f"{a} → {b}", "a": a, "b": b, "a_name": a.upper(), "b_name": b.upper(), "value": then,
            "median_days": 90.0}  # fmt: skip


def test_pathway_at_its_thresholds() -> None:
    rows = [sequence("a", "b", 40), sequence("b", "a", 10)]  # 40 of 50 in one order: p ≈ 1e-5
    found = find(result(metrics([], program_sequences={"rows": rows})))
    assert kinds(found) == [("pathway", "program_sequences", None)]
    assert "around day 90" in found[0]["recommendation"]
    rows = [sequence("a", "b", 29)]
    assert find(result(metrics([], program_sequences={"rows": rows}))) == []


def industries(*rows: tuple[str, int | None]) -> dict[str, object]:
    return {"rows": [{"key": k, "value": v, **({"suppressed": True} if v is None else {})} for k, v in rows]}


def test_market_demand_and_its_privacy() -> None:
    now = metrics([], verifications_by_industry=industries(("healthcare", 60), ("finance", 31)))
    before = metrics([], verifications_by_industry=industries(("healthcare", 20), ("finance", 30)))
    found = find(result(now, before))
    assert [(i["kind"], i["subject"]) for i in found] == [("market_demand", {"industry": "healthcare"})]
    # the comparison window hides cells: a key's earlier count is unknown, nothing is claimed
    before = metrics([], verifications_by_industry=industries(("finance", 30), (HIDDEN_CELLS, None)))
    assert find(result(now, before)) == []
    # a suppressed cell of the window is never cited
    now = metrics([], verifications_by_industry=industries(("healthcare", None), ("finance", 31)))
    before = metrics([], verifications_by_industry=industries(("healthcare", 20), ("finance", 30)))
    assert find(result(now, before)) == []


def test_correction_takes_every_test_of_the_run() -> None:
    # alone, 45 % vs 30 % of 100 each is significant (p ≈ 0.03); among 20 programs drawn alike, it is not
    alone = [program("a", 100, shared=45), program("b", 100, shared=30)]
    assert find(result(metrics(alone)))
    crowd = [program("a", 100, shared=45), *(program(f"p{k:02d}", 100, shared=30 + k % 3) for k in range(19))]
    assert [i for i in find(result(metrics(crowd))) if i["subject"] == {"program": "a"}] == []


def test_order_is_by_impact_then_id() -> None:
    rows = [program("a", 100, shared=60), program("b", 100, shared=10), program("c", 100, shared=10)]
    found = find(result(metrics(rows)))
    assert [i["impact"] for i in found] == sorted((i["impact"] for i in found), reverse=True)
    assert found == find(result(metrics(rows)))
    ties = [(i["impact"], i["id"]) for i in found]
    assert ties == sorted(ties, key=lambda t: (-t[0], t[1]))
