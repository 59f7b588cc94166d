"""Each metric id of metrics.md with its family, unit, time semantics and definition text.

The definition text is what the UI, the API docs and docs/metrics.md show; changing a definition is
a versioned change recorded in CHANGELOG.md, never a silent one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from credlens.domain.events import CHANNELS
from credlens.privacy.suppression import Rule


class Family(Enum):
    ISSUANCE = "issuance"
    ENGAGEMENT = "engagement"
    VERIFICATION = "verification"
    PROGRAMS = "programs"
    RECIPIENTS = "recipients"
    MARKET = "market demand"


class Time(Enum):
    COHORT = "cohort"  # credentials issued in the window, with all their events
    ACTIVITY = "activity"  # events that occurred in the window
    POINT = "point in time"  # the state at the window's end


class Shape(Enum):
    COUNT = "count"
    RATE = "rate"  # numerator / denominator, null when the denominator is 0
    MEAN = "mean"
    FUNNEL = "funnel"
    TREND = "trend"  # rows of {key: bucket start, value}
    BREAKDOWN = "breakdown"  # rows of {key, value, ...}, largest first
    SEGMENT_TREND = "segment trend"  # breakdown rows, each with its `buckets` trend


class Input(Enum):
    """What a metric is computed from: each is one statement (or a few) of a window's run, planned
    once however many asked metrics read it (metrics/plan.py builds the plan, metrics/inputs.py the
    statements)."""

    COHORT = "cohort"  # the cohort's counts: the fold's per-day counters, per-credential state, rollups
    STATE = "state"  # per-credential state: expiring at the window's end, revoked in it
    NEW_RECIPIENTS = "new_recipients"  # per-credential state, or the recipient rollups (unfiltered)
    ENROLLMENTS = "enrollments"  # the fold's `enrolled` per (recipient, program)
    RENEWALS = "renewals"
    VERIFIED = "verified"  # the window's verifications of credentials in scope: a temporary table
    VERIFICATION_TOTALS = "verification_totals"
    BUCKETS = "buckets"  # the window's trend buckets: a view of the reader
    ACTIVE_CHANGES = "active_changes"  # credentials started and ended per day (and so active at the end)
    VERIFICATION_TREND = "verification_trend"
    VERIFICATION_BREAKDOWNS = "verification_breakdowns"
    SEGMENT_TRENDS = "segment_trends"
    EMPLOYERS = "employers"
    PROGRAM_NAMES = "programs"
    PER_PROGRAM = "per_program"  # per-day counters per program
    PROGRAM_RENEWALS = "program_renewals"
    DESIGNS = "designs"
    HOLDINGS = "holdings"  # (recipient, program) holdings at the window's end: temporary tables
    PORTFOLIO = "portfolio"
    PAIRS = "pairs"
    DAILY_ACTIVITY = "daily_activity"  # per-day counters of shares and feedback
    CAREER_OUTCOMES = "career_outcomes"
    ATTRIBUTES = "attributes"  # events by an attribute they carry, from the fold-kept cells (metrics/attributes.py)
    DEMOGRAPHICS = "demographics"  # the recipient rollups (unfiltered) or the cohort's recipients


class Finish(Enum):
    """How a metric's result is made from its inputs' rows (metrics/finish.py, one function each)."""

    COUNTS = "counts"  # a count, rate, mean or funnel of the window's counts
    ISSUED_TREND = "issued_trend"
    VERIFICATION_TREND = "verification_trend"
    PER_1K_ACTIVE = "per_1k_active"
    VERIFIER_BREAKDOWN = "verifier_breakdown"
    TOP_VERIFIERS = "top_verifiers"
    SEGMENT_TREND = "segment_trend"
    EMPLOYER_SEGMENTS = "employer_segments"
    PROGRAMS = "programs"
    PROGRAM_RENEWALS = "program_renewals"
    DESIGNS = "designs"
    CREDENTIALS_PER_RECIPIENT = "credentials_per_recipient"
    CO_HELD_PROGRAMS = "co_held_programs"
    PROGRAM_SEQUENCES = "program_sequences"
    SHARE_CHANNELS = "share_channels"
    FEEDBACK = "feedback"
    CAREER_OUTCOMES = "career_outcomes"
    ATTRIBUTE = "attribute"
    DEMOGRAPHICS = "demographics"


@dataclass(frozen=True)
class Metric:
    id: str
    family: Family
    unit: str
    time: Time
    shape: Shape
    definition: str
    numerator: str | None = None  # rates: ids of the counts they divide
    denominator: str | None = None
    privacy: Rule = Rule.NONE  # the suppression the runner applies before any surface sees the result
    axes: tuple[str, str] | None = None  # a verifier crossing: the row fields it crosses
    inputs: tuple[Input, ...] = (Input.COHORT,)  # what it is computed from (a cohort count unless said)
    finish: Finish = Finish.COUNTS  # how its result is made from them
    reads: tuple[str, ...] = ()  # other metrics whose results it is finished with (not in its result)

    def counts(self, funnel: tuple[str, ...]) -> frozenset[str]:
        """The window's counts a COUNTS metric is finished from (a funnel's depend on its steps)."""
        if self.shape is Shape.FUNNEL:
            return frozenset(f"funnel_{k}" for k in range(len(funnel)))
        if self.shape is Shape.RATE:
            assert self.numerator is not None
            assert self.denominator is not None
            return frozenset({self.numerator, self.denominator})
        if self.id == "owner_active_days_mean":
            return frozenset({"owner_active_days_total", "opened"})
        return frozenset({self.id})


_ENGAGEMENT_STEPS = {
    "delivered": ("delivery_rate", "a `credential.delivered` event"),
    "opened": ("view_rate", "a `credential.viewed` event by the owner (public views do not count)"),
    "downloaded": ("download_rate", "a `credential.downloaded` event, any actor"),
    "shared": ("share_rate", "a `credential.shared` event, any channel, any actor"),
    "profile_added": ("profile_add_rate", "a `credential.profile_added` event"),
    "referred": ("referral_rate", "a `credential.referral_clicked` event"),
    "verified": ("verification_rate", "a `credential.verified` event, any result"),
}


def _lifecycle() -> list[Metric]:
    """Issuance metrics with other time semantics than the cohort's."""
    issuance, activity, point = Family.ISSUANCE, Time.ACTIVITY, Time.POINT
    return [
        Metric(
            "enrollments",
            issuance,
            "(recipient, program)",
            activity,
            Shape.COUNT,
            "Distinct (recipient, program) pairs with a `program.enrolled` event in the window.",
            inputs=(Input.ENROLLMENTS,),
        ),
        Metric(
            "completions",
            issuance,
            "(recipient, program)",
            activity,
            Shape.COUNT,
            "Of `enrollments`, the pairs for which that recipient holds a credential of that program "
            "(issued at any time).",
            inputs=(Input.ENROLLMENTS,),
        ),
        Metric(
            "completion_rate",
            issuance,
            "fraction",
            activity,
            Shape.RATE,
            "`completions` / `enrollments`.",
            numerator="completions",
            denominator="enrollments",
            inputs=(Input.ENROLLMENTS,),
        ),
        Metric(
            "active_credentials",
            issuance,
            "credential",
            point,
            Shape.COUNT,
            "Credentials in scope issued on or before the window's end, not revoked on or before it, and not "
            "expired on or before it (a renewal after an explicit expiry makes a credential active again).",
            inputs=(Input.ACTIVE_CHANGES,),
        ),
        Metric(
            "revoked",
            issuance,
            "credential",
            activity,
            Shape.COUNT,
            "Credentials revoked in the window.",
            inputs=(Input.STATE,),
        ),
        Metric(
            "expiring_next_90d",
            issuance,
            "credential",
            point,
            Shape.COUNT,
            "Active credentials whose `expires_at` falls in the 90 days after the window's end.",
            inputs=(Input.STATE,),
        ),
        Metric(
            "due_for_renewal",
            issuance,
            "credential",
            activity,
            Shape.COUNT,
            "Credentials in scope that came up for renewal in the window: renewed in it (their latest "
            "`credential.renewed`), or whose validity ran out in it (`expires_at`, or a `credential.expired` not "
            "followed by a renewal; not a revocation) without a renewal since.",
            inputs=(Input.RENEWALS,),
        ),
        Metric(
            "renewed",
            issuance,
            "credential",
            activity,
            Shape.COUNT,
            "Of `due_for_renewal`, the credentials renewed in the window.",
            inputs=(Input.RENEWALS,),
        ),
        Metric(
            "renewal_rate",
            issuance,
            "fraction",
            activity,
            Shape.RATE,
            "`renewed` / `due_for_renewal`.",
            numerator="renewed",
            denominator="due_for_renewal",
            inputs=(Input.RENEWALS,),
        ),
        Metric(
            "issued_trend",
            issuance,
            "credential",
            Time.COHORT,
            Shape.TREND,
            "`issued` per interval bucket (day, ISO week or month, in the issuer's time zone).",
            inputs=(Input.BUCKETS, Input.ACTIVE_CHANGES),
            finish=Finish.ISSUED_TREND,
        ),
    ]


