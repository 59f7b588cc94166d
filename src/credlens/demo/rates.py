"""Engagement rates the demo is calibrated to: published industry averages plus stated assumptions.

Published: Accredible Help Center, "How do My Company's Analytics Compare to Average?"
(https://help.accredible.com/company-average-comparison): average credential visit (view), share and
referral rates of the 14 main issuing industries on Accredible, and a 99 % delivery rate.
Nothing comparable is published for LinkedIn profile adds, downloads or verifications: those columns
are ASSUMPTIONS (see ``ASSUMED``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SOURCE = "Accredible Help Center, 'How do My Company's Analytics Compare to Average?' (industry averages)"
SOURCE_URL = "https://help.accredible.com/company-average-comparison"
DELIVERY_RATE = 0.99  # published, not industry dependent

# Published (view, share, referral) by industry, as fractions.
PUBLISHED: dict[str, tuple[float, float, float]] = {
    "awarding_body": (0.60, 0.21, 0.06),
    "bootcamp": (0.68, 0.33, 0.09),
    "cpd": (0.66, 0.06, 0.03),
    "events": (0.47, 0.08, 0.00),
    "government": (0.65, 0.13, 0.05),
    "higher_education": (0.63, 0.18, 0.06),
    "internal_corporate_training": (0.55, 0.05, 0.02),
    "language_training": (0.61, 0.06, 0.05),
    "online_courses": (0.61, 0.18, 0.07),
    "platforms": (0.62, 0.32, 0.07),
    "product_training": (0.58, 0.27, 0.10),
    "professional_associations": (0.61, 0.18, 0.09),
    "professional_certifications": (0.61, 0.19, 0.07),
    "professional_development": (0.57, 0.24, 0.05),
}

# ASSUMPTION (profile_add, download, verification) by industry. Reasoning: Accredible's reporting
# guide shows 8 of 43 credentials downloaded and 1 of 43 added to LinkedIn for a typical issuer;
# certifications employers rely on (professional, vendor, clinical) are added and verified more,
# internal training and event attendance least. CPD certificates are filed with licensing boards,
# hence many downloads.
ASSUMED: dict[str, tuple[float, float, float]] = {
    "bootcamp": (0.14, 0.30, 0.08),
    "cpd": (0.03, 0.45, 0.05),
    "events": (0.015, 0.22, 0.005),
    "higher_education": (0.09, 0.38, 0.06),
    "internal_corporate_training": (0.02, 0.18, 0.01),
    "language_training": (0.025, 0.35, 0.04),
    "online_courses": (0.07, 0.28, 0.03),
    "product_training": (0.11, 0.15, 0.07),
    "professional_certifications": (0.12, 0.35, 0.12),
}


@dataclass(frozen=True)
class IndustryRates:
    """Issuance-weighted average rates an issuer of one industry is calibrated to."""

    view: float
    share: float
    referral: float
    profile_add: float
    download: float
    verification: float


def industry_rates(industry: str) -> IndustryRates:
    """The published and assumed averages of one industry."""
    view, share, referral = PUBLISHED[industry]
    profile_add, download, verification = ASSUMED[industry]
    return IndustryRates(view, share, referral, profile_add, download, verification)


def calibrate(target: float, weights: Sequence[float], multipliers: Sequence[float]) -> tuple[float, ...]:
    """Per-program rates proportional to ``multipliers`` whose issuance-weighted mean is ``target``."""
    w = np.asarray(weights, dtype=np.float64)
    m = np.asarray(multipliers, dtype=np.float64)
    rates = target * m / float((w * m).sum() / w.sum())
    return tuple(round(float(r), 4) for r in np.minimum(rates, 0.95))
