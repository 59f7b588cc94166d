"""Each insight kind with its plain definition, its test, its minimum volumes and the recommendations
it may give; docs/insights.md has a section per kind (checked by tests/test_docs.py)."""

from __future__ import annotations

from dataclasses import dataclass

from credlens.metrics.programs import RANKING_MINIMUM

Q_LEVEL = 0.05  # Benjamini–Hochberg level over all the tests of one run
MIN_EFFECT = 0.05  # rates: 5 percentage points, so that "significant" is also meaningful
MIN_COUNT_CHANGE = 0.2  # counts: a change of at least 20 % of the comparison window's count
DELIVERY_TARGET = 0.95
MIN_LIFT = 1.5
MIN_PATHWAY_SHARE = 0.6  # A then B in at least 60 % of those who earned both in one order
RENEWAL_WINDOW_DAYS = 90  # metrics.issuance.EXPIRY_HORIZON_DAYS: `expiring_next_90d`
MIN_EXPIRING = 30  # renewal_risk: "many" credentials expiring in the next 90 days

# Program rates and their counts in the `programs` metric's rows: (numerator, denominator).
PROGRAM_RATES = {
    "view_rate": ("opened", "issued"),
    "share_rate": ("shared", "issued"),
    "share_rate_linkedin": ("shared_linkedin", "issued"),
    "profile_add_rate": ("profile_added", "issued"),
    "verification_rate": ("verified", "issued"),
    "completion_rate": ("completions", "enrollments"),
}
LABELS = {
    "view_rate": "view rate",
    "share_rate": "share rate",
    "share_rate_linkedin": "LinkedIn share rate",
    "profile_add_rate": "profile-add rate",
    "verification_rate": "verification rate",
    "completion_rate": "completion rate",
    "delivery_rate": "delivery rate",
    "issued": "credentials issued",
    "verifications": "verifications",
    "renewal_rate": "renewal rate",
}
CHANGE_RATES = (*PROGRAM_RATES, "delivery_rate")
CHANGE_COUNTS = ("issued", "verifications")


@dataclass(frozen=True)
class Kind:
    id: str
    definition: str
    test: str
    minimum: str


