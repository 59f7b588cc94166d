"""One recipient's timeline as issuer staff may see it (privacy.md): only with the recipient's consent
to detailed tracking, and a program manager only for a recipient holding a credential of one of their
programs, and then only the part of the timeline within those programs.

The lookup is by the e-mail or earner id the issuer's events used; the store turns it into the
pseudonymous key at once, and nothing here keeps or logs the identifier.
"""

from __future__ import annotations

from collections.abc import Sequence

from credlens.access.scope import ScopeRefused, timeline_programs
from credlens.domain.accounts import User
from credlens.privacy.consent import Timeline
from credlens.store.scope import IssuerTables
from credlens.store.warehouse import Warehouse

OUTSIDE_PROGRAMS = (
    "this recipient holds no credential of your programs ({mine}); program managers see the timelines of "
    "their programs' recipients only"
)


def holds_any(tables: IssuerTables, recipient_key: str, programs: Sequence[str]) -> bool:
    """Whether the recipient holds (was issued) a credential of one of these programs."""
    if not programs:
        return False
    c = tables["credentials"]
    mine = c.filter((c.recipient_key == recipient_key) & c.program_id.isin(list(programs)))
    return bool(mine.count().to_pyarrow().as_py())


def within(timeline: Timeline, programs: Sequence[str]) -> Timeline:
    """The part of a timeline a program manager sees: credentials of their programs and the events of
    those credentials, enrollments in their programs, and the recipient's consent changes."""
    allowed = set(programs)
    credentials = [c for c in timeline.credentials if c["program_id"] in allowed]
    shown = {c["credential_id"] for c in credentials}
    events = [
        e
        for e in timeline.events
        if e["credential_id"] in shown
        or (e["credential_id"] is None and (e["program_id"] is None or e["program_id"] in allowed))
    ]
    return Timeline(credentials, events)


def for_staff(
    warehouse: Warehouse, issuer_id: int, user: User, *, email: str | None = None, earner_id: str | None = None
) -> Timeline:
    """The timeline ``user`` may see of the recipient known by this e-mail or earner id; audited when shown.

    Raises ``StoreError`` (no or a malformed identifier), ``ScopeRefused`` (an executive, or a program
    manager asking about someone outside their programs: checked before consent, so the answer says
    nothing about that person) or ``ConsentRequired`` (no detailed tracking, or nobody known by it).
    """
    key = warehouse.recipient_key(issuer_id, email=email, earner_id=earner_id)
    programs = timeline_programs(user)
    if programs is not None and not holds_any(warehouse.tables(issuer_id), key, programs):
        raise ScopeRefused(OUTSIDE_PROGRAMS.format(mine=", ".join(programs) or "none assigned yet"))
    timeline = warehouse.recipient_timeline(issuer_id, key, actor=user.actor)
    return timeline if programs is None else within(timeline, programs)
