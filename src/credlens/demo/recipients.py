"""Who receives each award, and what the issuer knows about them.

Awards are linked to earlier holders so that portfolios and program sequences (intro, then
advanced) form. A person's attributes (identifier, country, demographics, consent) are derived
from a hash of their number, so every credential of one person carries the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from credlens.demo import vocab
from credlens.demo.model import DemoIssuer
from credlens.demo.sampling import (
    DAY,
    BoolArray,
    FloatArray,
    IntArray,
    ObjArray,
    delays,
    inverse_cdf,
    inverse_cdf_rows,
    labels,
    objects,
)

POOL_CAP = 300_000  # recent awards kept as candidates for links
LINK_WINDOW = 60 * DAY  # a link picks a holder awarded within this window before the gap
SEQUENCE_GAP = (120 * DAY, 0.6)  # ASSUMPTION: median and log-sigma between sequenced programs
PORTFOLIO_GAP = (150 * DAY, 0.9)  # ASSUMPTION: same for unrelated programs
DEMOGRAPHICS_SHARE = 0.7
TRACKING_OPT_IN = 0.2
CONSENT_CHANGES = (0.1, 0.02)  # ASSUMPTION: later opt-outs of opted-in people, opt-ins of others
_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class RecipientPool:
    """Recent awards of one issuer in time order, and the next unused recipient number."""

    next_id: int = 1
    rid: IntArray = field(default_factory=_EMPTY.copy)
    at: IntArray = field(default_factory=_EMPTY.copy)
    program: IntArray = field(default_factory=_EMPTY.copy)

    def new_ids(self, n: int) -> IntArray:
        """``n`` recipient numbers never used before."""
        ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        return ids

    def remember(self, rid: IntArray, at: IntArray, program: IntArray) -> None:
        """Add a block's awards, keeping only the most recent ``POOL_CAP``."""
        self.rid = np.concatenate([self.rid, rid])[-POOL_CAP:]
        self.at = np.concatenate([self.at, at])[-POOL_CAP:]
        self.program = np.concatenate([self.program, program])[-POOL_CAP:]


@dataclass(frozen=True)
class Sequences:
    """Per program index: the prerequisite's index (-1 = none) and the share of awards following it."""

    prerequisite: IntArray
    share: FloatArray
    repeat_rate: float


def assign(
    pool: RecipientPool, at: IntArray, program: IntArray, sequences: Sequences, rng: np.random.Generator
) -> tuple[IntArray, BoolArray]:
    """Recipient of each award (``at`` sorted) and whether it is that person's first award here."""
    base = len(pool.at)
    all_at = np.concatenate([pool.at, at])
    all_program = np.concatenate([pool.program, program])
    target = np.full(len(at), -1, dtype=np.int64)
    follows = (sequences.prerequisite[program] >= 0) & (rng.random(len(at)) < sequences.share[program])
    for prerequisite in np.unique(sequences.prerequisite[program[follows]]).tolist():
        rows = np.flatnonzero(follows & (sequences.prerequisite[program] == prerequisite))
        holders = np.flatnonzero(all_program == prerequisite)
        gap = delays(rng, *SEQUENCE_GAP, len(rows))
        target[rows] = _pick_holders(holders, all_at[holders], at[rows] - gap, rng)
    rows = np.flatnonzero((target < 0) & (rng.random(len(at)) < sequences.repeat_rate))
    gap = delays(rng, *PORTFOLIO_GAP, len(rows))
    target[rows] = _pick_holders(np.arange(len(all_at)), all_at, at[rows] - gap, rng)
    linked = target >= 0
    linked[linked] = all_program[target[linked]] != program[linked]
    target[~linked] = -1
    rid = _resolve(pool, target, base)
    _split_duplicates(pool, rid, program, linked)
    pool.remember(rid, at, program)
    return rid, ~linked


def _pick_holders(holders: IntArray, holder_at: IntArray, before: IntArray, rng: np.random.Generator) -> IntArray:
    """For each time, a holder awarded shortly before it (-1 when there is none)."""
    if len(holders) == 0:
        return np.full(len(before), -1, dtype=np.int64)
    hi = np.searchsorted(holder_at, before, side="right")
    lo = np.searchsorted(holder_at, before - LINK_WINDOW, side="left")
    choice = np.where(hi > lo, lo + (rng.random(len(before)) * (hi - lo)).astype(np.int64), hi - 1)
    return np.where(hi > 0, holders[np.maximum(choice, 0)], -1)


