"""`credlens serve`: the web app and API in one process that owns the database file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from credlens.cli.common import DataDir, err, settings
from credlens.store.warehouse import StoreError, Warehouse


def run_server(data_dir: Path | None, host: str | None, port: int | None) -> None:
    """Serve until interrupted. One worker, no reload: DuckDB allows a single writing process."""
    from credlens.web.app import create_app  # noqa: PLC0415 - keeps FastAPI out of other commands

    config = settings(data_dir, host=host, port=port)
    try:
        Warehouse(config.data_dir).close()  # fail here, plainly, if another process holds the file
    except StoreError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=1) from None
    err.print(f"credlens serving {config.data_dir} on http://{config.host}:{config.port}")
    uvicorn.run(create_app(config), host=config.host, port=config.port, workers=1, log_level="warning")


def serve(
    host: Annotated[str | None, typer.Option("--host", help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8000).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Run the web app and API."""
    run_server(data_dir, host, port)
