"""Admin actions on users: invite (create with role and programs), assign programs, disable, new link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.domain.accounts import Role, User
from credlens.store.accounts import INVITATION_DAYS, AccountError
from credlens.store.catalog import programs
from credlens.store.warehouse import Warehouse
from credlens.web.auth import AdminUser, Now, Staff
from credlens.web.deps import WarehouseDep, public_base
from credlens.web.errors import ApiError
from credlens.web.forms import Form
from credlens.web.pages import render

router = APIRouter()


def _checked_programs(warehouse: Warehouse, admin: Staff, chosen: list[str]) -> list[str]:
    known = {p.program_id for p in programs(warehouse.tables(admin.issuer.issuer_id))}
    if any(p not in known for p in chosen):
        raise ApiError(422, "invalid_form", "choose programs of this issuer from the list")
    return chosen


def _shown_once(request: Request, admin: Staff, token: str, user: User) -> Response:
    url = f"{public_base(request)}/invite/{token}"
    context = {
        "title": f"Invitation for {user.email}",
        "secret": url,
        "explain": f"Send this link to {user.email}: it sets their password, works once, and expires in "
        f"{INVITATION_DAYS} days. It is shown only now.",
        "issuer": admin.issuer,
    }
    return render(request, "admin/shown_once.html", context)


@router.post("/admin/users")
def create_user(request: Request, form: Form, admin: AdminUser, warehouse: WarehouseDep, at: Now) -> Response:
    try:
        role = Role(form.get("role"))
    except ValueError as exc:
        raise ApiError(422, "invalid_form", "choose a role from the list") from exc
    chosen = _checked_programs(warehouse, admin, form.all("program")) if role is Role.PROGRAM_MANAGER else []
    try:
        user = warehouse.accounts.create_user(admin.issuer.issuer_id, form.get("email"), role, chosen, at)
    except AccountError as exc:
        raise ApiError(422, "invalid_form", str(exc)) from exc
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "user.created", f"{user.email} as {role.value}")
    return _shown_once(request, admin, warehouse.accounts.invite(user.issuer_id, user.user_id, at), user)


def _user(warehouse: Warehouse, admin: Staff, user_id: str) -> User:
    user = warehouse.accounts.user(admin.issuer.issuer_id, user_id)
    if user is None:
        raise ApiError(404, "not_found", "no such user")
    return user


@router.post("/admin/users/{user_id}/programs")
def assign_programs(user_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep) -> Response:
    user = _user(warehouse, admin, user_id)
    chosen = _checked_programs(warehouse, admin, form.all("program"))
    try:
        warehouse.accounts.set_programs(admin.issuer.issuer_id, user.user_id, chosen)
    except AccountError as exc:
        raise ApiError(422, "invalid_form", str(exc)) from exc
    detail = f"{user.email}: {', '.join(chosen) or 'none'}"
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "user.programs_changed", detail)
    return RedirectResponse("/admin?done=programs", status_code=303)


@router.post("/admin/users/{user_id}/disable")
def disable_user(user_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep, at: Now) -> Response:
    del form
    user = _user(warehouse, admin, user_id)
    if user.user_id == admin.user.user_id:
        raise ApiError(422, "invalid_form", "you cannot disable your own account")
    warehouse.accounts.disable(admin.issuer.issuer_id, user.user_id, at)
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "user.disabled", user.email)
    return RedirectResponse("/admin?done=disabled", status_code=303)


@router.post("/admin/users/{user_id}/invitation")
def new_invitation(
    request: Request, user_id: str, form: Form, admin: AdminUser, warehouse: WarehouseDep, at: Now
) -> Response:
    del form
    user = _user(warehouse, admin, user_id)
    try:
        token = warehouse.accounts.invite(user.issuer_id, user.user_id, at)
    except AccountError as exc:
        raise ApiError(422, "invalid_form", str(exc)) from exc
    warehouse.audit(admin.issuer.issuer_id, admin.user.actor, "user.invited", user.email)
    return _shown_once(request, admin, token, user)
