"""The demo issuers: nine tenants of nine industries, their programs, calendars and audiences.

Rates come from ``model.calibrated_programs``: each issuer's issuance-weighted view, share and
referral rates equal its industry's published Accredible average (``rates.py``, with the source),
and its profile-add, download and verification rates equal the stated ASSUMPTIONS of that module.
Within an issuer, programs differ by ``value`` (advanced certifications are shared and verified
2-3x more than intro badges) and ``appeal``. Completion rates, ratings, growth, seasonality and
audience mixes below are ASSUMPTIONS chosen to look like each kind of issuer.
"""

from __future__ import annotations

from dataclasses import replace

from credlens.demo.model import DemoIssuer, DemoProgram, Seasonality, calibrated_programs, spec

__all__ = ["DemoIssuer", "DemoProgram", "Seasonality", "benchmark_issuer", "demo_issuers"]

_FLAT = (1.0,) * 12
_TECH_VERIFIERS = (0.12, 0.48, 0.04, 0.06, 0.05, 0.05, 0.05, 0.15)
_TECH_CHANNELS = (0.62, 0.09, 0.04, 0.06, 0.03, 0.11, 0.04, 0.01)


def _skillstream() -> DemoIssuer:
    industry = "online_courses"
    programs = calibrated_programs(industry, (
        spec("ss-python", "Python for Everyone", "certificate", "Data", 0.26, 0.75,
             completion=0.62, rating=4.3, duration=35),
        spec("ss-sql-analysis", "Data Analysis with SQL", "certificate", "Data", 0.2, 1.0,
             completion=0.58, duration=42, after="ss-python", after_share=0.35),
        spec("ss-ml", "Machine Learning Specialization", "certificate", "Data", 0.12, 1.6,
             appeal=1.1, completion=0.55, rating=4.6, duration=90, after="ss-sql-analysis", after_share=0.4),
        spec("ss-ux", "UX Design Foundations", "certificate", "Design", 0.18, 0.95, rating=4.1),
        spec("ss-marketing", "Digital Marketing Essentials", "badge", "Marketing", 0.16, 0.7,
             appeal=0.9, completion=0.7, rating=3.8, duration=21),
        spec("ss-pm", "Project Management Essentials", "badge", "Business", 0.08, 1.05, duration=28),
    ))  # fmt: skip
    season = Seasonality(
        months=(1.35, 1.1, 1.05, 1.0, 0.95, 0.85, 0.8, 0.9, 1.15, 1.1, 1.0, 0.8),
        weekdays=(1.0, 1.0, 1.0, 1.0, 0.95, 0.8, 0.85), growth=1.45,
    )  # fmt: skip
    return DemoIssuer("skillstream", "SkillStream", industry, "America/Los_Angeles", programs, "US", 0.26,
                      season, repeat_rate=0.3, share_channels=_TECH_CHANNELS, home_share=0.45,
                      verifier_industries=(0.14, 0.34, 0.08, 0.08, 0.08, 0.08, 0.06, 0.14))  # fmt: skip


def _northbridge() -> DemoIssuer:
    industry = "higher_education"
    programs = calibrated_programs(industry, (
        spec("nb-ba-psychology", "BA Psychology", "certificate", "School of Social Sciences", 0.3, 1.0,
             completion=0.86, rating=4.1, duration=1095),
        spec("nb-bsc-cs", "BSc Computer Science", "certificate", "School of Computing", 0.16, 1.3,
             completion=0.82, rating=4.2, duration=1095),
        spec("nb-msc-data", "MSc Data Science", "certificate", "School of Computing", 0.08, 1.5,
             completion=0.88, rating=4.4, duration=365, after="nb-bsc-cs", after_share=0.15),
        spec("nb-mba", "Executive MBA", "certificate", "Business School", 0.07, 1.6, appeal=1.1,
             completion=0.9, rating=4.5, duration=700),
        spec("nb-sustainability", "Microcredential: Sustainability Leadership", "badge", "Business School",
             0.22, 0.7, completion=0.76, rating=4.0, duration=60),
        spec("nb-teaching-cpd", "Teaching in Higher Education (CPD)", "badge", "Academic Practice",
             0.17, 0.55, appeal=0.9, completion=0.8, rating=3.9, duration=90),
    ))  # fmt: skip
    season = Seasonality(
        months=(0.5, 0.4, 0.5, 0.5, 0.8, 1.6, 1.8, 0.6, 0.5, 0.6, 0.9, 1.2), batch_share=0.6,
        batch_dates=((6, 28), (7, 15), (7, 16), (12, 12)), growth=1.12,
    )  # fmt: skip
    return DemoIssuer("northbridge", "Northbridge University", industry, "Europe/London", programs, "GB", 0.15,
                      season, recipient_key="id", earner_prefix="NB", repeat_rate=0.06,
                      verifier_industries=(0.16, 0.22, 0.12, 0.08, 0.07, 0.15, 0.1, 0.1),
                      age_mix=(0.01, 0.62, 0.27, 0.06, 0.03, 0.01, 0.0))  # fmt: skip