def _resolve(pool: RecipientPool, target: IntArray, base: int) -> IntArray:
    """Recipient numbers: new ones for unlinked awards, the target's for linked ones."""
    rid = np.concatenate([pool.rid, np.full(len(target), -1, dtype=np.int64)])
    new = np.flatnonzero(target < 0)
    rid[base + new] = pool.new_ids(len(new))
    pending = np.flatnonzero(target >= 0)
    while pending.size:  # NOTE: targets are strictly earlier, so chains end
        rid[base + pending] = rid[target[pending]]
        pending = pending[rid[base + pending] < 0]
    return rid[base:]


def _split_duplicates(pool: RecipientPool, rid: IntArray, program: IntArray, linked: BoolArray) -> None:
    """Give a new person any linked award of a program its recipient already holds."""
    width = int(max(program.max(initial=0), pool.program.max(initial=0))) + 1
    keys = np.concatenate([pool.rid, rid]) * width + np.concatenate([pool.program, program])
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    repeated = (first[inverse] != np.arange(len(keys)))[len(pool.rid) :] & linked
    rid[repeated] = pool.new_ids(int(repeated.sum()))


@dataclass(frozen=True)
class People:
    """Derives a recipient's identifier and attributes from their number (same person, same values)."""

    issuer: DemoIssuer
    key: int  # per issuer and seed

    def _uniform(self, rid: IntArray, salt: int) -> FloatArray:
        """A splitmix64 hash of (key, salt, rid) as uniforms in [0, 1)."""
        x = rid.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x += np.uint64((self.key * 1_000_003 + salt * 7_919) % 2**64)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
        return (x >> np.uint64(11)).astype(np.float64) / 2.0**53

    def references(self, rid: IntArray) -> ObjArray:
        """``{"email": ...}`` or ``{"id": ...}`` per recipient, as the issuer identifies them."""
        by_email = self._by_email(rid)
        prefix = self.issuer.earner_prefix
        refs = [
            {"email": f"learner{r}@example.org"} if e else {"id": f"{prefix}{r:07d}"}
            for r, e in zip(rid.tolist(), by_email.tolist(), strict=True)
        ]
        return objects(refs)

    def _by_email(self, rid: IntArray) -> BoolArray:
        mode = self.issuer.recipient_key
        if mode == "mixed":
            return self._uniform(rid, 0) < 0.5
        return np.full(len(rid), mode == "email", dtype=np.bool_)

    def tracking(self, rid: IntArray) -> BoolArray:
        """Whether each recipient opted in to detailed tracking when first awarded."""
        return self._uniform(rid, 8) < TRACKING_OPT_IN

    def changes_consent(self, rid: IntArray) -> BoolArray:
        """Whether each recipient later changes their tracking consent (opted-in people more often)."""
        share = np.where(self.tracking(rid), CONSENT_CHANGES[0], CONSENT_CHANGES[1])
        return self._uniform(rid, 9) < share

    def profiles(self, rid: IntArray) -> ObjArray:
        """The ``recipient`` object of each award: identifier, country, demographics, consent."""
        u = [self._uniform(rid, salt) for salt in range(1, 9)]
        world = np.where(np.asarray(vocab.WORLD) == self.issuer.country, 0.0, vocab.WORLD_MIX)
        abroad = labels(vocab.WORLD, inverse_cdf(world, u[1]))
        country = np.where(u[0] < self.issuer.home_share, self.issuer.country, abroad)
        age = inverse_cdf(np.asarray(self.issuer.age_mix), u[3])
        demographics = [
            {"gender": g, "age_band": a, "education_level": e, "employment_status": s} if has else None
            for has, g, a, e, s in zip(
                (u[2] < DEMOGRAPHICS_SHARE).tolist(),
                labels(vocab.GENDERS, inverse_cdf(np.asarray(vocab.GENDER_MIX), u[4])).tolist(),
                labels(vocab.AGE_BANDS, age).tolist(),
                labels(vocab.EDUCATION, inverse_cdf_rows(np.asarray(vocab.EDUCATION_BY_AGE), age, u[5])).tolist(),
                labels(vocab.EMPLOYMENT, inverse_cdf_rows(np.asarray(vocab.EMPLOYMENT_BY_AGE), age, u[6])).tolist(),
                strict=True,
            )
        ]
        consent = np.where(u[7] < TRACKING_OPT_IN, 1, np.where(u[7] < 0.45, 0, -1)).tolist()
        people = [
            _person(ref, c, d, t)
            for ref, c, d, t in zip(self.references(rid).tolist(), country.tolist(), demographics, consent, strict=True)
        ]
        return objects(people)


def _person(
    ref: dict[str, object], country: str, demographics: dict[str, str] | None, tracking: int
) -> dict[str, object]:
    person: dict[str, object] = {**ref, "country": country}
    if demographics is not None:
        person["demographics"] = demographics
    if tracking >= 0:
        person["consent"] = {"detailed_tracking": tracking == 1}
    return person
