"""design_effect at its thresholds (credentials per design, effect), within a program and pooled,
and its privacy; hand-built `designs` rows, arithmetic in comments."""

from __future__ import annotations

from typing import Any

from credlens.insights.engine import find
from tests.insights.results import metrics, result


def design(program: str, key: str, issued: int, shared: int = 0, opened: int = 0, **extra: Any) -> dict[str, Any]:
    return {"key": f"{program}/{key}", "program": program, "program_name": program.title(), "design": key,
            "name": key.title(), "value": issued, "issued": issued, "opened": opened, "shared": shared,
            "profile_added": 0, **extra}  # fmt: skip


def effects(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in find(result(metrics([], designs={"rows": list(rows)}))) if i["kind"] == "design_effect"]


def test_two_designs_of_a_program_one_finding_for_the_better() -> None:
    # modern: 18 of 30 shared (60 %); classic: 3 of 30 (10 %): one test of the pair
    found = effects(design("p", "classic", 30, shared=3), design("p", "modern", 30, shared=18))
    assert [(i["subject"], i["metric"], i["direction"]) for i in found] == [
        ({"program": "p", "design": "modern"}, "share_rate", "above")
    ]
    e = found[0]["evidence"]
    assert (e["numerator"], e["denominator"], e["reference_numerator"], e["reference_denominator"]) == (18, 30, 3, 30)
    assert "Design Modern is shared 6.0× as often as design Classic in P" in found[0]["finding"]
    assert found[0]["impact"] == 15.0  # (60 % - 10 %) × 30
    assert found[0]["id"] == "design_effect:share_rate:design=modern:program=p"
    # 29 credentials of one design: nothing is tested
    assert effects(design("p", "classic", 29, shared=3), design("p", "modern", 30, shared=18)) == []


def test_design_effect_needs_5_points() -> None:
    # 25 % vs 20 % of 10 000 each: 5 points → reported, "1.2× as often"
    found = effects(design("p", "a", 10_000, shared=2_000), design("p", "b", 10_000, shared=2_500))
    assert [i["subject"]["design"] for i in found] == ["b"]
    assert "1.2× as often" in found[0]["finding"]
    # 24.99 % vs 20 %: not meaningful
    assert effects(design("p", "a", 10_000, shared=2_000), design("p", "b", 10_000, shared=2_499)) == []


def test_three_designs_each_against_the_others() -> None:
    # c: 60 % against the others' 10 % (6 of 60), a and b are each 10 % against 35 %
    rows = [design("p", "a", 30, shared=3), design("p", "b", 30, shared=3), design("p", "c", 30, shared=18)]
    found = {(i["subject"]["design"], i["direction"]) for i in effects(*rows)}
    assert ("c", "above") in found
    assert all(d in ("a", "b") for d, side in found if side == "below")


def test_a_design_of_several_programs_is_also_compared_pooled() -> None:
    # "modern" in p and q (36 of 60 shared), "classic" in p (3 of 30): pooled, modern 60 % vs 10 %
    rows = [
        design("p", "classic", 30, shared=3),
        design("p", "modern", 30, shared=18),
        design("q", "modern", 30, shared=18),
    ]
    subjects = [i["subject"] for i in effects(*rows)]
    assert {"design": "modern"} in subjects  # pooled, across programs
    assert {"program": "p", "design": "modern"} in subjects  # within p
    pooled = next(i for i in effects(*rows) if i["subject"] == {"design": "modern"})
    assert (pooled["evidence"]["numerator"], pooled["evidence"]["denominator"]) == (36, 60)
    assert "across programs" in pooled["finding"]
    # one program only: the pooled test would be the same test again, so there is none
    assert all("program" in s for s in (i["subject"] for i in effects(*rows[:2])))


def test_a_suppressed_design_row_is_never_cited() -> None:
    rows = [design("p", "classic", 30, shared=3), design("p", "modern", 30, shared=18, suppressed=True)]
    assert effects(*rows) == []