def _verification() -> list[Metric]:
    family, activity = Family.VERIFICATION, Time.ACTIVITY
    metrics = [
        Metric(
            "verifications",
            family,
            "event",
            activity,
            Shape.COUNT,
            "`credential.verified` events in the window, for credentials in scope.",
            inputs=(Input.VERIFIED, Input.VERIFICATION_TOTALS),
        ),
        Metric(
            "verified_credentials",
            family,
            "credential",
            activity,
            Shape.COUNT,
            "Distinct credentials among `verifications`.",
            inputs=(Input.VERIFIED, Input.VERIFICATION_TOTALS),
        ),
    ]
    for attribute in ("industry", "size", "country"):
        metrics.append(
            Metric(
                f"verifications_by_{attribute}",
                family,
                "event",
                activity,
                Shape.BREAKDOWN,
                f"`verifications` by the verifier's {attribute}; a missing value is `unknown`.",
                inputs=(Input.VERIFIED, Input.VERIFICATION_BREAKDOWNS),
                finish=Finish.VERIFIER_BREAKDOWN,
            )
        )
    return [
        *metrics,
        Metric(
            "top_verifiers",
            family,
            "event",
            activity,
            Shape.BREAKDOWN,
            "Organizations of consented verifications, by count (top 10); non-consented ones never appear.",
            inputs=(Input.VERIFIED, Input.VERIFICATION_BREAKDOWNS),
            finish=Finish.TOP_VERIFIERS,
        ),
        Metric(
            "outcomes_reported",
            family,
            "event",
            activity,
            Shape.COUNT,
            "`verifications` with at least one `verification.outcome` (reported at any time).",
            inputs=(Input.VERIFIED, Input.VERIFICATION_TOTALS),
        ),
        Metric(
            "hires",
            family,
            "event",
            activity,
            Shape.COUNT,
            "`verifications` with an outcome `hired`.",
            inputs=(Input.VERIFIED, Input.VERIFICATION_TOTALS),
        ),
        Metric(
            "verification_to_hire_rate",
            family,
            "fraction",
            activity,
            Shape.RATE,
            "`hires` / `outcomes_reported`.",
            numerator="hires",
            denominator="outcomes_reported",
            inputs=(Input.VERIFIED, Input.VERIFICATION_TOTALS),
        ),
        Metric(
            "verification_trend",
            family,
            "event",
            activity,
            Shape.TREND,
            "`verifications` per interval bucket.",
            inputs=(Input.VERIFIED, Input.BUCKETS, Input.VERIFICATION_TREND),
            finish=Finish.VERIFICATION_TREND,
        ),
        Metric(
            "verifications_per_1k_active",
            family,
            "per 1,000 credentials",
            activity,
            Shape.TREND,
            "Per bucket: `verifications` / `active_credentials` at the bucket's end × 1000.",
            inputs=(Input.VERIFIED, Input.BUCKETS, Input.ACTIVE_CHANGES, Input.VERIFICATION_TREND),
            finish=Finish.PER_1K_ACTIVE,
        ),
    ]


