"""`credlens serve`: the web app and API in one process that owns the database file."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from credlens.cli import running
from credlens.cli.common import DataDir, err, settings
from credlens.config import Settings
from credlens.delivery.schedules import Outgoing
from credlens.store import deadlines
from credlens.store.warehouse import StoreError, Warehouse
from credlens.webhooks.settings import WebhookSettings, WebhookSettingsError

# Seconds a stopping server waits for requests still in flight (their reads are interrupted at once).
GRACEFUL_SECONDS = 3


class Server(uvicorn.Server):
    """Uvicorn's server, stopping within seconds of SIGTERM or Ctrl-C whatever runs: before waiting
    for the requests in flight, it interrupts their reads (store/deadlines.py), and it waits at
    most GRACEFUL_SECONDS for them (uvicorn waits for ever by default)."""

    announced: Path | None = None  # the file telling other commands where this server is

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        deadlines.stop_all()
        await super().shutdown(sockets)
        # NOTE: here, not in a `finally` after run(): uvicorn re-raises SIGTERM once it has stopped,
        # which ends the process before any `finally` of ours.
        if self.announced is not None:
            running.withdraw(self.announced)


def serve_app(app: Any, config: Settings, announced: Path | None = None) -> None:
    """Run ``app`` until SIGTERM or Ctrl-C. One worker, no reload: DuckDB allows a single writing process."""
    options = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        workers=1,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    server = Server(options)
    server.announced = announced
    server.run()


def run_server(data_dir: Path | None, host: str | None, port: int | None) -> None:
    """Serve until interrupted."""
    from credlens.web.app import create_app  # noqa: PLC0415 - keeps FastAPI out of other commands

    config = settings(data_dir, host=host, port=port)
    try:
        WebhookSettings.from_env()  # a bad CREDLENS_WEBHOOKS_* is one line here, not a traceback later
    except WebhookSettingsError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=1) from None
    try:
        Warehouse(config.data_dir).close()  # fail here, plainly, if another process holds the file
    except StoreError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=1) from None
    if config.smtp_url and (problem := Outgoing.configure(config.smtp_url, config.smtp_from).problem):
        err.print(f"[bold red]error:[/] {problem}")  # scheduled reports would fail one by one: say it now
        raise typer.Exit(code=1)
    err.print(f"credlens serving {config.data_dir} on http://{config.host}:{config.port} (Ctrl-C stops it)")
    announced = running.announce(config.data_dir, config.host, config.port)  # `credlens query` asks it
    try:
        serve_app(create_app(config), config, announced)
    finally:
        running.withdraw(announced)


def serve(
    host: Annotated[str | None, typer.Option("--host", help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8000).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Run the web app and API."""
    run_server(data_dir, host, port)
