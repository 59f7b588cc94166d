"""The demo event generator: each issuer's credential event stream over about three years.

Credentials are simulated in blocks of consecutive award days (bounded memory); every block
draws its per-credential outcomes and delays as numpy arrays and builds event dicts only at the
end. Everything is deterministic for a seed and ``today``, except that when ``today`` is the
current UTC date, events later than the current time are left out (nothing is ever in the future).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterator

import numpy as np

from credlens.demo import engagement, lifecycle, verification
from credlens.demo.cohort import Cohort, ProgramTable, Setting
from credlens.demo.events import Emitter, render
from credlens.demo.model import DemoIssuer
from credlens.demo.profiles import benchmark_issuer, every_demo_issuer
from credlens.demo.recipients import People, RecipientPool, assign
from credlens.demo.sampling import DAY, IntArray, pick
from credlens.demo.timing import Calendar, award_times, build_calendar, daily_counts, day_blocks
from credlens.memory import collector_paused

SCALES: dict[str, int] = {"small": 120_000, "medium": 1_000_000, "large": 10_000_000}
BLOCK_CREDENTIALS = 20_000
PILOT_CREDENTIALS = 3_000  # credentials simulated to learn an issuer's events per credential

Chunk = list[dict[str, object]]


def generate(
    scale: str = "small",
    *,
    seed: int = 7,
    today: dt.date | None = None,
    issuers: tuple[DemoIssuer, ...] | None = None,
    chunk_size: int = 50_000,
) -> Iterator[tuple[str, Chunk]]:
    """Yield (issuer slug, chunk of event dicts) until the scale's events are produced.

    Deterministic for a seed and today; issuers follow one another, each roughly in time order.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown demo scale {scale!r}; choose one of {', '.join(SCALES)}")
    chosen = every_demo_issuer() if issuers is None else issuers
    total = sum(issuer.size for issuer in chosen)
    day = today or _utc_today()
    for issuer in chosen:
        for chunk in _issuer_events(issuer, SCALES[scale] * issuer.size / total, seed, day, chunk_size):
            yield issuer.slug, chunk


def generate_single_issuer(
    n_events: int, *, seed: int = 7, today: dt.date | None = None, chunk_size: int = 200_000
) -> Iterator[Chunk]:
    """All events for ONE large issuer (used by benchmarks at 10M / 100M events). Same realism, one issuer."""
    yield from _issuer_events(benchmark_issuer(), n_events, seed, today or _utc_today(), chunk_size)


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _cutoff(today: dt.date) -> int:
    """The last second events may carry: the end of ``today``, or now if that is earlier."""
    end = (today - dt.date(1970, 1, 1)).days * DAY + DAY - 1
    return min(end, int(dt.datetime.now(dt.UTC).timestamp()))


def _issuer_events(issuer: DemoIssuer, n_events: float, seed: int, today: dt.date, chunk_size: int) -> Iterator[Chunk]:
    """One issuer's events, about ``n_events`` of them, in chunks of at most ``chunk_size``."""
    key = zlib.crc32(issuer.slug.encode())
    setting = Setting(issuer, ProgramTable.of(issuer), People(issuer, seed * 2**32 + key))
    calendar, cutoff = build_calendar(issuer, today), _cutoff(today)
    per_credential = _events_per_credential(setting, calendar, cutoff, np.random.default_rng([seed, key, 1]))
    rng = np.random.default_rng([seed, key])
    per_day = daily_counts(calendar, max(1, round(n_events / per_credential)), rng)
    pool, counters, serial = RecipientPool(), dict[str, int](), 1
    buffer: Chunk = []
    for start, stop in day_blocks(per_day, BLOCK_CREDENTIALS):
        with collector_paused():
            out = Emitter(issuer.slug, cutoff, counters)
            at = award_times(calendar, per_day, start, stop, rng)
            cohort = _simulate(setting, at[at <= cutoff], serial, pool, out, rng)
            serial += cohort.size
            buffer.extend(render(out.batches, cohort.credential_ids(), rng))
        while len(buffer) >= chunk_size:
            yield buffer[:chunk_size]
            buffer = buffer[chunk_size:]
    if buffer:
        yield buffer


def _events_per_credential(setting: Setting, calendar: Calendar, cutoff: int, rng: np.random.Generator) -> float:
    """Events per credential of a pilot run over the whole period (render-free)."""
    per_day = daily_counts(calendar, PILOT_CREDENTIALS, rng)
    at = award_times(calendar, per_day, 0, len(per_day), rng)
    out = Emitter(setting.issuer.slug, cutoff, {})
    cohort = _simulate(setting, at[at <= cutoff], 1, RecipientPool(), out, rng)
    return out.count() / max(cohort.size, 1)


def _simulate(
    setting: Setting, issued: IntArray, serial: int, pool: RecipientPool, out: Emitter, rng: np.random.Generator
) -> Cohort:
    """Award the credentials of one block and emit every event of their lives."""
    program = pick(rng, setting.programs.weight, len(issued))
    recipient, first_award = assign(pool, issued, program, setting.programs.sequences, rng)
    cohort = Cohort(serial, issued, program, recipient, first_award)
    lifecycle.enroll(setting, cohort, pool, out, rng)
    lifecycle.issue(setting, cohort, out)
    failed = lifecycle.deliver(setting, cohort, out, rng)
    revoked_at = lifecycle.revoke(cohort, out, rng)
    expires_at = lifecycle.expire(setting, cohort, revoked_at, out, rng)
    lifecycle.feedback(setting, cohort, out, rng)
    lifecycle.career_outcomes(setting, cohort, out, rng)
    lifecycle.consent_changes(setting, cohort, out, rng)
    shared = engagement.engage(setting, cohort, failed, out, rng)
    verification.verify(setting, cohort, shared, revoked_at, expires_at, out, rng)
    return cohort
