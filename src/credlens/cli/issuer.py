"""`credlens issuer ...`: create issuers and hand out their keys once."""

from __future__ import annotations

from typing import Annotated

import typer

from credlens.cli.common import DataDir, audit_new_keys, fail, find_issuer, open_store, out
from credlens.domain.industries import INDUSTRIES
from credlens.store.warehouse import StoreError

app = typer.Typer(help="Manage issuers (tenants).", no_args_is_help=True)


@app.command("create")
def create(
    slug: Annotated[str, typer.Argument(help="Short id: lower-case letters, digits, dashes.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    industry: Annotated[
        str | None, typer.Option("--industry", help="Industry, for peer benchmarks (`credlens issuer industries`).")
    ] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone of the issuer's calendar.")] = "UTC",
    data_dir: DataDir = None,
) -> None:
    """Create an issuer; prints its ingest key and read key once (they are stored hashed)."""
    with open_store(data_dir) as warehouse:
        try:
            issuer, keys = warehouse.create_issuer(slug, name, industry=industry, timezone=timezone)
        except StoreError as exc:
            fail(str(exc))
        audit_new_keys(warehouse, issuer.issuer_id, keys)
    out.print(f"created issuer [bold]{issuer.slug}[/] ({issuer.name}, {issuer.timezone})")
    out.print(f"ingest key: {keys.ingest}", soft_wrap=True)
    out.print(f"read key:   {keys.read}", soft_wrap=True)
    out.print("[dim]store these now: credlens keeps only their hashes[/]")


@app.command("set-k")
def set_k(
    slug: Annotated[str, typer.Argument(help="Issuer slug.")],
    k: Annotated[int, typer.Argument(help="Hide sensitive cells of fewer than K recipients (5 or more; default 10).")],
    data_dir: DataDir = None,
) -> None:
    """Set the small-cell threshold k of sensitive breakdowns (privacy.md); never below 5."""
    with open_store(data_dir) as warehouse:
        issuer = find_issuer(warehouse, slug)
        try:
            warehouse.set_suppression_k(issuer.issuer_id, k, actor="cli")
        except StoreError as exc:
            fail(str(exc))
    out.print(f"{slug} hides sensitive cells of fewer than {k} recipients")


@app.command("set-retention")
def set_retention(
    slug: Annotated[str, typer.Argument(help="Issuer slug.")],
    days: Annotated[str, typer.Argument(metavar="DAYS|keep", help="Days to keep raw events, or `keep` (default).")],
    data_dir: DataDir = None,
) -> None:
    """Keep raw events DAYS days, or `keep` them all; older ones are deleted once folded (`credlens retention`)."""
    if days == "keep":
        value = None
    elif days.isdigit() and int(days) >= 1:
        value = int(days)
    else:
        fail(f"DAYS must be a whole number of days (1 or more) or `keep`, not {days!r}")
    with open_store(data_dir) as warehouse:
        issuer = find_issuer(warehouse, slug)
        warehouse.set_retention(issuer.issuer_id, value, actor="cli")
    if value is None:
        out.print(f"{slug} keeps every raw event")
    else:
        out.print(
            f"{slug} keeps raw events {value} days; older ones are deleted by the next retention run"
            " (daily in the server, or `credlens retention`)",
            soft_wrap=True,
        )


@app.command("set-industry")
def set_industry(
    slug: Annotated[str, typer.Argument(help="Issuer slug.")],
    industry: Annotated[str, typer.Argument(help="An industry of the list (`credlens issuer industries`).")],
    data_dir: DataDir = None,
) -> None:
    """Set the issuer's industry (peer benchmarks compare issuers of one industry); case-insensitive."""
    with open_store(data_dir) as warehouse:
        issuer = find_issuer(warehouse, slug)
        try:
            name = warehouse.set_industry(issuer.issuer_id, industry, actor="cli")
        except StoreError as exc:
            fail(str(exc))
    out.print(f"{slug} is in the industry {name}")


@app.command("industries")
def industries() -> None:
    """List the industries an issuer can be in (docs/metrics.md, Benchmarks)."""
    for name in INDUSTRIES:
        out.print(name)