def _nimbus() -> DemoIssuer:
    industry = "product_training"
    programs = calibrated_programs(industry, (
        spec("nim-practitioner", "Nimbus Certified Cloud Practitioner", "badge", "Certification", 0.3, 0.85,
             completion=0.72, duration=30, validity=1095),
        spec("nim-architect", "Nimbus Solutions Architect - Associate", "badge", "Certification", 0.2, 1.3,
             completion=0.65, rating=4.4, duration=60, validity=1095, after="nim-practitioner",
             after_share=0.45),
        spec("nim-architect-pro", "Nimbus Solutions Architect - Professional", "badge", "Certification",
             0.07, 1.8, appeal=1.1, completion=0.56, rating=4.6, duration=90, validity=1095,
             after="nim-architect", after_share=0.6),
        spec("nim-security", "Nimbus Security - Specialty", "badge", "Certification", 0.08, 1.5,
             completion=0.6, rating=4.4, duration=75, validity=1095),
        spec("nim-serverless", "Skill Badge: Serverless Apps", "badge", "Skill Badges", 0.2, 0.6,
             appeal=0.9, completion=0.88, rating=4.0, duration=10),
        spec("nim-summit", "Nimbus Summit Attendee", "badge", "Events", 0.15, 0.45, appeal=0.85,
             completion=0.9, rating=3.9, duration=2),
    ))  # fmt: skip
    season = Seasonality(months=_FLAT, batch_share=0.15, batch_dates=((4, 11), (11, 21)), growth=1.6)
    return DemoIssuer("nimbus", "Nimbus Cloud Skills", industry, "UTC", programs, "US", 0.14, season,
                      repeat_rate=0.35, share_channels=_TECH_CHANNELS, verifier_industries=_TECH_VERIFIERS,
                      home_share=0.35, age_mix=(0.0, 0.1, 0.42, 0.3, 0.13, 0.04, 0.01))  # fmt: skip


def _iapm() -> DemoIssuer:
    industry = "professional_certifications"
    programs = calibrated_programs(industry, (
        spec("iapm-capm", "Certified Associate in Project Management", "certificate", "Certification",
             0.35, 0.9, completion=0.68, duration=60, validity=730),
        spec("iapm-ppm", "Professional Project Manager (PPM)", "certificate", "Certification", 0.25, 1.5,
             appeal=1.05, completion=0.6, rating=4.5, duration=90, validity=1095, after="iapm-capm",
             after_share=0.3),
        spec("iapm-agile", "Agile Practitioner", "certificate", "Certification", 0.18, 1.2, completion=0.7,
             duration=45, validity=730),
        spec("iapm-risk", "Risk Management Professional", "certificate", "Certification", 0.07, 1.35,
             completion=0.62, rating=4.3, duration=75, validity=1095),
        spec("iapm-pdu-webinar", "PDU Webinar Series", "badge", "Continuing Education", 0.15, 0.45,
             appeal=0.85, completion=0.9, rating=3.7, duration=1),
    ))  # fmt: skip
    season = Seasonality(
        months=(0.8, 0.9, 1.3, 0.9, 0.9, 1.3, 0.8, 0.8, 1.3, 0.9, 0.9, 1.2), batch_share=0.3,
        batch_dates=((3, 20), (6, 20), (9, 20), (12, 15)), growth=1.2,
    )  # fmt: skip
    return DemoIssuer("iapm", "Institute of Applied Project Management", industry, "America/Chicago",
                      programs, "US", 0.11, season, repeat_rate=0.12,
                      verifier_industries=(0.18, 0.2, 0.08, 0.16, 0.06, 0.04, 0.1, 0.18),
                      age_mix=(0.0, 0.06, 0.38, 0.32, 0.17, 0.06, 0.01))  # fmt: skip


