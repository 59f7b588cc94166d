"""Who is asking: a signed-in staff user, a recipient holding a link, or a key; as dependencies.

Every route states what it needs in its signature (``StaffUser``, ``AdminUser``, ``SessionAdmin``,
``TimelineViewer``, ``Holder``, ``StatsReader``); the checks live here once, never inside handlers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from credlens.access.scope import may_administer, may_view_timelines
from credlens.domain.accounts import Session, User
from credlens.domain.issuers import Issuer, KeyKind
from credlens.web import sessions
from credlens.web.deps import WarehouseDep, bearer, read_issuer
from credlens.web.errors import ApiError, SignInRequired


@dataclass(frozen=True)
class Staff:
    issuer: Issuer
    user: User
    session: Session


@dataclass(frozen=True)
class Recipient:
    issuer: Issuer
    recipient_key: str
    session: Session


@dataclass(frozen=True)
class Viewer:
    """What the page layout shows: the issuer, and who is signed in."""

    issuer_name: str
    label: str
    role: str | None
    admin: bool


def now(request: Request) -> dt.datetime:
    clock: sessions.Clock = request.app.state.clock
    return clock()


Now = Annotated[dt.datetime, Depends(now)]


def signed_in(request: Request, warehouse: WarehouseDep, at: Now) -> Staff | Recipient | None:
    """The request's session as staff or recipient (resolved once per request), or None."""
    if hasattr(request.state, "principal"):
        principal: Staff | Recipient | None = request.state.principal
        return principal
    principal = None
    session = sessions.current(request, warehouse, at)
    issuer = warehouse.issuer_by_id(session.issuer_id) if session else None
    if session is not None and issuer is not None:
        if session.recipient_key is not None:
            principal = Recipient(issuer, session.recipient_key, session)
            request.state.viewer = Viewer(issuer.name, "your credentials", None, admin=False)
        elif session.user_id is not None:
            user = warehouse.accounts.user(session.issuer_id, session.user_id)
            if user is not None and not user.disabled:
                principal = Staff(issuer, user, session)
                request.state.viewer = Viewer(issuer.name, user.email, user.role.label, may_administer(user))
    request.state.principal = principal
    return principal


SignedIn = Annotated[Staff | Recipient | None, Depends(signed_in)]


def staff_user(principal: SignedIn) -> Staff:
    if principal is None:
        raise SignInRequired()
    if isinstance(principal, Recipient):
        raise ApiError(403, "forbidden", "a recipient link opens only the recipient's own page")
    return principal


StaffUser = Annotated[Staff, Depends(staff_user)]


def admin_user(staff: StaffUser) -> Staff:
    if not may_administer(staff.user):
        raise ApiError(403, "forbidden", f"only an admin of {staff.issuer.name} may do this")
    return staff


AdminUser = Annotated[Staff, Depends(admin_user)]


def no_keys(request: Request, warehouse: WarehouseDep) -> None:
    """Recipient-level actions (erasure, a timeline) are for people signed in: an API key, read or
    ingest, is refused, even alongside a session cookie (the key decides, as everywhere)."""
    if "authorization" not in request.headers:
        return
    token = bearer(request)
    if any(warehouse.issuer_for_key(token, kind) is not None for kind in KeyKind):
        raise ApiError(
            403,
            "forbidden",
            "API keys cannot erase or look at one recipient: an admin signed in does (send the session cookie "
            "and X-CSRF-Token), or the operator runs `credlens erase` on the server",
        )
    raise ApiError(401, "unauthorized", "the key is unknown or revoked; this route needs a signed-in user")


NoKeys = Annotated[None, Depends(no_keys)]


def session_admin(_: NoKeys, admin: AdminUser) -> Staff:
    """An admin by session, never a key (POST /api/v1/erasures: docs/api.md says why)."""
    return admin


SessionAdmin = Annotated[Staff, Depends(session_admin)]


def timeline_viewer(_: NoKeys, staff: StaffUser) -> Staff:
    """Staff who may look up one recipient's timeline: admins, and program managers (held to the
    recipients of their programs by recipients/timeline.py); executives see aggregates only."""
    if not may_view_timelines(staff.user):
        raise ApiError(
            403,
            "forbidden",
            "executives see every aggregate but no recipient-level view; timelines are for admins and program managers",
        )
    return staff


TimelineViewer = Annotated[Staff, Depends(timeline_viewer)]


def recipient(principal: SignedIn) -> Recipient:
    if isinstance(principal, Recipient):
        return principal
    if principal is None:
        raise ApiError(401, "sign_in_required", "open the link the issuer sent you again")
    raise ApiError(403, "forbidden", "this page belongs to a recipient; staff see aggregates")


Holder = Annotated[Recipient, Depends(recipient)]


@dataclass(frozen=True)
class StatsAccess:
    """Who reads stats: a read key (``user`` None: every aggregate of the key's issuer) or a staff user;
    ``actor`` names them in the audit log (a pull is an export)."""

    issuer: Issuer
    user: User | None
    actor: str


def stats_reader(request: Request, warehouse: WarehouseDep, principal: SignedIn) -> StatsAccess:
    if "authorization" in request.headers:
        issuer = read_issuer(request, warehouse)  # a live key: shaped cl_read_<key id>_<secret>
        return StatsAccess(issuer, None, f"key:{bearer(request).split('_')[2]}")
    if isinstance(principal, Staff):
        return StatsAccess(principal.issuer, principal.user, principal.user.actor)
    if isinstance(principal, Recipient):
        raise ApiError(403, "forbidden", "recipients see their own credentials, not the issuer's aggregates")
    raise ApiError(401, "unauthorized", "send a read key as `Authorization: Bearer <key>`, or sign in")


StatsReader = Annotated[StatsAccess, Depends(stats_reader)]
