"""`credlens user ...`: issuer staff accounts from the command line (the first admin starts here)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from credlens.access.passwords import hash_password, password_problem
from credlens.cli.common import DataDir, fail, find_issuer, open_store, out, settings
from credlens.domain.accounts import Role, normalize_email
from credlens.store.accounts import INVITATION_DAYS, AccountError
from credlens.store.catalog import programs as issuer_programs
from credlens.store.warehouse import Warehouse

app = typer.Typer(help="Manage the users (issuer staff) of an issuer.", no_args_is_help=True)
Issuer = Annotated[str, typer.Option("--issuer", help="Issuer slug.")]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def invitation_url(warehouse: Warehouse, issuer_id: int, user_id: str, base_url: str) -> str:
    """A one-time link to set the password (Accounts.invite)."""
    return f"{base_url}/invite/{warehouse.accounts.invite(issuer_id, user_id, _now())}"


@app.command("create")
def create(
    issuer: Issuer,
    email: Annotated[str, typer.Option("--email", help="The user's e-mail: their sign-in name.")],
    role: Annotated[str, typer.Option("--role", help="admin, executive or program_manager.")],
    program: Annotated[
        list[str] | None, typer.Option("--program", help="Program id (program managers); repeat for several.")
    ] = None,
    set_password: Annotated[
        bool, typer.Option("--set-password", help="Type the password now instead of printing an invitation link.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Create a user; prints a one-time link to set the password (or asks for it with --set-password)."""
    try:
        chosen = Role(role)
    except ValueError:
        fail(f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}")
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True) if set_password else None
    if password is not None and (problem := password_problem(password)):
        fail(problem)
    config = settings(data_dir)
    with open_store(data_dir) as warehouse:
        target = find_issuer(warehouse, issuer)
        known = {p.program_id for p in issuer_programs(warehouse.tables(target.issuer_id))}
        unknown = [p for p in program or [] if p not in known]
        if unknown:
            fail(
                f"unknown program(s) {', '.join(unknown)} of {issuer}; known: {', '.join(sorted(known)) or 'none yet'}"
            )
        try:
            user = warehouse.accounts.create_user(target.issuer_id, email, chosen, program or [], _now())
        except AccountError as exc:
            fail(str(exc))
        warehouse.audit(target.issuer_id, "cli", "user.created", f"{user.email} as {chosen.value}")
        if password is not None:
            warehouse.accounts.set_password(target.issuer_id, user.user_id, hash_password(password))
            out.print(f"created {user.email} ({chosen.label}) at {target.slug}; they can sign in now")
            return
        url = invitation_url(warehouse, target.issuer_id, user.user_id, config.base_url())
    out.print(f"created {user.email} ({chosen.label}) at {target.slug}")
    out.print(f"invitation link (works once, {INVITATION_DAYS} days): {url}", soft_wrap=True)


@app.command("list")
def list_users(issuer: Issuer, data_dir: DataDir = None) -> None:
    """List the issuer's users: e-mail, role, status and programs."""
    with open_store(data_dir) as warehouse:
        target = find_issuer(warehouse, issuer)
        users = warehouse.accounts.users(target.issuer_id)
    if not users:
        out.print(f"{target.slug} has no users yet; add one with `credlens user create`")
    for user in users:
        status = "disabled" if user.disabled else "active" if user.has_password else "invited"
        programs = f"  programs: {', '.join(user.programs) or 'none'}" if user.role is Role.PROGRAM_MANAGER else ""
        out.print(f"{user.email}  {user.role.value}  {status}{programs}", soft_wrap=True)


@app.command("disable")
def disable(
    issuer: Issuer,
    email: Annotated[str, typer.Argument(help="The e-mail of the user to disable.")],
    data_dir: DataDir = None,
) -> None:
    """Disable a user: they are signed out everywhere and cannot sign in."""
    with open_store(data_dir) as warehouse:
        target = find_issuer(warehouse, issuer)
        user = next((u for u in warehouse.accounts.users(target.issuer_id) if u.email == normalize_email(email)), None)
        if user is None:
            fail(f"{target.slug} has no user {email!r}; see `credlens user list --issuer {target.slug}`")
        warehouse.accounts.disable(target.issuer_id, user.user_id, _now())
        warehouse.audit(target.issuer_id, "cli", "user.disabled", user.email)
    out.print(f"disabled {user.email} at {target.slug}")