def _programs_recipients_market() -> list[Metric]:
    recipients, market, activity, cohort = Family.RECIPIENTS, Family.MARKET, Time.ACTIVITY, Time.COHORT
    breakdown = Shape.BREAKDOWN
    return [
        Metric(
            "programs",
            Family.PROGRAMS,
            "program",
            cohort,
            breakdown,
            "One row per program in scope (value = `issued`): `issued`, `view_rate`, `share_rate`, "
            "`share_rate_linkedin`, `profile_add_rate`, `verification_rate`, `completion_rate` (activity), "
            "`avg_rating` (mean rating of `recipient.feedback` events of the cohort), `employer_interest` "
            "(verification events of the cohort per 100 `issued`) and `perceived_value_index`: 100 × the mean, "
            "over share, profile-add and verification rates, of the program's rate / the issuer-wide rate for the "
            "same query (a rate whose issuer-wide value is 0 or null is left out); 100 means as valued as the "
            "issuer's average program.",
            inputs=(Input.PROGRAM_NAMES, Input.PER_PROGRAM, Input.ENROLLMENTS),
            finish=Finish.PROGRAMS,
            reads=("share_rate", "profile_add_rate", "verification_rate"),
        ),
        Metric(
            "program_renewals",
            Family.PROGRAMS,
            "credential",
            activity,
            breakdown,
            "One row per program in scope with credentials to renew (value = `expiring_next_90d`): "
            "`expiring_next_90d` (point in time), `due_for_renewal`, `renewed` and `renewal_rate` of the program, "
            "as defined under Issuance.",
            inputs=(Input.PROGRAM_NAMES, Input.PROGRAM_RENEWALS),
            finish=Finish.PROGRAM_RENEWALS,
        ),
        Metric(
            "designs",
            Family.PROGRAMS,
            "credential",
            cohort,
            breakdown,
            "One row per (program, design) of the cohort issued with a `design` (value = `issued`): `program`, "
            "`design`, `name`, `issued`, `opened`, `shared`, `profile_added` and their rates `view_rate`, "
            "`share_rate`, `profile_add_rate`; credentials issued without a design are left out.",
            inputs=(Input.PROGRAM_NAMES, Input.DESIGNS),
            finish=Finish.DESIGNS,
        ),
        Metric(
            "credentials_per_recipient",
            recipients,
            "recipient",
            Time.POINT,
            breakdown,
            "Recipients holding credentials in scope issued on or before the window's end, by how many they "
            "hold: 1, 2, 3, 4, 5+.",
            inputs=(Input.HOLDINGS, Input.PORTFOLIO),
            finish=Finish.CREDENTIALS_PER_RECIPIENT,
        ),
        Metric(
            "co_held_programs",
            recipients,
            "recipient",
            Time.POINT,
            breakdown,
            "Pairs of programs held by the same recipient (issued on or before the window's end): recipients "
            "holding both (value), support (that count / recipients in scope) and lift (P(A and B) / (P(A) P(B))); "
            "the 50 most held pairs.",
            inputs=(Input.PROGRAM_NAMES, Input.HOLDINGS, Input.PORTFOLIO, Input.PAIRS),
            finish=Finish.CO_HELD_PROGRAMS,
        ),
        Metric(
            "program_sequences",
            recipients,
            "recipient",
            Time.POINT,
            breakdown,
            "Ordered pairs: recipients who earned program A, then program B strictly later (first credential of "
            "each, issued on or before the window's end), with the median days between; the 50 most common.",
            inputs=(Input.PROGRAM_NAMES, Input.HOLDINGS, Input.PORTFOLIO, Input.PAIRS),
            finish=Finish.PROGRAM_SEQUENCES,
        ),
        Metric(
            "share_channels",
            recipients,
            "event",
            activity,
            breakdown,
            "`credential.shared` events in the window by channel.",
            inputs=(Input.DAILY_ACTIVITY,),
            finish=Finish.SHARE_CHANNELS,
        ),
        Metric(
            "feedback",
            recipients,
            "event",
            activity,
            breakdown,
            "`recipient.feedback` events in the window by rating (1-5), with their count and mean.",
            inputs=(Input.DAILY_ACTIVITY,),
            finish=Finish.FEEDBACK,
        ),
        Metric(
            "career_outcomes",
            recipients,
            "event",
            activity,
            breakdown,
            "`recipient.outcome_reported` events in the window by outcome, with distinct recipients; sensitive: "
            "a cell of fewer than k recipients is suppressed.",
            privacy=Rule.SENSITIVE,
            inputs=(Input.CAREER_OUTCOMES,),
            finish=Finish.CAREER_OUTCOMES,
        ),
        Metric(
            "recipient_demographics",
            recipients,
            "recipient",
            cohort,
            breakdown,
            "`unique_recipients` by each demographic attribute (gender, age band, education level, employment "
            "status, country; missing as `unknown`); sensitive: a cell of fewer than k recipients is suppressed.",
            privacy=Rule.SENSITIVE,
            inputs=(Input.DEMOGRAPHICS,),
            finish=Finish.DEMOGRAPHICS,
        ),
        Metric(
            "verifications_by_industry_trend",
            market,
            "event",
            activity,
            Shape.SEGMENT_TREND,
            "`verifications` by verifier industry, each with its trend per interval bucket.",
            inputs=(Input.VERIFIED, Input.BUCKETS, Input.SEGMENT_TRENDS),
            finish=Finish.SEGMENT_TREND,
        ),
        Metric(
            "verifications_by_country_trend",
            market,
            "event",
            activity,
            Shape.SEGMENT_TREND,
            "`verifications` by verifier country, each with its trend per interval bucket.",
            inputs=(Input.VERIFIED, Input.BUCKETS, Input.SEGMENT_TRENDS),
            finish=Finish.SEGMENT_TREND,
        ),
        Metric(
            "employer_segments",
            market,
            "event",
            activity,
            breakdown,
            "`verifications` by verifier industry × size; a cell of fewer than 3 verifications is suppressed so "
            "that a single verifier cannot be singled out, with further cells so that none can be worked out from "
            "the totals by industry, by size or overall; hidden cells are not named but stand together as one row "
            "`other segments`.",
            privacy=Rule.VERIFIER_CROSSING,
            axes=("industry", "size"),
            inputs=(Input.VERIFIED, Input.EMPLOYERS),
            finish=Finish.EMPLOYER_SEGMENTS,
        ),
    ]


