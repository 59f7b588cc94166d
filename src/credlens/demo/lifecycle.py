"""A credential's life apart from engagement: enrolment, award, delivery, feedback, career
outcomes, consent changes, revocation, renewal and expiry.

Delays and shares are ASSUMPTIONS unless a comment names a source.
"""

from __future__ import annotations

import numpy as np

from credlens.demo import designs, vocab
from credlens.demo.cohort import Cohort, Setting
from credlens.demo.events import Emitter, timestamps
from credlens.demo.recipients import RecipientPool
from credlens.demo.sampling import DAY, HOUR, MINUTE, NEVER, BoolArray, IntArray, delays, labels, objects, pick

REVOCATION_RATE = 0.005
RENEWAL_LEAD = 45 * DAY  # renewals happen up to this long before expiry
EXPIRY_EVENT_SHARE = 0.7  # lapsed credentials whose issuer also sends credential.expired
CAREER_OUTCOME_RATE = 0.03  # at value 1.0


def enroll(setting: Setting, cohort: Cohort, pool: RecipientPool, out: Emitter, rng: np.random.Generator) -> None:
    """program.enrolled for every award, plus enrolments of people who never complete."""
    programs = setting.programs
    completion = programs.completion[cohort.program]
    lead = programs.duration_days[cohort.program] * DAY * np.exp(0.25 * rng.standard_normal(cohort.size))
    started = cohort.issued - np.maximum(lead.astype(np.int64), HOUR)
    dropouts = rng.poisson((1.0 - completion) / completion)
    source = np.repeat(np.arange(cohort.size), dropouts)
    jitter = rng.integers(-10 * DAY, 10 * DAY, len(source))
    at = np.concatenate([started, started[source] + jitter])
    program = np.concatenate([cohort.program, cohort.program[source]])
    recipient = np.concatenate([cohort.recipient, pool.new_ids(len(source))])
    refs = objects([{"id": programs.ids[p]} for p in program.tolist()])
    out.emit("program.enrolled", at, None, {"program": refs, "recipient": setting.people.references(recipient)})


def issue(setting: Setting, cohort: Cohort, out: Emitter) -> None:
    """credential.issued with the program, the recipient, for programs with validity expires_at, and a design
    where the program has designs (designs.py)."""
    programs = setting.programs
    templates = programs.templates
    program = objects([dict(templates[p]) for p in cohort.program.tolist()])
    recipient = setting.people.profiles(cohort.recipient)
    validity = programs.validity_days[cohort.program]
    design = objects(designs.objects_for(setting, cohort))
    has_design = np.array([d is not None for d in design], dtype=bool)
    for expiring in (True, False):
        for styled in (False, True):
            rows = np.flatnonzero(((validity > 0) == expiring) & (has_design == styled))
            fields = {"program": program[rows], "recipient": recipient[rows]}
            if expiring:
                fields["expires_at"] = objects(timestamps(cohort.issued[rows] + validity[rows] * DAY))
            if styled:
                fields["design"] = design[rows]
            if len(rows) or not styled:
                out.emit("credential.issued", cohort.issued[rows], rows, fields)


def deliver(setting: Setting, cohort: Cohort, out: Emitter, rng: np.random.Generator) -> BoolArray:
    """credential.delivered seconds to minutes after award, or delivery_failed; returns the failures."""
    failed = rng.random(cohort.size) >= setting.issuer.delivery_rate
    rows = np.flatnonzero(~failed)
    out.emit("credential.delivered", cohort.issued[rows] + delays(rng, 40, 1.0, len(rows)), rows)
    rows = np.flatnonzero(failed)
    reason = labels(vocab.DELIVERY_FAILURES, pick(rng, vocab.DELIVERY_FAILURE_MIX, len(rows)))
    at = cohort.issued[rows] + delays(rng, 5 * MINUTE, 1.0, len(rows))
    out.emit("credential.delivery_failed", at, rows, {"reason": reason})
    return failed