def _helix() -> DemoIssuer:
    industry = "internal_corporate_training"
    programs = calibrated_programs(industry, (
        spec("hx-compliance", "Annual Compliance & Ethics", "badge", "Legal & Compliance", 0.4, 0.35,
             appeal=0.9, completion=0.9, rating=3.5, duration=14, validity=365),
        spec("hx-safety", "Workplace Safety Level 1", "certificate", "Operations", 0.2, 0.55,
             completion=0.88, rating=3.9, duration=7, validity=730),
        spec("hx-data-literacy", "Data Literacy", "badge", "IT", 0.16, 1.1, completion=0.75, duration=30),
        spec("hx-leadership", "Leadership Essentials", "certificate", "People & Culture", 0.12, 1.6,
             appeal=1.1, completion=0.8, rating=4.4, duration=90),
        spec("hx-six-sigma", "Lean Six Sigma Green Belt", "certificate", "Operations", 0.12, 1.9,
             appeal=1.1, completion=0.6, rating=4.5, duration=120, after="hx-safety", after_share=0.2),
    ))  # fmt: skip
    season = Seasonality(
        months=(0.7, 0.9, 1.5, 0.8, 0.9, 1.5, 0.8, 0.6, 1.5, 0.9, 1.0, 1.3),
        weekdays=(1.0, 1.0, 1.0, 1.0, 0.9, 0.02, 0.01), batch_share=0.25,
        batch_dates=((3, 27), (6, 26), (9, 25), (12, 11)), growth=1.1,
    )  # fmt: skip
    return DemoIssuer("helix", "Helix Industries Academy", industry, "Europe/Berlin", programs, "DE", 0.1, season,
                      recipient_key="id", earner_prefix="HX-", repeat_rate=0.55, home_share=0.7,
                      share_channels=(0.45, 0.02, 0.02, 0.25, 0.02, 0.2, 0.02, 0.02),
                      verifier_industries=(0.1, 0.15, 0.05, 0.4, 0.1, 0.05, 0.05, 0.1),
                      age_mix=(0.0, 0.08, 0.32, 0.3, 0.2, 0.09, 0.01), feedback_rate=0.2)  # fmt: skip


def _carepath() -> DemoIssuer:
    industry = "cpd"
    programs = calibrated_programs(industry, (
        spec("cp-infection", "Infection Prevention & Control", "certificate", "Nursing", 0.3, 0.7,
             completion=0.9, rating=4.0, duration=7, validity=365),
        spec("cp-medication", "Medication Safety", "certificate", "Nursing", 0.22, 0.75, completion=0.88,
             duration=10, validity=730),
        spec("cp-acls", "Advanced Cardiac Life Support", "certificate", "Emergency Care", 0.13, 1.8,
             appeal=1.1, completion=0.78, rating=4.6, duration=14, validity=730),
        spec("cp-wound", "Wound Care Specialist", "certificate", "Nursing", 0.15, 1.4, completion=0.7,
             rating=4.4, duration=60, validity=1095, after="cp-infection", after_share=0.25),
        spec("cp-cultural-safety", "Cultural Safety in Healthcare", "badge", "Allied Health", 0.2, 0.6,
             appeal=0.9, completion=0.85, rating=3.9, duration=5),
    ))  # fmt: skip
    season = Seasonality(  # registration renewals fall due on 31 May
        months=(0.8, 0.9, 1.0, 1.5, 1.9, 0.8, 0.8, 0.9, 0.9, 0.9, 1.0, 0.7),
        weekdays=(1.0, 1.0, 1.0, 1.0, 0.9, 0.5, 0.5), growth=1.2,
    )  # fmt: skip
    return DemoIssuer("carepath", "CarePath Continuing Education", industry, "Australia/Sydney", programs, "AU",
                      0.08, season, repeat_rate=0.5, home_share=0.85, renewal_rate=0.5,
                      share_channels=(0.4, 0.02, 0.14, 0.2, 0.08, 0.12, 0.01, 0.03),
                      verifier_industries=(0.03, 0.03, 0.76, 0.02, 0.02, 0.06, 0.06, 0.02),
                      age_mix=(0.0, 0.08, 0.28, 0.26, 0.22, 0.13, 0.03))  # fmt: skip