def _event_attributes() -> list[Metric]:
    """Activity breakdowns by an attribute the events carry (metrics/attributes.py)."""
    engagement, activity, breakdown = Family.ENGAGEMENT, Time.ACTIVITY, Shape.BREAKDOWN
    sensitive = (
        " (with distinct recipients); sensitive: a cell of fewer than k recipients is suppressed, so a viewer's "
        "domain or country cannot point at one recipient."
    )
    return [
        Metric(
            "downloads_by_format",
            engagement,
            "event",
            activity,
            breakdown,
            "`credential.downloaded` events in the window, of credentials in scope, by `format` (pdf, png, "
            "print_pdf, other).",
            inputs=(Input.ATTRIBUTES,),
            finish=Finish.ATTRIBUTE,
        ),
        Metric(
            "public_views_by_referrer",
            engagement,
            "event",
            activity,
            breakdown,
            "`credential.viewed` events with actor public in the window, of credentials in scope, by "
            "`referrer_domain` (missing as `unknown`; the 50 largest)" + sensitive,
            privacy=Rule.SENSITIVE,
            inputs=(Input.ATTRIBUTES,),
            finish=Finish.ATTRIBUTE,
        ),
        Metric(
            "public_views_by_country",
            engagement,
            "event",
            activity,
            breakdown,
            "`credential.viewed` events with actor public in the window, of credentials in scope, by the "
            "viewer's `country` (missing as `unknown`)" + sensitive,
            privacy=Rule.SENSITIVE,
            inputs=(Input.ATTRIBUTES,),
            finish=Finish.ATTRIBUTE,
        ),
        Metric(
            "profile_adds_by_platform",
            engagement,
            "event",
            activity,
            breakdown,
            "`credential.profile_added` events in the window, of credentials in scope, by `platform`.",
            inputs=(Input.ATTRIBUTES,),
            finish=Finish.ATTRIBUTE,
        ),
        Metric(
            "delivery_failures_by_reason",
            engagement,
            "event",
            activity,
            breakdown,
            "`credential.delivery_failed` events in the window, of credentials in scope, by `reason` (bounced, "
            "invalid_address, other).",
            inputs=(Input.ATTRIBUTES,),
            finish=Finish.ATTRIBUTE,
        ),
    ]


