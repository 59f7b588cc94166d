"""The demo's sign-ins: one user per role and a recipient link for the first demo issuer, printed by `credlens demo`.

In development (the demo's default) the users get known passwords, reset on every run so the
printed sign-ins always work. Outside development they get random passwords, printed once.
"""

from __future__ import annotations

import datetime as dt
import secrets

from credlens.access.links import issue
from credlens.access.passwords import hash_password
from credlens.config import Settings
from credlens.demo.profiles import demo_issuers
from credlens.domain.accounts import Role, normalize_email
from credlens.domain.issuers import Issuer
from credlens.privacy.pseudonyms import recipient_key
from credlens.recipients.holdings import holders_among
from credlens.store.catalog import programs
from credlens.store.warehouse import Warehouse

DEV_PASSWORDS = {
    Role.ADMIN: "demo-admin-password",
    Role.EXECUTIVE: "demo-executive-password",
    Role.PROGRAM_MANAGER: "demo-manager-password",
}


def demo_sign_ins(warehouse: Warehouse, issuer: Issuer, config: Settings, *, link: bool = True) -> list[str]:
    """Create (or refresh) the demo users of an issuer; the lines to print, one sign-in per role
    (and a recipient link unless ``link`` is False)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    managed = [p.program_id for p in programs(warehouse.tables(issuer.issuer_id))][:2]
    existing = {u.email: u for u in warehouse.accounts.users(issuer.issuer_id)}
    lines = [f"sign in at {config.base_url()}/signin"]
    for role in Role:
        email = normalize_email(f"{role.value.replace('_', '-')}@{issuer.slug}.demo")
        user = existing.get(email)
        if user is None:
            user = warehouse.accounts.create_user(
                issuer.issuer_id, email, role, managed if role is Role.PROGRAM_MANAGER else [], now
            )
        elif not config.development:
            lines.append(f"  {role.label:<16} {email}  (password printed when it was created)")
            continue
        password = DEV_PASSWORDS[role] if config.development else secrets.token_urlsafe(12)
        warehouse.accounts.set_password(issuer.issuer_id, user.user_id, hash_password(password))
        scope = f"  programs: {', '.join(user.programs)}" if role is Role.PROGRAM_MANAGER else ""
        lines.append(f"  {role.label:<16} {email} / {password}{scope}")
    recipient = _recipient_link(warehouse, issuer, config, now) if link else None
    if recipient:
        lines.append(f"  {'recipient':<16} {recipient}")
    return lines


def _recipient_link(warehouse: Warehouse, issuer: Issuer, config: Settings, now: dt.datetime) -> str | None:
    """A link for one of the issuer's demo learners (the generator's naming) whose page has something
    on it: views by others, shares and a verification when any learner has all three."""
    spec = next((s for s in demo_issuers() if s.slug == issuer.slug), None)
    if spec is None:
        return None
    secret = warehouse.pseudonym_secret(issuer.issuer_id)
    candidates: dict[str, dict[str, str]] = {}
    for r in range(500):
        for ref in ({"email": f"learner{r}@example.org"}, {"earner_id": f"{spec.earner_prefix}{r:07d}"}):
            candidates[recipient_key(secret, **ref)] = ref
    holders = holders_among(warehouse.tables(issuer.issuer_id), list(candidates))
    if not holders:
        return None
    ref = candidates[holders[0]]
    token, _ = issue(config.server_secret(), issuer.issuer_id, secret, now, days=30, **ref)
    return f"{config.base_url()}/r/{token}"
