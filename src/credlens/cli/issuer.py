"""`credlens issuer ...`: create issuers and hand out their keys once."""

from __future__ import annotations

from typing import Annotated

import typer

from credlens.cli.common import DataDir, audit_new_keys, open_store, out

app = typer.Typer(help="Manage issuers (tenants).", no_args_is_help=True)


@app.command("create")
def create(
    slug: Annotated[str, typer.Argument(help="Short id: lower-case letters, digits, dashes.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    industry: Annotated[str | None, typer.Option("--industry", help="Industry, for peer benchmarks.")] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone of the issuer's calendar.")] = "UTC",
    data_dir: DataDir = None,
) -> None:
    """Create an issuer; prints its ingest key and read key once (they are stored hashed)."""
    with open_store(data_dir) as warehouse:
        issuer, keys = warehouse.create_issuer(slug, name, industry=industry, timezone=timezone)
        audit_new_keys(warehouse, issuer.issuer_id, keys)
    out.print(f"created issuer [bold]{issuer.slug}[/] ({issuer.name}, {issuer.timezone})")
    out.print(f"ingest key: {keys.ingest}", soft_wrap=True)
    out.print(f"read key:   {keys.read}", soft_wrap=True)
    out.print("[dim]store these now: credlens keeps only their hashes[/]")
