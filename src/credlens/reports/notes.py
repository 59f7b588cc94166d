"""What the numbers cannot see, and the privacy rules that shape them, stated where they apply (metrics.md)."""

from __future__ import annotations

from credlens.metrics.registry import REGISTRY, Shape

ENGAGEMENT_BLIND_SPOTS = (
    "Blind spots: shares made outside the tracked share tools, downloads later posted by hand, mail filtered "
    "to spam, and owner views where the owner is not recognized all go unseen, so engagement rates are lower "
    "bounds."
)
COHORT = (
    "Cohort figures: credentials issued in the window, with all their events whatever their date; a recent "
    "window has had less time to be opened, shared and verified."
)
VERIFICATION_BLIND_SPOTS = (
    "Only verifications made through the credential's verification page are counted; an employer who reads "
    "a PDF or a profile without verifying it is not seen. Verifier attributes missing from an event show as "
    "`unknown`."
)
CONSENTED_ONLY = "Organizations are named only for verifications whose verifier consented; the others never appear."
VERIFIER_CROSSING = (
    "Industry × size cells with fewer than 3 verifications are suppressed, with others where needed so that "
    "none can be worked out from the totals by industry, by size or overall; hidden cells are not named "
    "(one row, other segments), so no verifier is singled out."
)
OUTCOMES = (
    "Hires and outcomes count only what verifiers and recipients chose to report; most verifications report "
    "nothing, so these are lower bounds."
)


def sensitive(k: int) -> str:
    return (
        f"Sensitive breakdown: a cell with fewer than {k} recipients is suppressed, and when exactly one would "
        "be, the next-smallest is too, so it cannot be recovered by subtraction (privacy.md). Exports are "
        "suppressed the same way."
    )


def definition(metric_id: str) -> str:
    """The registry's definition text, as the UI shows it (without Markdown backticks)."""
    metric = REGISTRY.get(metric_id)
    return "" if metric is None else metric.definition.replace("`", "")


def is_rate(metric_id: str) -> bool:
    metric = REGISTRY.get(metric_id)
    return metric is not None and metric.shape is Shape.RATE and metric.unit == "fraction"