def _launchpad() -> DemoIssuer:
    industry = "bootcamp"
    programs = calibrated_programs(industry, (
        spec("lp-prep", "Coding Fundamentals Prep", "badge", "Admissions", 0.2, 0.45, appeal=0.9,
             completion=0.88, rating=4.0, duration=28),
        spec("lp-fullstack", "Full-Stack Web Development", "certificate", "Software Engineering", 0.38, 1.25,
             completion=0.78, rating=4.5, duration=112, after="lp-prep", after_share=0.4),
        spec("lp-data-science", "Data Science Immersive", "certificate", "Data", 0.2, 1.35, completion=0.72,
             rating=4.4, duration=112),
        spec("lp-cyber", "Cybersecurity Analyst", "certificate", "Security", 0.14, 1.3, completion=0.74,
             duration=84),
        spec("lp-job-ready", "Career Services: Job-Ready", "badge", "Careers", 0.08, 0.8, completion=0.85,
             rating=4.1, duration=21, after="lp-fullstack", after_share=0.5),
    ))  # fmt: skip
    season = Seasonality(months=_FLAT, batch_share=0.75, batch_every_weeks=6, growth=1.08)
    return DemoIssuer("launchpad", "Launchpad Code Academy", industry, "America/New_York", programs, "US", 0.07,
                      season, repeat_rate=0.1, share_channels=_TECH_CHANNELS, verifier_industries=_TECH_VERIFIERS,
                      home_share=0.8, age_mix=(0.0, 0.18, 0.52, 0.2, 0.08, 0.02, 0.0))  # fmt: skip


def _lingua() -> DemoIssuer:
    industry = "language_training"
    programs = calibrated_programs(industry, (
        spec("lv-spanish-a1", "Spanish A1", "certificate", "Spanish", 0.28, 0.6, completion=0.8, duration=90),
        spec("lv-spanish-a2", "Spanish A2", "certificate", "Spanish", 0.22, 0.8, completion=0.8, duration=90,
             after="lv-spanish-a1", after_share=0.55),
        spec("lv-spanish-b1", "Spanish B1", "certificate", "Spanish", 0.17, 1.1, completion=0.75,
             rating=4.3, duration=120, after="lv-spanish-a2", after_share=0.55),
        spec("lv-spanish-b2", "Spanish B2 (DELE preparation)", "certificate", "Spanish", 0.1, 1.6,
             appeal=1.1, completion=0.7, rating=4.5, duration=150, after="lv-spanish-b1", after_share=0.55),
        spec("lv-business-english", "Business English C1", "certificate", "English", 0.15, 1.4,
             completion=0.72, rating=4.3, duration=120),
        spec("lv-summer", "Summer Immersion Week", "badge", None, 0.08, 0.5, appeal=0.9, completion=0.92,
             rating=4.0, duration=7),
    ))  # fmt: skip
    season = Seasonality(
        months=(0.8, 0.9, 1.2, 0.9, 0.9, 1.2, 1.3, 0.5, 0.8, 1.0, 1.0, 1.1), batch_share=0.5,
        batch_dates=((3, 22), (6, 21), (12, 18)), growth=1.15,
    )  # fmt: skip
    return DemoIssuer("lingua-viva", "Lingua Viva Language School", industry, "Europe/Madrid", programs, "ES",
                      0.05, season, recipient_key="mixed", earner_prefix="LV", repeat_rate=0.2, home_share=0.55,
                      share_channels=(0.35, 0.05, 0.15, 0.08, 0.2, 0.12, 0.02, 0.03),
                      verifier_industries=(0.12, 0.15, 0.1, 0.1, 0.18, 0.2, 0.08, 0.07),
                      age_mix=(0.18, 0.24, 0.26, 0.16, 0.09, 0.05, 0.02), feedback_rate=0.18)  # fmt: skip


