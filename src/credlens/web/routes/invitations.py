"""Invitation links: a one-time link, shown once to the admin, where a new user sets a password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.access.passwords import hash_password, password_problem
from credlens.access.tokens import token_hash
from credlens.domain.accounts import Invitation, User
from credlens.store.warehouse import Warehouse
from credlens.web.auth import Now
from credlens.web.deps import WarehouseDep
from credlens.web.errors import ApiError
from credlens.web.forms import Form
from credlens.web.hashing import in_slot
from credlens.web.pages import render

router = APIRouter(include_in_schema=False)


def _invited(warehouse: Warehouse, token: str, at: Now) -> tuple[Invitation, User]:
    invitation = warehouse.accounts.invitation(token_hash(token)) if len(token) <= 100 else None
    user = warehouse.accounts.user(invitation.issuer_id, invitation.user_id) if invitation else None
    if invitation is None or user is None or invitation.used or invitation.expires_at <= at or user.disabled:
        raise ApiError(404, "invalid_invitation", "this invitation link is not valid or was already used")
    return invitation, user


@router.get("/invite/{token}")
def invitation_page(request: Request, token: str, warehouse: WarehouseDep, at: Now) -> Response:
    _, user = _invited(warehouse, token, at)
    return render(request, "invite.html", {"email": user.email})


@router.post("/invite/{token}")
async def set_password(request: Request, token: str, form: Form, warehouse: WarehouseDep, at: Now) -> Response:
    invitation, user = _invited(warehouse, token, at)
    password = form.raw("password")
    problem = password_problem(password)
    if problem is None and password != form.raw("confirm"):
        problem = "the two passwords differ"
    if problem is not None:
        return render(request, "invite.html", {"email": user.email, "error": problem}, status=422)
    password_hash = await in_slot(hash_password, password)
    if not warehouse.accounts.use_invitation(token_hash(token), at):
        raise ApiError(404, "invalid_invitation", "this invitation link is not valid or was already used")
    warehouse.accounts.set_password(invitation.issuer_id, user.user_id, password_hash)
    warehouse.audit(invitation.issuer_id, user.actor, "user.password_set")
    return RedirectResponse("/signin?welcome=1", status_code=303)