KINDS = {
    k.id: k
    for k in (
        Kind(
            "program_above_average",
            "A program's rate (view, share, LinkedIn share, profile-add, verification, completion) is above the "
            "rate of the issuer's other programs in scope, pooled.",
            "Two proportions: Fisher's exact test when an expected cell is below 5, else Pearson's chi-square.",
            f"≥ {RANKING_MINIMUM} credentials (enrollments for completion) in the program and in the rest; "
            f"≥ {MIN_EFFECT * 100:.0f} percentage points apart.",
        ),
        Kind(
            "program_below_average",
            "A program's rate is below the rate of the issuer's other programs in scope, pooled.",
            "As program_above_average.",
            "As program_above_average.",
        ),
        Kind(
            "changed_since_previous",
            "A rate or count of the issuer (or of one program) moved against the comparison window.",
            "Rates: two proportions as above. Counts (issued, verifications): binomial test of the window's "
            "count given the sum of both windows, with the window's share of the days (two Poisson counts).",
            f"Rates: ≥ {RANKING_MINIMUM} in each window and ≥ {MIN_EFFECT * 100:.0f} points apart; counts: ≥ "
            f"{RANKING_MINIMUM} in one window and a change of ≥ {MIN_COUNT_CHANGE * 100:.0f} %.",
        ),
        Kind(
            "delivery_problem",
            f"The delivery rate is below {DELIVERY_TARGET * 100:.0f} %, with the failure reasons.",
            f"One-sided binomial test of delivered / issued against {DELIVERY_TARGET * 100:.0f} %.",
            f"≥ {RANKING_MINIMUM} credentials issued.",
        ),
        Kind(
            "bundle_opportunity",
            f"Two programs held by the same recipients with lift ≥ {MIN_LIFT} (more than by chance).",
            "One-sided binomial test of the holders of both against recipients × P(A) × P(B).",
            f"≥ {RANKING_MINIMUM} holders of both.",
        ),
        Kind(
            "pathway",
            "Recipients earn program A and then program B more often than in the other order, with the median "
            "days between ('offer B to holders of A around day N').",
            "One-sided binomial test of A-then-B against B-then-A at 50 %.",
            f"≥ {RANKING_MINIMUM} recipients earning A then B; ≥ {MIN_PATHWAY_SHARE * 100:.0f} % of the two orders.",
        ),
        Kind(
            "market_demand",
            "Verifications by verifiers of an industry or country grew against the comparison window: a "
            "credential opportunity there.",
            "As changed_since_previous counts (two Poisson counts), on the verifier breakdown's released cells.",
            f"≥ {RANKING_MINIMUM} verifications in the window; growth of ≥ {MIN_COUNT_CHANGE * 100:.0f} %.",
        ),
        Kind(
            "renewal_risk",
            f"Many credentials of a program expire in the next {RENEWAL_WINDOW_DAYS} days, and the program's "
            "renewal rate (`program_renewals`: renewed / due for renewal in the window) is below the rate of the "
            "issuer's other programs in scope, pooled.",
            "Two proportions as program_above_average, on renewed / due; only a program below the others is reported.",
            f"≥ {MIN_EXPIRING} credentials expiring in the next {RENEWAL_WINDOW_DAYS} days; ≥ {RANKING_MINIMUM} "
            f"credentials due in the program and in the rest; ≥ {MIN_EFFECT * 100:.0f} percentage points below.",
        ),
        Kind(
            "design_effect",
            "A credential design (the `design` of `credential.issued`) is opened, shared or added to a profile more "
            "(or less) often than the program's other design(s); and, for a design several programs use, than the "
            "issuer's other designs pooled.",
            "Two proportions as program_above_average: two designs, one test of the pair (the better one the "
            "subject); three or more, each against the others pooled.",
            f"≥ {RANKING_MINIMUM} credentials of the design and of the rest; ≥ {MIN_EFFECT * 100:.0f} percentage "
            "points apart.",
        ),
    )
}

RECOMMENDATIONS = {
    ("view_rate", "below"): "Check delivery and send reminder e-mails: recipients who never open a credential "
    "never share it.",
    ("view_rate", "above"): "Reuse this program's delivery e-mail and timing for the others.",
    ("share_rate", "below"): "Make the credential worth showing (skills, design, a clear title) and prompt "
    "recipients to share it when they open it.",
    ("share_rate", "above"): "Double down: feature this program in marketing, its recipients are your ambassadors.",
    ("share_rate_linkedin", "below"): "Add an add-to-LinkedIn prompt to the delivery e-mail and the credential page.",
    ("share_rate_linkedin", "above"): "Reuse this program's LinkedIn prompt and wording for the other programs.",
    ("profile_add_rate", "below"): "Show recipients how to add the credential to their profile (one-click "
    "add-to-profile links).",
    ("profile_add_rate", "above"): "Highlight this program's profile-add guidance to the other programs' recipients.",
    ("verification_rate", "below"): "Position the credential where employers look: list its skills, make it "
    "verifiable in one click, tell employers about it.",
    ("verification_rate", "above"): "Double down: employers check it; promote the program to employers and learners.",
    ("completion_rate", "below"): "Look at where learners drop out; add milestones or reminders.",
    ("completion_rate", "above"): "Learn from this program's course design for the others.",
    ("delivery_rate", "below"): "Fix the failing addresses (bounces, invalid addresses) and resend.",
    ("delivery_rate", "above"): "",
    ("renewal_rate", "below"): "Remind the holders of expiring credentials before they expire (at 60, 30 and 7 "
    "days), make renewal one click, and ask lapsed holders why they did not renew.",
}


def recommendation(metric: str, direction: str | None) -> str:
    """The recommendation for a rate moving one way; changes use the matching program text."""
    side = {"up": "above", "down": "below"}.get(direction or "", direction or "")
    return RECOMMENDATIONS.get((metric, side), "")
