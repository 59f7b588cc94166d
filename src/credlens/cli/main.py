"""The `credlens` command: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from credlens.cli import (
    benchmarks,
    demo,
    importer,
    insights,
    issuer,
    lake,
    links,
    privacy,
    query,
    report,
    schedule,
    serve,
    tracking,
    user,
    webhook,
)

app = typer.Typer(
    name="credlens",
    help="Self-hostable credential analytics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(issuer.app, name="issuer")
app.add_typer(user.app, name="user")
app.add_typer(benchmarks.app, name="benchmarks")
app.add_typer(schedule.app, name="schedule")
app.add_typer(webhook.app, name="webhook")
app.command("import")(importer.import_file)
app.command("query")(query.query)
app.command("insights")(insights.insights)
app.command("report")(report.report)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("recipient-link")(links.recipient_link)
app.command("erase")(privacy.erase)
app.command("purge")(privacy.purge)
app.command("retention")(privacy.retention)
app.command("timeline")(privacy.timeline)
app.command("tracking-links")(tracking.tracking_links)
issuer.app.command("set-tracking")(tracking.set_tracking)
app.command("export")(lake.export)
app.command("rebuild")(lake.rebuild)


def main() -> None:
    app()