def _metrics() -> list[Metric]:
    cohort, issuance, engagement = Time.COHORT, Family.ISSUANCE, Family.ENGAGEMENT
    metrics = [
        Metric(
            "issued",
            issuance,
            "credential",
            cohort,
            Shape.COUNT,
            "Credentials in scope issued in the window; later revocation does not remove them.",
        ),
        Metric("issued_certificates", issuance, "credential", cohort, Shape.COUNT, "`issued` of kind certificate."),
        Metric("issued_badges", issuance, "credential", cohort, Shape.COUNT, "`issued` of kind badge."),
        Metric("unique_recipients", issuance, "recipient", cohort, Shape.COUNT, "Distinct recipients among `issued`."),
        Metric(
            "new_recipients",
            issuance,
            "recipient",
            cohort,
            Shape.COUNT,
            "Recipients whose earliest credential in scope was issued in the window.",
            inputs=(Input.NEW_RECIPIENTS,),
        ),
        *_lifecycle(),
        *_verification(),
        *_programs_recipients_market(),
    ]
    steps = {
        **_ENGAGEMENT_STEPS,
        **{f"shared_{ch}": (f"share_rate_{ch}", f"a `credential.shared` event on the {ch} channel") for ch in CHANNELS},
    }
    for count, (rate, event) in steps.items():
        metrics.append(
            Metric(
                count,
                engagement,
                "credential",
                cohort,
                Shape.COUNT,
                f"Credentials among `issued` with at least {event}.",
            )
        )
        metrics.append(
            Metric(
                rate,
                engagement,
                "fraction",
                cohort,
                Shape.RATE,
                f"`{count}` / `issued`.",
                numerator=count,
                denominator="issued",
            )
        )
    metrics += _event_attributes()
    for other in ("downloaded", "shared", "profile_added"):
        metrics.append(
            Metric(
                f"opened_and_{other}",
                engagement,
                "credential",
                cohort,
                Shape.COUNT,
                f"Credentials counted in `opened` that also count in `{other}`.",
            )
        )
    metrics += [
        Metric(
            "funnel",
            engagement,
            "credential",
            cohort,
            Shape.FUNNEL,
            "A strict funnel: step k counts credentials that have every step 1..k, in any order "
            "(default issued → opened → shared → verified).",
        ),
        Metric("share_events", engagement, "event", cohort, Shape.COUNT, "`credential.shared` events of the cohort."),
        Metric(
            "public_views",
            engagement,
            "event",
            cohort,
            Shape.COUNT,
            "`credential.viewed` events with actor public, of the cohort.",
        ),
        Metric(
            "views_per_share",
            engagement,
            "ratio",
            cohort,
            Shape.RATE,
            "`public_views` / `share_events`.",
            numerator="public_views",
            denominator="share_events",
        ),
        Metric(
            "reengaged",
            engagement,
            "credential",
            cohort,
            Shape.COUNT,
            "Of `opened`, credentials with owner activity on a UTC day at least 30 days after the day of "
            "their first owner view.",
        ),
        Metric(
            "reengagement_rate",
            engagement,
            "fraction",
            cohort,
            Shape.RATE,
            "`reengaged` / `opened`.",
            numerator="reengaged",
            denominator="opened",
        ),
        Metric(
            "owner_active_days_mean",
            engagement,
            "days",
            cohort,
            Shape.MEAN,
            "Mean, over `opened`, of the number of distinct UTC days with owner activity.",
        ),
        Metric(
            "median_days_to_open",
            engagement,
            "days",
            cohort,
            Shape.MEAN,
            "Median over `opened` of (first owner view − issuance), in days.",
        ),
        Metric(
            "opened_within_7d",
            engagement,
            "fraction",
            cohort,
            Shape.RATE,
            "Share of `issued` first opened by the owner within 7 days of issuance.",
            numerator="opened_within_7d_count",
            denominator="issued",
        ),
        Metric(
            "opened_within_30d",
            engagement,
            "fraction",
            cohort,
            Shape.RATE,
            "Share of `issued` first opened by the owner within 30 days of issuance.",
            numerator="opened_within_30d_count",
            denominator="issued",
        ),
    ]
    return metrics


REGISTRY: dict[str, Metric] = {metric.id: metric for metric in _metrics()}


def render_markdown() -> str:
    """The registry as the reference section of docs/metrics.md (checked by tests/test_docs.py)."""
    lines: list[str] = []
    for family in Family:
        lines += [f"### {family.value.title()}", "", "| id | unit | time | definition |", "|---|---|---|---|"]
        lines += [
            f"| `{m.id}` | {m.unit} | {m.time.value} | {m.definition} |"
            for m in REGISTRY.values()
            if m.family is family
        ]
        lines.append("")
    return "\n".join(lines)
