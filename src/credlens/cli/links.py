"""`credlens recipient-link`: a signed, expiring link that opens one recipient's own page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from credlens.access.links import LinkError, issue
from credlens.cli.common import DataDir, fail, find_issuer, open_store, out, settings
from credlens.recipients.holdings import count_holdings


def recipient_link(
    issuer: Annotated[str, typer.Option("--issuer", help="Issuer slug.")],
    email: Annotated[str | None, typer.Option("--email", help="The recipient's e-mail.")] = None,
    earner_id: Annotated[str | None, typer.Option("--earner-id", help="Or the issuer's earner id.")] = None,
    days: Annotated[int, typer.Option("--days", help="Days the link stays valid (1 to 365).")] = 30,
    data_dir: DataDir = None,
) -> None:
    """Print a recipient's link (signed with the server secret; the e-mail is not stored)."""
    config = settings(data_dir)
    with open_store(data_dir) as warehouse:
        target = find_issuer(warehouse, issuer)
        try:
            token, claim = issue(
                config.server_secret(),
                target.issuer_id,
                warehouse.pseudonym_secret(target.issuer_id),
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                email=email,
                earner_id=earner_id,
                days=days,
            )
        except LinkError as exc:
            fail(str(exc).replace("by e-mail or by earner id", "with --email or --earner-id"))
        held = count_holdings(warehouse.tables(target.issuer_id), claim.recipient_key)
    out.print(f"{config.base_url()}/r/{token}", soft_wrap=True)
    note = "" if held else " (none yet: check the e-mail or earner id)"
    out.print(f"[dim]valid until {claim.expires_at:%Y-%m-%d %H:%M} UTC; {held} credential(s){note}[/]", soft_wrap=True)
