"""Fixed vocabularies of the demo data: share channels and referrers, verifiers, countries, people.

Every mix below is an ASSUMPTION (nothing comparable is published); the channel and referrer mixes
follow what share tools of credential platforms offer, LinkedIn first.
"""

from __future__ import annotations

SHARE_CHANNELS = ("linkedin", "x", "facebook", "email", "whatsapp", "link", "embed", "other")
# ASSUMPTION: mean public views brought by one share, per channel (same order as SHARE_CHANNELS).
VIEWS_PER_SHARE = (4.0, 2.0, 2.5, 1.2, 1.8, 2.2, 3.0, 1.2)

# "" = no referrer (mail apps and messengers send none).
REFERRERS = (
    "", "linkedin.com", "lnkd.in", "x.com", "t.co", "facebook.com", "l.facebook.com",
    "mail.google.com", "outlook.live.com", "web.whatsapp.com", "google.com", "bing.com",
    "github.com", "medium.com", "wordpress.com", "reddit.com", "slack.com",
)  # fmt: skip
# ASSUMPTION: referrer weights per channel, columns in REFERRERS order.
REFERRER_MIX = (
    (2, 88, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),  # linkedin
    (5, 0, 0, 65, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),  # x
    (5, 0, 0, 0, 0, 75, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),  # facebook
    (65, 0, 0, 0, 0, 0, 0, 22, 13, 0, 0, 0, 0, 0, 0, 0, 0),  # email
    (80, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0),  # whatsapp
    (45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25, 5, 10, 5, 0, 5, 5),  # link
    (10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 35, 20, 30, 0, 0),  # embed
    (40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 30, 20),  # other
)  # fmt: skip
SEARCH_REFERRER = REFERRERS.index("google.com")
LINKEDIN_REFERRER = REFERRERS.index("linkedin.com")

VERIFIER_INDUSTRIES = (
    "finance", "technology", "healthcare", "manufacturing", "retail", "education", "government", "consulting",
)  # fmt: skip
# Fictional employers, shown only for verifications made with the verifier's consent.
ORGANIZATIONS = (
    ("Harbor & Finch Bank", "Northwind Capital", "Silverline Insurance", "Meridian Credit Union", "Oakstone Partners"),
    ("Contoso Systems", "Bluepeak Software", "Quantix Labs", "Cirrusware", "Orbital Data"),
    ("St. Aurelia Health", "Riverside Medical Group", "Pinecrest Clinics", "Helios Care", "Unity Hospital Trust"),
    ("Fabrikam Industries", "Ironbridge Manufacturing", "Keystone Components", "Vantor Motors", "Alder Plastics"),
    ("Wide World Retail", "Maple & Main Stores", "Brightcart", "Urban Pantry", "Coastline Outfitters"),
    ("Lakeside School District", "Westbrook College", "Summit Learning Trust", "Crestview Academy", "Elm Tutors"),
    ("City of Fairhaven", "State Digital Service", "Port Authority of Easton", "National Statistics Office",
     "Regional Transit Agency"),
    ("Ashford Advisory", "Clearview Consulting", "Bramble & Co.", "Tandem Strategy", "Northgate Partners"),
)  # fmt: skip
VERIFIER_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+")
VERIFIER_SIZE_MIX = (0.07, 0.14, 0.21, 0.23, 0.16, 0.19)  # ASSUMPTION

# ASSUMPTION: where people from outside the issuer's home country come from.
WORLD = ("US", "GB", "IN", "DE", "CA", "AU", "FR", "NL", "BR", "SG", "NG", "ES", "IE", "MX", "PH", "ZA")
WORLD_MIX = (0.24, 0.1, 0.12, 0.07, 0.06, 0.04, 0.05, 0.03, 0.05, 0.03, 0.04, 0.04, 0.02, 0.04, 0.04, 0.03)

AGE_BANDS = ("<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("female", "male", "non_binary", "undisclosed")
GENDER_MIX = (0.47, 0.47, 0.02, 0.04)
EDUCATION = ("secondary", "some_college", "bachelor", "master", "doctorate")
# ASSUMPTION: education level weights per age band (rows in AGE_BANDS order).
EDUCATION_BY_AGE = (
    (1.0, 0.0, 0.0, 0.0, 0.0),
    (0.45, 0.35, 0.18, 0.02, 0.0),
    (0.15, 0.2, 0.42, 0.2, 0.03),
    (0.15, 0.17, 0.4, 0.23, 0.05),
    (0.2, 0.18, 0.36, 0.21, 0.05),
    (0.25, 0.18, 0.33, 0.19, 0.05),
    (0.3, 0.18, 0.3, 0.17, 0.05),
)  # fmt: skip
EMPLOYMENT = ("student", "employed", "unemployed", "self_employed", "retired")
EMPLOYMENT_BY_AGE = (
    (1.0, 0.0, 0.0, 0.0, 0.0),
    (0.55, 0.33, 0.09, 0.03, 0.0),
    (0.08, 0.74, 0.09, 0.09, 0.0),
    (0.03, 0.8, 0.07, 0.1, 0.0),
    (0.02, 0.8, 0.07, 0.1, 0.01),
    (0.01, 0.72, 0.07, 0.12, 0.08),
    (0.01, 0.25, 0.03, 0.11, 0.6),
)  # fmt: skip

DOWNLOAD_FORMATS = ("pdf", "png", "print_pdf", "other")
DOWNLOAD_FORMAT_MIX = (0.68, 0.22, 0.08, 0.02)  # ASSUMPTION
DELIVERY_FAILURES = ("bounced", "invalid_address", "other")
DELIVERY_FAILURE_MIX = (0.6, 0.3, 0.1)  # ASSUMPTION
REVOCATION_REASONS = (
    "Issued in error", "Duplicate award", "Academic integrity violation",
    "Requirements no longer met", "Recipient request",
)  # fmt: skip
REVOCATION_MIX = (0.35, 0.25, 0.1, 0.2, 0.1)  # ASSUMPTION
VERIFICATION_OUTCOMES = ("hired", "interviewed", "not_hired", "other")
CAREER_OUTCOMES = ("new_job", "promotion", "raise", "other")
CAREER_OUTCOME_MIX = (0.4, 0.25, 0.2, 0.15)  # ASSUMPTION
PROFILE_PLATFORMS = ("linkedin", "xing")
