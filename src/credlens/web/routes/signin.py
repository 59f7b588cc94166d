"""Sign-in and sign-out of issuer staff: Argon2id passwords, throttled (access/ratelimit.py), audited."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from credlens.access.passwords import verify_password
from credlens.access.ratelimit import SignInLimiter
from credlens.access.scope import may_administer
from credlens.domain.accounts import Role, User
from credlens.web import sessions
from credlens.web.auth import Now, SignedIn, Staff
from credlens.web.deps import WarehouseDep
from credlens.web.forms import Form
from credlens.web.hashing import in_slot
from credlens.web.pages import render

router = APIRouter(include_in_schema=False)
WRONG = "Wrong e-mail or password."


def landing(user: User) -> str:
    """Where a role starts: the page made for it (admins manage, executives read the whole, program
    managers their programs), never a list of links."""
    if may_administer(user):
        return "/admin"
    if user.role is Role.EXECUTIVE:
        return "/dashboards/executive"
    return "/dashboards/programs" if user.programs else "/"  # none assigned: the overview says whom to ask


def home_of(staff: Staff) -> str:
    return landing(staff.user)


@router.get("/signin")
def sign_in_page(request: Request, principal: SignedIn) -> Response:
    if isinstance(principal, Staff):
        return RedirectResponse(home_of(principal), status_code=303)
    notice = "Your password is set: sign in." if request.query_params.get("welcome") else None
    return render(request, "signin.html", {"notice": notice})


@router.post("/signin")
async def sign_in(request: Request, form: Form, warehouse: WarehouseDep, at: Now) -> Response:
    email, password = form.get("email"), form.raw("password")
    limiter: SignInLimiter = request.app.state.limiter
    found = warehouse.accounts.user_by_email(email) if email else None
    user, password_hash = found if found else (None, None)
    wait = limiter.retry_after(email, at)
    if wait is not None:
        if user is not None:
            warehouse.audit(user.issuer_id, user.actor, "signin.failed", "rate limited")
        minutes = -(-wait // 60)
        page = render(
            request,
            "signin.html",
            {"error": f"Too many failed sign-ins. Try again in {minutes} minute(s).", "email": email},
            status=429,
        )
        page.headers["Retry-After"] = str(wait)
        return page
    delay = limiter.slow_down(at)
    if delay:  # a flood of failures somewhere: every attempt waits a little, none is refused
        await asyncio.sleep(delay)
    # NOTE: Argon2 takes ~0.2 s of CPU: off the event loop. It runs for unknown e-mails too (a dummy
    # hash), so the answer's timing does not tell which accounts exist.
    matches = await in_slot(verify_password, password_hash, password)
    if user is None or not matches or user.disabled:
        limiter.failed(email, at)
        if user is not None:
            reason = "account disabled" if matches else "wrong password"
            warehouse.audit(user.issuer_id, user.actor, "signin.failed", reason)
        message = "This account is disabled." if matches and user is not None else WRONG
        return render(request, "signin.html", {"error": message, "email": email}, status=401)
    limiter.succeeded(email)
    response = RedirectResponse(landing(user), status_code=303)
    sessions.end(request, None, warehouse)  # whatever this browser held before; the new cookie replaces it
    sessions.start(response, warehouse, user.issuer_id, at, user_id=user.user_id)
    warehouse.audit(user.issuer_id, user.actor, "signin")
    return response


@router.post("/signout")
def sign_out(request: Request, form: Form, warehouse: WarehouseDep, principal: SignedIn) -> Response:
    del form  # checked by the guard: a sign-out is a state change like any other
    if isinstance(principal, Staff):
        warehouse.audit(principal.issuer.issuer_id, principal.user.actor, "signout")
    response = RedirectResponse("/signin", status_code=303)
    sessions.end(request, response, warehouse)
    return response
