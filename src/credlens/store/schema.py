"""Table definitions of the warehouse (DuckDB dialect) and the Arrow shape of an event batch.

No table carries a PRIMARY KEY on a high-cardinality column: measured here, DuckDB's ART index
turns 1,000 random-key inserts into a 10M-row table into ~900 ms after a reopen. Uniqueness of
events is kept by the writer's in-memory hash index (``keyindex.py``) instead; derived tables are
merged on 64-bit hashes of their keys, which join ~4x faster than the strings (docs/architecture.md).
"""

from __future__ import annotations

import pyarrow as pa

from credlens.domain.events import CHANNELS
from credlens.domain.industries import BY_FOLDED
from credlens.store import breakdowns, cohorts, schedules, shares, webhooks
from credlens.store.portfolios import DAYS_DDL, RECIPIENT_DAYS, days_sql, refresh_sql

# 2: recipient_hash in credentials and enrollments; 3: portfolio rollups; 4: cohort_days, recipient_days;
# 5: no empty owner_days (NULL, as a single fold leaves them); 6: industries of the vocabulary, benchmark releases;
# 7: the credential's design (events.design_id/_name, credentials.design_id/_name);
# 8: attribute_days, attribute_cells (the attribute breakdowns, breakdowns.py)
SCHEMA_VERSION = 8

# Columns of one event, in the order of the `events` table after (issuer_id, seq, id_hash, cred_hash).
# `seq` numbers events in the order they were stored; the derived tables hold the fold of every
# event up to meta.folded_seq (see folds.py).
EVENT_FIELDS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("event_id", pa.string(), "VARCHAR NOT NULL"),
    ("type", pa.string(), "VARCHAR NOT NULL"),
    ("occurred_at", pa.timestamp("us"), "TIMESTAMP NOT NULL"),
    ("received_at", pa.timestamp("us"), "TIMESTAMP NOT NULL"),
    ("credential_id", pa.string(), "VARCHAR"),
    ("program_id", pa.string(), "VARCHAR"),
    ("program_name", pa.string(), "VARCHAR"),
    ("program_kind", pa.string(), "VARCHAR"),
    ("program_department", pa.string(), "VARCHAR"),
    ("recipient_key", pa.string(), "VARCHAR"),
    ("recipient_country", pa.string(), "VARCHAR"),
    ("gender", pa.string(), "VARCHAR"),
    ("age_band", pa.string(), "VARCHAR"),
    ("education_level", pa.string(), "VARCHAR"),
    ("employment_status", pa.string(), "VARCHAR"),
    ("detailed_tracking", pa.bool_(), "BOOLEAN"),
    ("expires_at", pa.timestamp("us"), "TIMESTAMP"),
    ("reason", pa.string(), "VARCHAR"),
    ("actor", pa.string(), "VARCHAR"),
    ("referrer_domain", pa.string(), "VARCHAR"),
    ("country", pa.string(), "VARCHAR"),
    ("format", pa.string(), "VARCHAR"),
    ("channel", pa.string(), "VARCHAR"),
    ("platform", pa.string(), "VARCHAR"),
    ("verifier_consent", pa.bool_(), "BOOLEAN"),
    ("verifier_organization", pa.string(), "VARCHAR"),
    ("verifier_industry", pa.string(), "VARCHAR"),
    ("verifier_size", pa.string(), "VARCHAR"),
    ("verifier_country", pa.string(), "VARCHAR"),
    ("result", pa.string(), "VARCHAR"),
    ("verification_id", pa.string(), "VARCHAR"),
    ("outcome", pa.string(), "VARCHAR"),
    ("rating", pa.int8(), "TINYINT"),
    ("properties", pa.string(), "VARCHAR"),
    ("design_id", pa.string(), "VARCHAR"),
    ("design_name", pa.string(), "VARCHAR"),
)
EVENT_ARROW_SCHEMA = pa.schema([(name, dtype) for name, dtype, _ in EVENT_FIELDS])
EVENT_COLUMNS: tuple[str, ...] = tuple(name for name, _, _ in EVENT_FIELDS)

