"""`credlens demo`: build the demo issuers and their events through the real ingestion path, then serve."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from credlens.cli.common import DataDir, audit_new_keys, fail, open_store, out, settings
from credlens.cli.demo_access import demo_sign_ins
from credlens.cli.serve import run_server
from credlens.domain.issuers import Issuer
from credlens.ingest.decode import convert_rows
from credlens.ingest.pipeline import Outcome, ingest_decoded
from credlens.memory import collector_paused
from credlens.store.warehouse import Warehouse

SCALE_NAMES = ("small", "medium", "large")


def build_demo(warehouse: Warehouse, scale: str, today: dt.date | None = None) -> Outcome:
    """Create the demo issuers and ingest the scale's events (idempotent: re-runs store nothing twice)."""
    from credlens.demo.generator import SCALES, generate  # noqa: PLC0415 - NumPy only when building
    from credlens.demo.profiles import every_demo_issuer  # noqa: PLC0415

    issuers = {}
    for spec in every_demo_issuer():
        issuer = warehouse.issuer(spec.slug)
        if issuer is None:
            issuer, _ = warehouse.create_issuer(spec.slug, spec.name, industry=spec.industry, timezone=spec.timezone)
        issuers[spec.slug] = issuer
    outcome = Outcome()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar, collector_paused():
        task = bar.add_task(f"demo ({scale})", total=SCALES[scale])
        for slug, chunk in generate(scale, today=today):
            decoded = convert_rows(list(enumerate(chunk)))
            outcome.add(ingest_decoded(warehouse, issuers[slug], decoded, fold=False))
            bar.advance(task, len(chunk))
        bar.update(task, total=bar.tasks[0].completed)  # the scale's size is approximate
    warehouse.compact()
    warehouse.set_meta("demo_scale", scale)
    return outcome


def build_single_issuer(warehouse: Warehouse, slug: str, n_events: int) -> Issuer:
    """One large issuer (benchmarks): the demo generator's single-issuer stream, through the real pipeline."""
    from credlens.demo.generator import generate_single_issuer  # noqa: PLC0415 - NumPy only when building

    issuer, _ = warehouse.create_issuer(slug, "Benchmark Academy", industry="online_courses", timezone="UTC")
    with collector_paused():
        for chunk in generate_single_issuer(n_events):
            ingest_decoded(warehouse, issuer, convert_rows(list(enumerate(chunk))), fold=False)
    warehouse.compact()
    return issuer


def demo(
    scale: Annotated[
        str, typer.Option("--scale", help="small (~120k events), medium (~1M) or large (~10M).")
    ] = "small",
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the data set only.")] = False,
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
    data_dir: DataDir = None,
) -> None:
    """Build a realistic demo data set (8+ issuers) and serve it."""
    if scale not in SCALE_NAMES:
        fail(f"unknown scale {scale!r}; use one of {', '.join(SCALE_NAMES)}")
    config = settings(data_dir, host=host, port=port)
    with open_store(data_dir) as warehouse:
        if warehouse.meta("demo_scale") == scale:
            out.print(f"demo data ({scale}) already built in {warehouse.path}")
        else:
            outcome = build_demo(warehouse, scale)
            out.print(
                f"demo built: {outcome.accepted} events accepted, {outcome.duplicates} duplicates, "
                f"{len(outcome.rejections)} rejected"
            )
        first = warehouse.issuers()[0]
        keys = warehouse.new_keys(first.issuer_id)
        audit_new_keys(warehouse, first.issuer_id, keys)
        out.print(f"demo issuer [bold]{first.slug}[/] ({len(warehouse.issuers())} issuers in all)", soft_wrap=True)
        out.print(f"  ingest key: {keys.ingest}", soft_wrap=True)
        out.print(f"  read key:   {keys.read}", soft_wrap=True)
        for line in demo_sign_ins(warehouse, first, config):
            out.print(line, soft_wrap=True, highlight=False, markup=False)
        others = warehouse.issuers()[1:]
        if config.development and others:  # known passwords: every issuer can be tried the same way
            for other in others:
                demo_sign_ins(warehouse, other, config, link=False)
            slugs = ", ".join(o.slug for o in others)
            out.print(
                f"  other issuers, same passwords: {slugs} (as admin@SLUG.demo, executive@SLUG.demo, "
                "program-manager@SLUG.demo)",
                soft_wrap=True,
                highlight=False,
                markup=False,
            )
    if not no_serve:
        run_server(data_dir, host, port)
