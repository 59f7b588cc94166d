"""Verifications by prospective employers and the outcomes some of them report.

Verification rates are the programs' calibrated (assumed) rates; verifier mixes, consent share,
outcome share and delays are ASSUMPTIONS stated below.
"""

from __future__ import annotations

import numpy as np

from credlens.demo import vocab
from credlens.demo.cohort import Cohort, Setting
from credlens.demo.events import Emitter
from credlens.demo.sampling import (
    DAY,
    NEVER,
    BoolArray,
    IntArray,
    ObjArray,
    delays,
    expand,
    labels,
    objects,
    pick,
    split_rate,
)

FROM_SHARED = 0.5  # ASSUMPTION: share of verified credentials whose owner shared them
CONSENT = 0.25  # verifiers who let their organization be named
INVALID = 0.01  # ASSUMPTION: lookups that fail (mistyped or tampered credential)
# ASSUMPTION: most checks come weeks to months after award (hiring); some much later (background
# checks, re-verification), which is when expired credentials show up.
LATE_CHECKS = 0.2
DELAY_MEDIAN = np.array([45 * DAY, 300 * DAY], dtype=np.float64)
DELAY_SIGMA = np.array([1.0, 0.6])
REVOKED_CHECKED = 0.25  # ASSUMPTION: revoked credentials an employer still checks afterwards
LAPSED_CHECKED = 0.5  # ASSUMPTION: lapsed credentials checked again, relative to the program's rate
OUTCOME_SHARE = 0.4  # verifications followed by a reported outcome
HIRED = 0.3  # at value 1.0; better-valued programs convert more (ASSUMPTION)
OTHER_OUTCOMES = (0.43, 0.43, 0.14)  # interviewed, not_hired, other (ASSUMPTION)


def verify(
    setting: Setting,
    cohort: Cohort,
    shared: BoolArray,
    revoked_at: IntArray,
    expires_at: IntArray,
    out: Emitter,
    rng: np.random.Generator,
) -> None:
    """credential.verified weeks to months after award, with verifier and result, and their outcomes."""
    programs = setting.programs
    rate, share = programs.verification[cohort.program], programs.share[cohort.program]
    p_shared, p_other = split_rate(rate, share, FROM_SHARED)
    verified = rng.random(cohort.size) < np.where(shared, p_shared, p_other)
    rows, _ = expand(rng, verified, 0.3)
    late = (rng.random(len(rows)) < LATE_CHECKS).astype(np.int64)
    at = cohort.issued[rows] + 2 * DAY + delays(rng, DELAY_MEDIAN[late], DELAY_SIGMA[late], len(rows))
    for changed_at, share in ((revoked_at, np.full(cohort.size, REVOKED_CHECKED)), (expires_at, LAPSED_CHECKED * rate)):
        checked = np.flatnonzero((changed_at < NEVER) & (rng.random(cohort.size) < share))
        rows = np.concatenate([rows, checked])
        at = np.concatenate([at, changed_at[checked] + delays(rng, 30 * DAY, 1.0, len(checked))])
    result = np.where(
        at >= revoked_at[rows],
        "revoked",
        np.where(at >= expires_at[rows], "expired", np.where(rng.random(len(rows)) < INVALID, "invalid", "valid")),
    ).astype(object)
    fields = {"verifier": _verifiers(setting, len(rows), rng), "result": result}
    kept, ids = out.emit("credential.verified", at, rows, fields)
    _outcomes(setting, cohort, rows[kept], at[kept], objects(ids), out, rng)


def _verifiers(setting: Setting, n: int, rng: np.random.Generator) -> ObjArray:
    """The ``verifier`` object: industry, size, country, consent and (with consent) organization."""
    issuer = setting.issuer
    industry = pick(rng, issuer.verifier_industries, n)
    size = labels(vocab.VERIFIER_SIZES, pick(rng, vocab.VERIFIER_SIZE_MIX, n))
    world = labels(vocab.WORLD, pick(rng, vocab.WORLD_MIX, n))
    country = np.where(rng.random(n) < issuer.home_share, issuer.country, world)
    consent = rng.random(n) < CONSENT
    organization = rng.integers(0, len(vocab.ORGANIZATIONS[0]), n)
    names = labels(vocab.VERIFIER_INDUSTRIES, industry)
    return objects(
        [
            {"consent": True, "organization": vocab.ORGANIZATIONS[i][o], "industry": name, "size": s, "country": c}
            if agreed
            else {"consent": False, "industry": name, "size": s, "country": c}
            for agreed, i, o, name, s, c in zip(
                consent.tolist(),
                industry.tolist(),
                organization.tolist(),
                names.tolist(),
                size.tolist(),
                country.tolist(),
                strict=True,
            )
        ]
    )


def _outcomes(
    setting: Setting,
    cohort: Cohort,
    rows: IntArray,
    at: IntArray,
    ids: ObjArray,
    out: Emitter,
    rng: np.random.Generator,
) -> None:
    """verification.outcome for some verifications, days to weeks later; hires follow program value."""
    part = np.flatnonzero(rng.random(len(rows)) < OUTCOME_SHARE)
    value = setting.programs.value[cohort.program[rows[part]]]
    hired = rng.random(len(part)) < np.clip(HIRED * np.sqrt(value), 0.1, 0.5)
    other = pick(rng, OTHER_OUTCOMES, len(part)) + 1
    outcome = labels(vocab.VERIFICATION_OUTCOMES, np.where(hired, 0, other))
    when = at[part] + delays(rng, 16 * DAY, 0.8, len(part))
    out.emit("verification.outcome", when, rows[part], {"verification_id": ids[part], "outcome": outcome})
