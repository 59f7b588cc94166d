"""What every command shares: settings, opening the store, and one-line errors instead of tracebacks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from credlens.cli import running
from credlens.config import Settings, SettingsError
from credlens.domain.issuers import Issuer, NewKeys
from credlens.domain.query import QueryError
from credlens.store import deadlines
from credlens.store.warehouse import StoreError, StoreLocked, Warehouse

err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the database lives (default $CREDLENS_DATA_DIR, else ./data)."),
]


def fail(message: str) -> NoReturn:
    """One clear line on stderr and a non-zero exit: the contract of every user error."""
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code=1)


def settings(data_dir: Path | None = None, **overrides: object) -> Settings:
    try:
        return Settings.from_env(data_dir=data_dir, **overrides)
    except SettingsError as exc:
        fail(str(exc))


@contextmanager
def open_store(data_dir: Path | None, *, when_locked: str | None = None) -> Iterator[Warehouse]:
    """The store, or one line and exit 1; ``when_locked`` replaces the message if a server holds it."""
    try:
        config = settings(data_dir)
        warehouse = Warehouse(config.data_dir, memory_limit=config.memory_limit)
    except StoreLocked as exc:
        url = running.server_url(settings(data_dir).data_dir)
        fail(when_locked or (f"{exc} (at {url})" if url else str(exc)))
    except StoreError as exc:
        fail(str(exc))
    try:
        yield warehouse
    except StoreError as exc:
        fail(str(exc))
    finally:
        warehouse.close()


def find_issuer(warehouse: Warehouse, slug: str) -> Issuer:
    issuer = warehouse.issuer(slug)
    if issuer is None:
        known = ", ".join(i.slug for i in warehouse.issuers()) or "none yet"
        fail(f"unknown issuer {slug!r} (known: {known}); create it with `credlens issuer create`")
    return issuer


def audit_new_keys(warehouse: Warehouse, issuer_id: int, keys: NewKeys) -> None:
    """Record the keys a command handed out, by key id (the keys themselves are never recorded)."""
    for kind, key in (("ingest", keys.ingest), ("read", keys.read)):
        warehouse.audit(issuer_id, "cli", "key.created", f"{kind} key {key.split('_')[2]}")


@contextmanager
def answering(too_long: str = "ask for a shorter window") -> Iterator[None]:
    """A query's refusal as one line naming its option, and a read past CREDLENS_QUERY_TIMEOUT as one
    line saying what to do (``too_long``); exit 1 for both."""
    try:
        yield
    except QueryError as exc:
        fail(f"--{exc.field}: {exc.message}")
    except deadlines.Cancelled as exc:
        fail(f"{exc}; {too_long}, or raise CREDLENS_QUERY_TIMEOUT")
