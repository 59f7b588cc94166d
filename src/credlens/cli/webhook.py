"""`credlens webhook ...`: subscribe an issuer's systems to its events (docs/webhooks.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer

from credlens.cli.common import DataDir, fail, find_issuer, open_store, settings
from credlens.store.warehouse import Warehouse
from credlens.store.webhooks import Subscription
from credlens.webhooks.sender import send_test
from credlens.webhooks.settings import WebhookSettings, WebhookSettingsError
from credlens.webhooks.subscriptions import SubscriptionError, subscribe

app = typer.Typer(help="Send an issuer's events to its own systems, signed (docs/webhooks.md).", no_args_is_help=True)
LOCKED = (
    "the running `credlens serve` holds the database: manage webhooks on its admin page (Admin → Webhooks), "
    "or stop it first"
)
SubId = Annotated[str | None, typer.Argument(help="The subscription id (wh_…), as `credlens webhook list` shows it.")]
SubIdOption = Annotated[str | None, typer.Option("--id", help="The subscription id, instead of the argument.")]
MaybeIssuer = Annotated[str | None, typer.Option("--issuer", help="Issuer slug (checked against the subscription).")]


def _settings() -> WebhookSettings:
    try:
        return WebhookSettings.from_env()
    except WebhookSettingsError as exc:
        fail(str(exc))


def _echo(value: Any) -> None:
    typer.echo(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.datetime) else str(v)))


def _id(argument: str | None, option: str | None) -> str:
    if (argument is None) == (option is None):
        fail("name the subscription once: `credlens webhook … ID` or `--id ID`")
    return str(argument or option)


def _find(warehouse: Warehouse, sub_id: str, issuer: str | None) -> Subscription:
    found = warehouse.webhooks.subscription(sub_id)
    if found is not None and issuer is not None and found.issuer_id != find_issuer(warehouse, issuer).issuer_id:
        found = None
    if found is None:
        fail(f"no webhook subscription {sub_id!r}{f' of {issuer}' if issuer else ''}; see `credlens webhook list`")
    return found


@app.command("add")
def add(
    issuer: Annotated[str, typer.Option("--issuer", help="Issuer slug.")],
    url: Annotated[str, typer.Option("--url", help="The receiver's http(s) URL.")],
    events: Annotated[list[str], typer.Option("--events", help="Event types, comma-separated: TYPE[,TYPE].")],
    data_dir: DataDir = None,
) -> None:
    """Subscribe URL to the issuer's events of these types; prints {"id", "secret"} (the secret only now)."""
    hooks, config = _settings(), settings(data_dir)
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        target = find_issuer(warehouse, issuer)
        try:
            sub_id, secret = subscribe(warehouse, config.server_secret(), target.issuer_id, url, events, hooks)
        except SubscriptionError as exc:
            fail(str(exc))
        warehouse.audit(target.issuer_id, "cli", "webhook.added", f"{sub_id} {url}")
    _echo({"id": sub_id, "secret": secret})


@app.command("list")
def list_(issuer: Annotated[str, typer.Option("--issuer", help="Issuer slug.")], data_dir: DataDir = None) -> None:
    """The issuer's subscriptions as JSON: id, URL, event types, status (why disabled) and deliveries waiting."""
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        target = find_issuer(warehouse, issuer)
        rows: list[dict[str, object]] = [
            {
                "id": s.sub_id,
                "url": s.url,
                "events": list(s.event_types),
                "status": "active" if s.active else "disabled",
                "disabled_reason": s.disabled_reason,
                "created_at": s.created_at,
            }
            for s in warehouse.webhooks.subscriptions(target.issuer_id)
        ]
        waiting = warehouse.webhooks.pending_by_subscription(target.issuer_id)
    for row in rows:
        row["pending"] = waiting.get(str(row["id"]), 0)
    _echo(rows)


@app.command("remove")
def remove(sub_id: SubId = None, issuer: MaybeIssuer = None, id_: SubIdOption = None, data_dir: DataDir = None) -> None:
    """Unsubscribe; deliveries not made yet are dropped."""
    sub_id = _id(sub_id, id_)
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        found = _find(warehouse, sub_id, issuer)
        warehouse.webhooks.remove(found.issuer_id, sub_id, dt.datetime.now(dt.UTC).replace(tzinfo=None))
        warehouse.audit(found.issuer_id, "cli", "webhook.removed", sub_id)
    _echo({"removed": sub_id})


@app.command("test")
def send_test_delivery(
    sub_id: SubId = None, issuer: MaybeIssuer = None, id_: SubIdOption = None, data_dir: DataDir = None
) -> None:
    """Send a signed `webhook.test` delivery now; prints its id, HTTP status and time; exit 1 if not acknowledged."""
    sub_id = _id(sub_id, id_)
    hooks, config = _settings(), settings(data_dir)
    with open_store(data_dir, when_locked=LOCKED) as warehouse:
        found = _find(warehouse, sub_id, issuer)
        owner = warehouse.issuer_by_id(found.issuer_id)
        assert owner is not None
        attempt = send_test(warehouse, config.server_secret(), found, owner.slug, hooks)
    ok = attempt.status is not None and 200 <= attempt.status < 300
    _echo({"id": attempt.delivery_id, "ok": ok, "status": attempt.status, "ms": attempt.millis, "error": attempt.error})
    if not ok:
        raise typer.Exit(code=1)