def revoke(cohort: Cohort, out: Emitter, rng: np.random.Generator) -> IntArray:
    """credential.revoked for a few awards; returns each credential's revocation time (NEVER if none)."""
    rows = np.flatnonzero(rng.random(cohort.size) < REVOCATION_RATE)
    at = cohort.issued[rows] + DAY + delays(rng, 25 * DAY, 1.3, len(rows))
    reason = labels(vocab.REVOCATION_REASONS, pick(rng, vocab.REVOCATION_MIX, len(rows)))
    out.emit("credential.revoked", at, rows, {"reason": reason})
    revoked_at = np.full(cohort.size, NEVER, dtype=np.int64)
    revoked_at[rows] = at
    return revoked_at


def expire(setting: Setting, cohort: Cohort, revoked_at: IntArray, out: Emitter, rng: np.random.Generator) -> IntArray:
    """credential.renewed before some expiries and credential.expired after lapses; returns final expiry."""
    validity = setting.programs.validity_days[cohort.program] * DAY
    expiring = (validity > 0) & (revoked_at == NEVER)
    expires = cohort.issued + validity
    rows = np.flatnonzero(expiring & (rng.random(cohort.size) < setting.issuer.renewal_rate))
    renewed_at = expires[rows] - rng.integers(0, RENEWAL_LEAD, len(rows))
    new_expiry = expires[rows] + validity[rows]
    kept, _ = out.emit("credential.renewed", renewed_at, rows, {"expires_at": objects(timestamps(new_expiry))})
    expires[rows[kept]] = new_expiry[kept]
    rows = np.flatnonzero(expiring & (rng.random(cohort.size) < EXPIRY_EVENT_SHARE))
    out.emit("credential.expired", expires[rows] + delays(rng, 2 * HOUR, 1.0, len(rows)), rows)
    return np.where(validity > 0, expires, NEVER)


def feedback(setting: Setting, cohort: Cohort, out: Emitter, rng: np.random.Generator) -> None:
    """recipient.feedback ratings 1-5 from some owners, centred on the program's rating."""
    rows = np.flatnonzero(rng.random(cohort.size) < setting.issuer.feedback_rate)
    centre = setting.programs.rating[cohort.program[rows]]
    rating = np.clip(np.rint(centre + 0.85 * rng.standard_normal(len(rows))), 1, 5).astype(np.int64)
    at = cohort.issued[rows] + delays(rng, 2 * DAY, 1.2, len(rows))
    out.emit("recipient.feedback", at, rows, {"rating": rating.astype(object)})


def career_outcomes(setting: Setting, cohort: Cohort, out: Emitter, rng: np.random.Generator) -> None:
    """recipient.outcome_reported by a few owners, more for better-valued programs."""
    rate = CAREER_OUTCOME_RATE * setting.programs.value[cohort.program]
    rows = np.flatnonzero(rng.random(cohort.size) < rate)
    at = cohort.issued[rows] + 21 * DAY + delays(rng, 80 * DAY, 0.8, len(rows))
    outcome = labels(vocab.CAREER_OUTCOMES, pick(rng, vocab.CAREER_OUTCOME_MIX, len(rows)))
    out.emit("recipient.outcome_reported", at, rows, {"outcome": outcome})


def consent_changes(setting: Setting, cohort: Cohort, out: Emitter, rng: np.random.Generator) -> None:
    """recipient.consent_changed: a few people later opt in to or out of detailed tracking."""
    people = setting.people
    rows = np.flatnonzero(cohort.first_award & people.changes_consent(cohort.recipient))
    recipient = cohort.recipient[rows]
    at = cohort.issued[rows] + delays(rng, 120 * DAY, 1.0, len(rows))
    fields = {
        "recipient": people.references(recipient),
        "detailed_tracking": (~people.tracking(recipient)).astype(object),
    }
    out.emit("recipient.consent_changed", at, None, fields)