def _open_civic() -> DemoIssuer:
    industry = "events"
    programs = calibrated_programs(industry, (
        spec("oc-hackathon", "Civic Hackathon Participant", "badge", "Events", 0.35, 0.8, completion=0.85,
             rating=4.4, duration=2),
        spec("oc-digital-literacy", "Digital Literacy Workshop", "badge", "Community Programs", 0.35, 0.5,
             appeal=0.9, completion=0.9, rating=4.2, duration=1),
        spec("oc-mentor", "Volunteer Mentor", "certificate", "Volunteering", 0.12, 1.6, appeal=1.15,
             completion=0.7, rating=4.6, duration=180),
        spec("oc-open-data", "Open Data Fellowship", "certificate", "Fellowships", 0.18, 1.4, appeal=1.1,
             completion=0.75, rating=4.5, duration=120, after="oc-hackathon", after_share=0.3),
    ))  # fmt: skip
    season = Seasonality(months=_FLAT, weekdays=(0.6, 0.6, 0.6, 0.6, 0.8, 1.0, 0.9), batch_share=0.6,
                         batch_every_weeks=4, growth=1.5)  # fmt: skip
    return DemoIssuer("open-civic", "Open Civic Foundation", industry, "Asia/Kolkata", programs, "IN", 0.04, season,
                      recipient_key="mixed", earner_prefix="OC", repeat_rate=0.25, home_share=0.75,
                      share_channels=(0.38, 0.08, 0.1, 0.06, 0.22, 0.12, 0.02, 0.02),
                      verifier_industries=(0.06, 0.3, 0.06, 0.05, 0.05, 0.18, 0.22, 0.08),
                      age_mix=(0.12, 0.38, 0.25, 0.12, 0.07, 0.04, 0.02), feedback_rate=0.2)  # fmt: skip


def demo_issuers() -> tuple[DemoIssuer, ...]:
    """The demo tenants: nine issuers of nine industries, sized from large to small."""
    return (_skillstream(), _northbridge(), _nimbus(), _iapm(), _helix(), _carepath(), _launchpad(),
            _lingua(), _open_civic())  # fmt: skip


# Smaller bootcamps beside Launchpad, so that the demo shows a released peer benchmark (5 or more
# other issuers of one industry with at least 50 credentials in the default 90 days; metrics.md).
_BOOTCAMPS = (
    ("forge-bootcamp", "Forge Bootcamp", "Europe/Dublin", "IE"),
    ("stackwise", "Stackwise Academy", "America/Toronto", "CA"),
    ("kodeklub", "KodeKlub", "Europe/Amsterdam", "NL"),
    ("devharbor", "DevHarbor Institute", "Asia/Singapore", "SG"),
    ("pixel-pioneers", "Pixel Pioneers School", "America/Denver", "US"),
)


def bootcamp_peers() -> tuple[DemoIssuer, ...]:
    """Five small bootcamps of Launchpad's profile (each its own people and randomness, by slug)."""
    launchpad = _launchpad()
    # younger and steadier than Launchpad: most of their awards are recent, few in bulk
    season = replace(launchpad.seasonality, batch_share=0.3, growth=1.8)
    return tuple(
        replace(launchpad, slug=slug, name=name, timezone=timezone, country=country, size=0.036 + 0.002 * n,
                seasonality=season)
        for n, (slug, name, timezone, country) in enumerate(_BOOTCAMPS)
    )  # fmt: skip


def every_demo_issuer() -> tuple[DemoIssuer, ...]:
    """What `credlens demo` builds: the nine issuers of nine industries and the bootcamp peers."""
    return demo_issuers() + bootcamp_peers()


def benchmark_issuer() -> DemoIssuer:
    """The profile single-issuer benchmark data follows: the largest demo issuer."""
    return max(demo_issuers(), key=lambda issuer: issuer.size)
