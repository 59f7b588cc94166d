"""Types of the demo tenants and the calibration of their programs' engagement rates.

Each issuer's programs vary around its industry's averages (``rates.py``): a program's ``value``
scales its share, profile-add, referral and verification rates, its ``appeal`` its view and download
rates, and the issuance-weighted mean over the issuer's programs equals the industry average.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from credlens.demo import rates


@dataclass(frozen=True)
class Seasonality:
    """When an issuer awards: month and weekday weights, bulk-award days, year-over-year growth."""

    months: tuple[float, ...]  # January..December
    weekdays: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 0.9, 0.2, 0.12)  # Monday..Sunday
    batch_share: float = 0.0  # share of awards made in bulk runs on batch days
    batch_every_weeks: int = 0  # cohort cadence on Fridays (0 = no cohorts)
    batch_dates: tuple[tuple[int, int], ...] = ()  # yearly (month, day) bulk-award dates
    growth: float = 1.3  # issuance of a year relative to the year before


@dataclass(frozen=True)
class DemoProgram:
    """One program and its engagement profile (probabilities per credential)."""

    id: str
    name: str
    kind: str  # "certificate" | "badge"
    department: str | None
    view_rate: float
    share_rate: float
    referral_rate: float
    profile_add_rate: float
    download_rate: float
    verification_rate: float
    weight: float  # share of the issuer's issuance
    validity_days: int | None  # None = never expires
    completion_rate: float  # ASSUMPTION: enrolled people who earn the credential
    rating_mean: float  # ASSUMPTION: centre of the 1-5 feedback ratings
    duration_days: int  # typical time from enrolment to award
    value: float = 1.0  # relative perceived value (drives sharing, verification, career outcomes)
    prerequisite: str | None = None  # program usually earned before this one
    prerequisite_share: float = 0.0  # share of this program's awards going to holders of it


@dataclass(frozen=True)
class DemoIssuer:
    """One demo tenant: who it is, what it awards, when, and to whom."""

    slug: str
    name: str
    industry: str
    timezone: str  # IANA
    programs: tuple[DemoProgram, ...]
    country: str
    size: float  # relative share of the demo's events
    seasonality: Seasonality
    recipient_key: str = "email"  # "email" | "id" | "mixed"
    earner_prefix: str = "E"
    repeat_rate: float = 0.15  # share of awards going to someone already holding another program
    # ASSUMPTION: mixes below are weights in the order of vocab.SHARE_CHANNELS, VERIFIER_INDUSTRIES, AGE_BANDS
    share_channels: tuple[float, ...] = (0.52, 0.06, 0.08, 0.1, 0.05, 0.13, 0.03, 0.03)
    verifier_industries: tuple[float, ...] = (0.14, 0.3, 0.08, 0.08, 0.08, 0.1, 0.08, 0.14)
    age_mix: tuple[float, ...] = (0.01, 0.2, 0.36, 0.22, 0.13, 0.06, 0.02)
    home_share: float = 0.6  # share of recipients and verifiers from ``country`` (ASSUMPTION)
    delivery_rate: float = rates.DELIVERY_RATE
    feedback_rate: float = 0.12  # ASSUMPTION
    reengagement_rate: float = 0.2  # ASSUMPTION: owners active again >= 30 days after first view
    renewal_rate: float = 0.35  # ASSUMPTION: expiring credentials renewed


class ProgramSpec(NamedTuple):
    """A program as the catalog writes it: relative value and appeal instead of rates; ``after`` is
    the prerequisite program and ``after_share`` the share of awards going to its holders."""

    id: str
    name: str
    kind: str
    department: str | None
    weight: float
    value: float
    appeal: float
    completion: float
    rating: float
    duration: int
    validity: int | None
    after: str | None
    after_share: float


def spec(
    id_: str,
    name: str,
    kind: str,
    department: str | None,
    weight: float,
    value: float,
    *,
    appeal: float = 1.0,
    completion: float = 0.8,
    rating: float = 4.2,
    duration: int = 30,
    validity: int | None = None,
    after: str | None = None,
    after_share: float = 0.0,
) -> ProgramSpec:
    """A program spec with defaults for everything but identity, weight and value."""
    return ProgramSpec(
        id_, name, kind, department, weight, value, appeal, completion, rating, duration, validity, after, after_share
    )


def calibrated_programs(industry: str, specs: tuple[ProgramSpec, ...]) -> tuple[DemoProgram, ...]:
    """Programs whose issuance-weighted rates equal the industry averages."""
    avg = rates.industry_rates(industry)
    w = [s.weight for s in specs]
    value = [s.value for s in specs]
    appeal = [s.appeal for s in specs]
    download = [s.appeal * (1.2 if s.kind == "certificate" else 0.7) for s in specs]  # badges: fewer files
    columns = zip(
        specs,
        rates.calibrate(avg.view, w, appeal),
        rates.calibrate(avg.share, w, value),
        rates.calibrate(avg.referral, w, value),
        rates.calibrate(avg.profile_add, w, value),
        rates.calibrate(avg.download, w, download),
        rates.calibrate(avg.verification, w, [v**1.3 for v in value]),  # verification spreads wider
        strict=True,
    )
    return tuple(
        DemoProgram(
            id=s.id,
            name=s.name,
            kind=s.kind,
            department=s.department,
            view_rate=view,
            share_rate=share,
            referral_rate=referral,
            profile_add_rate=profile_add,
            download_rate=download_rate,
            verification_rate=verification,
            weight=s.weight,
            validity_days=s.validity,
            completion_rate=s.completion,
            rating_mean=s.rating,
            duration_days=s.duration,
            value=s.value,
            prerequisite=s.after,
            prerequisite_share=s.after_share,
        )
        for s, view, share, referral, profile_add, download_rate, verification in columns
    )
