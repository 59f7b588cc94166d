"""design_effect: designs (certificate or badge templates) compared on view, share and profile-add
rates, within a program and pooled over the programs using them, from the `designs` metric's rows."""

from __future__ import annotations

from collections import defaultdict

from credlens.insights.finding import Candidate, Json, percent, rate_evidence
from credlens.insights.registry import MIN_EFFECT
from credlens.insights.statistics import two_proportions
from credlens.metrics.designs import RATES
from credlens.metrics.programs import RANKING_MINIMUM

VERBS = {"view_rate": "opened", "share_rate": "shared", "profile_add_rate": "added to a profile"}
Counts = tuple[int, int]  # (credentials reaching the step, issued)


def candidates(metrics: Json) -> list[Candidate]:
    rows = [r for r in (metrics.get("designs") or {}).get("rows", []) if not r.get("suppressed")]
    by_program: dict[str, list[Json]] = defaultdict(list)
    for row in rows:
        by_program[row["program"]].append(row)
    out = []
    for program, own in sorted(by_program.items()):
        where = own[0].get("program_name") or program
        out += _compare({r["design"]: r for r in own}, {"program": program}, f" in {where}")
    pooled: dict[str, Json] = {}
    programs_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        programs_of[row["design"]].add(row["program"])
        total = pooled.setdefault(row["design"], {"design": row["design"], "name": row["name"], "issued": 0})
        for count in ("issued", *RATES.values()):
            total[count] = total.get(count, 0) + int(row[count])
    # Pooled only where a design is used by several programs: otherwise it is the test within its program.
    shared = {d for d, programs in programs_of.items() if len(programs) > 1}
    if shared and len(pooled) > 1:
        out += _compare(pooled, {}, " across programs", only=shared)
    return out


def _compare(designs: dict[str, Json], subject: Json, where: str, only: set[str] | None = None) -> list[Candidate]:
    """Two designs: one test of the pair, the better one the subject. More: each against the others pooled."""
    if len(designs) < 2:
        return []
    out = []
    for metric, count in RATES.items():
        if len(designs) == 2:
            a, b = sorted(designs.values(), key=lambda r: (r[count] / r["issued"] if r["issued"] else 0, r["design"]))
            if only is not None and not only & {a["design"], b["design"]}:
                continue
            pairs = [(b, _counts(a, count), f"design {a.get('name') or a['design']}")]
        else:
            pairs = []
            for key, row in sorted(designs.items()):
                if only is not None and key not in only:
                    continue
                rest = [r for k, r in designs.items() if k != key]
                others = (sum(int(r[count]) for r in rest), sum(int(r["issued"]) for r in rest))
                pairs.append((row, others, "the other designs"))
        for row, (ref_x, ref_n), reference_name in pairs:
            x, n = int(row[count]), int(row["issued"])
            if n < RANKING_MINIMUM or ref_n < RANKING_MINIMUM:
                continue
            p = two_proportions(x, n, ref_x, ref_n)
            if p is not None:
                out.append(_candidate(row, metric, (x, n, ref_x, ref_n), p, subject, where, reference_name))
    return out


def _counts(row: Json, count: str) -> Counts:
    return int(row[count]), int(row["issued"])


def _candidate(
    row: Json, metric: str, counts: tuple[int, int, int, int], p: float, subject: Json, where: str, reference: str
) -> Candidate:
    x, n, ref_x, ref_n = counts
    evidence = rate_evidence(*counts, p)
    value, ref = evidence["value"], evidence["reference"]
    gap = value - ref
    direction = "above" if gap > 0 else "below"
    name = row.get("name") or row["design"]
    ratio = f"{value / ref:.1f}× as often as" if ref > 0 else "more often than"
    if direction == "below":
        ratio = f"{value / ref:.2f}× as often as" if ref > 0 else "less often than"
    finding = (
        f"Design {name} is {VERBS[metric]} {ratio} {reference}{where}: {percent(value)} ({x} of {n}) against "
        f"{percent(ref)} ({ref_x} of {ref_n})."
    )
    advice = (
        f"Use design {name} for more of these credentials, or bring what makes it work to the other designs."
        if direction == "above"
        else f"Rework or retire design {name}: recipients act on it less than on {reference}."
    )
    return Candidate(
        kind="design_effect",
        metric=metric,
        subject={**subject, "design": row["design"]},
        direction=direction,
        finding=finding,
        recommendation=advice,
        evidence=evidence,
        impact=round(abs(gap) * n, 6),  # credentials that would have moved at the reference rate
        meaningful=round(abs(gap), 6) >= MIN_EFFECT,
        p_value=p,
    )
