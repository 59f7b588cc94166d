"""`credlens tracking-links` and `credlens issuer set-tracking`: links for credential pages the issuer
hosts itself, and where those links lead (docs/tracking.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from credlens.access.tracking import TrackingError, links
from credlens.cli.common import DataDir, fail, find_issuer, open_store, settings
from credlens.store.targets import load_targets, save_targets


def tracking_links(
    issuer: Annotated[str, typer.Option("--issuer", help="Issuer slug.")],
    credential: Annotated[str, typer.Option("--credential", help="The credential's id, as in its events.")],
    data_dir: DataDir = None,
) -> None:
    """Print, as JSON, the script, view, share, download and verification links of one credential.

    `owner_view` carries the owner's token: put it only on the link the recipient gets."""
    config = settings(data_dir)
    with open_store(data_dir) as warehouse:
        target = find_issuer(warehouse, issuer)
    try:
        answer = links(config.base_url(), config.server_secret(), target.issuer_id, credential)
    except TrackingError as exc:
        fail(str(exc))
    typer.echo(json.dumps(answer, indent=2))


def set_tracking(
    slug: Annotated[str, typer.Argument(help="Issuer slug.")],
    page_url: Annotated[
        str | None, typer.Option("--page-url", help="The credential page, e.g. https://x.org/c/{credential_id}.")
    ] = None,
    download_url: Annotated[
        str | None, typer.Option("--download-url", help="A file: {credential_id} and {format} (pdf, png, print_pdf).")
    ] = None,
    verify_url: Annotated[
        str | None, typer.Option("--verify-url", help="The issuer's verification page, with {credential_id}.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Set where tracking links lead (URL templates; an empty value clears one); prints them all as JSON."""
    with open_store(data_dir) as warehouse:
        issuer = find_issuer(warehouse, slug)
        try:
            changes = {"page_url": page_url, "download_url": download_url, "verify_url": verify_url}
            targets = (
                save_targets(warehouse, issuer.issuer_id, changes, actor="cli")
                if any(v is not None for v in changes.values())
                else load_targets(warehouse, issuer.issuer_id)
            )
        except TrackingError as exc:
            fail(str(exc))
    typer.echo(json.dumps(targets.__dict__, indent=2))