_EVENT_DDL = ",\n    ".join(f"{name} {sql}" for name, _, sql in EVENT_FIELDS)
_SHARE_DDL = "\n    ".join(f"first_share_{ch}_at TIMESTAMP," for ch in CHANNELS)

TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS issuers (
    issuer_id INTEGER PRIMARY KEY,
    slug VARCHAR NOT NULL UNIQUE,
    name VARCHAR NOT NULL,
    industry VARCHAR,
    timezone VARCHAR NOT NULL DEFAULT 'UTC',
    pseudonym_secret VARCHAR NOT NULL,
    suppression_k INTEGER NOT NULL DEFAULT 10,
    raw_event_retention_days INTEGER,
    created_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS api_keys (
    key_id VARCHAR PRIMARY KEY,
    issuer_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    key_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP)""",
    # Issuer staff (access/, privacy.md roles). An e-mail is one account of one issuer across the
    # installation, so signing in needs no issuer. Passwords are Argon2id hashes; NULL until set.
    """CREATE TABLE IF NOT EXISTS users (
    user_id VARCHAR PRIMARY KEY,
    issuer_id INTEGER NOT NULL,
    email VARCHAR NOT NULL UNIQUE,
    role VARCHAR NOT NULL,
    password_hash VARCHAR,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS user_programs (
    issuer_id INTEGER NOT NULL,
    user_id VARCHAR NOT NULL,
    program_id VARCHAR NOT NULL)""",
    # Sessions and invitations are found by the SHA-256 of their random token: the token itself is
    # only ever in the browser's cookie or the link handed out once.
    """CREATE TABLE IF NOT EXISTS sessions (
    session_hash VARCHAR PRIMARY KEY,
    issuer_id INTEGER NOT NULL,
    user_id VARCHAR,
    recipient_key VARCHAR,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS invitations (
    invitation_hash VARCHAR PRIMARY KEY,
    issuer_id INTEGER NOT NULL,
    user_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP)""",
    shares.DDL,  # shared links of a dashboard view (store/shares.py)
    f"""CREATE TABLE IF NOT EXISTS events (
    issuer_id INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    id_hash UBIGINT NOT NULL,
    cred_hash UBIGINT,
    {_EVENT_DDL})""",
    f"""CREATE TABLE IF NOT EXISTS credentials (
    issuer_id INTEGER NOT NULL,
    cred_hash UBIGINT NOT NULL,
    credential_id VARCHAR NOT NULL,
    issue_event_id VARCHAR,
    program_id VARCHAR,
    kind VARCHAR,
    recipient_key VARCHAR,
    issued_at TIMESTAMP,
    expires_at TIMESTAMP,
    expires_set_at TIMESTAMP,
    expires_set_src VARCHAR,
    delivered_at TIMESTAMP,
    delivery_failed_at TIMESTAMP,
    first_owner_view_at TIMESTAMP,
    first_public_view_at TIMESTAMP,
    first_download_at TIMESTAMP,
    first_share_at TIMESTAMP,
    {_SHARE_DDL}
    first_profile_add_at TIMESTAMP,
    first_referral_at TIMESTAMP,
    first_verified_at TIMESTAMP,
    revoked_at TIMESTAMP,
    expired_at TIMESTAMP,
    renewed_at TIMESTAMP,
    first_owner_activity_at TIMESTAMP,
    last_owner_activity_at TIMESTAMP,
    owner_days DATE[],
    owner_views INTEGER NOT NULL,
    public_views INTEGER NOT NULL,
    downloads INTEGER NOT NULL,
    shares INTEGER NOT NULL,
    profile_adds INTEGER NOT NULL,
    referrals INTEGER NOT NULL,
    verifications INTEGER NOT NULL,
    rating_count INTEGER NOT NULL,
    rating_sum INTEGER NOT NULL,
    events INTEGER NOT NULL,
    recipient_hash UBIGINT,
    design_id VARCHAR,
    design_name VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS daily (
    issuer_id INTEGER NOT NULL,
    day DATE NOT NULL,
    program_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    actor VARCHAR,
    channel VARCHAR,
    rating TINYINT,
    verifier_industry VARCHAR,
    verifier_size VARCHAR,
    verifier_country VARCHAR,
    events BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS programs (
    issuer_id INTEGER NOT NULL,
    program_hash UBIGINT NOT NULL,
    program_id VARCHAR NOT NULL,
    name VARCHAR, name_at TIMESTAMP, name_src VARCHAR,
    kind VARCHAR, kind_at TIMESTAMP, kind_src VARCHAR,
    department VARCHAR, department_at TIMESTAMP, department_src VARCHAR,
    first_seen_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS recipients (
    issuer_id INTEGER NOT NULL,
    recipient_hash UBIGINT NOT NULL,
    recipient_key VARCHAR NOT NULL,
    country VARCHAR, country_at TIMESTAMP, country_src VARCHAR,
    gender VARCHAR, age_band VARCHAR, education_level VARCHAR, employment_status VARCHAR,
    demographics_at TIMESTAMP, demographics_src VARCHAR,
    detailed_tracking BOOLEAN, consent_at TIMESTAMP, consent_src VARCHAR,
    first_seen_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS verifications (
    issuer_id INTEGER NOT NULL,
    verification_hash UBIGINT NOT NULL,
    verification_id VARCHAR NOT NULL,
    credential_id VARCHAR,
    cred_hash UBIGINT,
    verified_at TIMESTAMP,
    consent BOOLEAN,
    organization VARCHAR,
    industry VARCHAR,
    size VARCHAR,
    country VARCHAR,
    result VARCHAR,
    outcome_count INTEGER NOT NULL,
    hired_count INTEGER NOT NULL,
    first_outcome_at TIMESTAMP,
    outcome VARCHAR, outcome_at TIMESTAMP, outcome_src VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS enrollments (
    issuer_id INTEGER NOT NULL,
    event_id VARCHAR NOT NULL,
    program_id VARCHAR NOT NULL,
    recipient_key VARCHAR NOT NULL,
    enrolled_at TIMESTAMP NOT NULL,
    recipient_hash UBIGINT)""",
    """CREATE TABLE IF NOT EXISTS reported_outcomes (
    issuer_id INTEGER NOT NULL,
    event_id VARCHAR NOT NULL,
    credential_id VARCHAR NOT NULL,
    cred_hash UBIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    outcome VARCHAR NOT NULL)""",
    # What each recipient holds, kept current by the fold for the portfolio metrics (portfolios.py);
    # nullable like the metrics' own holdings, which they are read together with.
    """CREATE TABLE IF NOT EXISTS holdings (
    issuer_id INTEGER NOT NULL,
    recipient_hash UBIGINT,
    program_id VARCHAR,
    first_at TIMESTAMP,
    n INTEGER,
    recipient_last_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS portfolios (
    issuer_id INTEGER NOT NULL,
    recipient_hash UBIGINT,
    programs INTEGER,
    credentials INTEGER,
    first_at TIMESTAMP,
    last_at TIMESTAMP,
    country VARCHAR, gender VARCHAR, age_band VARCHAR, education_level VARCHAR, employment_status VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS co_holdings (
    issuer_id INTEGER NOT NULL,
    recipient_hash UBIGINT,
    a VARCHAR,
    b VARCHAR,
    a_at TIMESTAMP,
    b_at TIMESTAMP,
    recipient_last_at TIMESTAMP)""",
    # One row per (recipient, program) enrolled: when, how often, and whether the recipient holds
    # an issued credential of the program (any time) — completion (portfolios.py).
    """CREATE TABLE IF NOT EXISTS enrolled (
    issuer_id INTEGER NOT NULL,
    recipient_hash UBIGINT,
    program_id VARCHAR,
    first_at TIMESTAMP,
    last_at TIMESTAMP,
    enrollments INTEGER,
    completed BOOLEAN)""",
    # The cohort metrics' counters per issuer-local issue day, kept by the fold (cohorts.py).
    cohorts.DDL,
    # Recipients per day of their first and latest award, per demographic value (portfolios.py).
    DAYS_DDL,
    # The attribute breakdowns per day (downloads by format, public views by referrer, ...): breakdowns.py.
    *breakdowns.DDL,
    # What deduplication needs of a raw event deleted by retention (retention.py): its id, and the
    # hashes of its credential and recipient so that an erasure can delete it too.
    """CREATE TABLE IF NOT EXISTS event_tombstones (
    issuer_id INTEGER NOT NULL,
    id_hash UBIGINT NOT NULL,
    event_id VARCHAR NOT NULL,
    cred_hash UBIGINT,
    recipient_hash UBIGINT)""",
    # Peer benchmarks released (metrics.md, Benchmarks; privacy.md): one row per noisy release, kept so
    # that asking again returns it, and the ledger of the privacy budget. Holds no peer's identity or
    # unnoised value; `issuer_id` is the asking issuer (its peers exclude it). Erasure and retention
    # leave it alone: a release is a noisy aggregate of at least 5 issuers.
    """CREATE TABLE IF NOT EXISTS benchmark_releases (
    industry VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    date_from DATE NOT NULL,
    date_to DATE NOT NULL,
    issuer_id INTEGER NOT NULL,
    issuers INTEGER NOT NULL,
    mean DOUBLE NOT NULL,
    q1 DOUBLE NOT NULL,
    median DOUBLE NOT NULL,
    q3 DOUBLE NOT NULL,
    mean_scale DOUBLE NOT NULL,
    epsilon DOUBLE NOT NULL,
    budget_period VARCHAR NOT NULL,
    released_at TIMESTAMP NOT NULL)""",
    # Who did what, when: sign-ins, keys, exports, erasures, recipient-level views (privacy.md).
    # `detail` never names the recipient of an erasure.
    """CREATE TABLE IF NOT EXISTS audit_log (
    issuer_id INTEGER NOT NULL,
    logged_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    detail VARCHAR)""",
    # Scheduled reports and their outbox (schedules.py); new tables need no migration.
    *schedules.DDL,
    *webhooks.TABLES,  # subscriptions, outbox and delivery log (store/webhooks.py)
)


def _industry_mapping() -> str:
    folded = "trim(regexp_replace(lower(industry), '[^a-z0-9/]+', ' ', 'g'))"
    cases = " ".join(f"WHEN {folded} = '{key}' THEN '{name}'" for key, name in BY_FOLDED.items())
    return f"UPDATE issuers SET industry = CASE {cases} ELSE industry END WHERE industry IS NOT NULL"


# Upgrades of a file written by an older version, by the version they lead to: run once, in order,
# when the file's meta.schema_version is below it. Columns are added at the end (as above) so that
# an upgraded table and a new one have the same shape.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        2,
        (
            "ALTER TABLE credentials ADD COLUMN IF NOT EXISTS recipient_hash UBIGINT",
            "UPDATE credentials SET recipient_hash = md5_number_lower(recipient_key) WHERE recipient_key IS NOT NULL",
            "ALTER TABLE enrollments ADD COLUMN IF NOT EXISTS recipient_hash UBIGINT",
            "UPDATE enrollments SET recipient_hash = md5_number_lower(recipient_key)",
        ),
    ),
    # The recipient rollups, rebuilt whole: a file that an older version kept writing (and set back to
    # version 2) may hold rows of recipients it erased since.
    (3, refresh_sql(None)),
    (
        4,
        (
            *cohorts.rebuild_sql(),
            f"DELETE FROM {RECIPIENT_DAYS.table}",
            f"INSERT INTO recipient_days {days_sql('portfolios')}",
        ),
    ),
    # Folds up to version 4 merged two folds without owner activity into [] rather than NULL.
    (5, ("UPDATE credentials SET owner_days = NULL WHERE len(owner_days) = 0",)),
    # Free-text industries become the vocabulary's names where one matches (domain/industries.py); the
    # others stay as written and read as unset until the issuer admin chooses (benchmark_releases is new).
    (6, (_industry_mapping(),)),
    # Designs are new in credential.issued: no stored event has one, so NULL is every row's fold.
    (
        7,
        tuple(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} VARCHAR"
            for table in ("events", "credentials")
            for column in ("design_id", "design_name")
        ),
    ),
    # The attribute breakdowns, counted from the events the file still holds (those retention deleted
    # were never counted by an older version's fold either: it read them raw).
    (8, breakdowns.rebuild_sql()),
)
