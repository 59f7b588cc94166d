"""`credlens export` and `credlens rebuild`: the Parquet lake of docs/scale-out.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from credlens.cli.common import DataDir, fail, find_issuer, open_store, out
from credlens.store import lake

LOCKED = (
    "the database is held by another process (a running `credlens serve`?); an export reads the file "
    "directly: stop the server, then run this command again"
)


def export(
    out_dir: Annotated[Path, typer.Option("--out", help="The lake's directory (created if missing).")],
    issuer: Annotated[
        list[str] | None, typer.Option("--issuer", help="Issuer slug; repeat for several (default: every issuer).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Write the issuers' events and settings to a Parquet lake; again later, only what changed."""
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        targets = [find_issuer(warehouse, slug) for slug in issuer] if issuer else warehouse.issuers()
        if not targets:
            fail("no issuer in the store yet; create one with `credlens issuer create`")
        try:
            reports = lake.export(warehouse.cursor(), out_dir, targets)
        except (OSError, ValueError) as exc:
            fail(f"cannot export to {out_dir}: {exc}")
    for report in reports:
        out.print(
            f"{report.slug}: {report.rows:+,} events, {report.files} new file(s); "
            f"months appended: {', '.join(report.appended) or 'none'}; "
            f"rewritten: {', '.join(report.rewritten) or 'none'}",
            soft_wrap=True,
        )
