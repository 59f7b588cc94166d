"""The FastAPI application: one process owning the warehouse and its writer thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from credlens import __version__
from credlens.access.ratelimit import Limits, SignInLimiter
from credlens.config import Settings
from credlens.delivery.schedules import Cadence, Outgoing, ReportScheduler
from credlens.ingest import offload
from credlens.store.maintenance import PurgeJob, RetentionJob
from credlens.store.warehouse import Warehouse
from credlens.store.writer import GroupWriter
from credlens.web import deadlines, errors, openapi
from credlens.web.pages import ASSETS
from credlens.web.readers import ReaderScope
from credlens.web.routes import admin as admin_pages
from credlens.web.routes import benchmarks as benchmark_routes
from credlens.web.routes import (
    dashboards,
    events,
    health,
    home,
    insights,
    invitations,
    links,
    privacy,
    recipient,
    shares,
    signin,
    sources,
    stats,
    timeline,
    tracking,
)
from credlens.web.security import logs
from credlens.web.security.forms import FormGuard
from credlens.web.security.headers import SecurityHeaders
from credlens.web.sessions import Clock, utcnow
from credlens.webhooks.sender import Sender
from credlens.webhooks.settings import WebhookSettings


def create_app(
    settings: Settings,
    *,
    clock: Clock = utcnow,
    limits: Limits | None = None,
    cadence: Cadence | None = None,
    webhook_settings: WebhookSettings | None = None,
) -> FastAPI:
    """The app for a data directory; ``clock``, ``limits``, ``cadence`` (of the report scheduler) and
    ``webhook_settings`` are there for tests of expiry, limits, scheduled e-mail and webhooks."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warehouse = Warehouse(settings.data_dir, memory_limit=settings.memory_limit, defer_checkpoints=True)
        app.state.warehouse = warehouse
        app.state.writer = GroupWriter(warehouse, decoding=offload.decoding)
        app.state.retention = RetentionJob(warehouse)
        app.state.purges = PurgeJob(warehouse)
        outgoing = Outgoing.configure(settings.smtp_url, settings.smtp_from)
        app.state.reports = ReportScheduler(
            warehouse, outgoing, clock=clock, cadence=cadence, query_timeout=settings.query_timeout
        )
        app.state.webhooks = Sender(warehouse, secret, app.state.webhook_settings)  # docs/webhooks.md
        try:
            yield
        finally:
            app.state.webhooks.close()
            app.state.reports.close()
            app.state.purges.close()
            app.state.retention.close()
            app.state.writer.close()
            warehouse.close()

    # NOTE: no /docs or /redoc: Swagger UI needs inline scripts and a CDN, which the CSP forbids.
    # /openapi.json stays, for any OpenAPI viewer.
    app = FastAPI(title="credlens", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    secret = settings.server_secret()
    app.state.settings = settings
    app.state.secret = secret
    app.state.clock = clock
    app.state.webhook_settings = webhook_settings or WebhookSettings.from_env()
    app.state.limiter = SignInLimiter(limits or Limits())
    app.state.share_limiter = SignInLimiter(limits or Limits())  # shared links' passwords, per link
    tracking.install(app)
    errors.install(app)
    openapi.install(app)
    app.add_middleware(FormGuard, secret=secret)
    app.add_middleware(SecurityHeaders, hsts=settings.environment == "production")
    deadlines.install(app, settings.query_timeout)  # every read of a request has its deadline
    app.add_middleware(ReaderScope)  # outermost: a request's cursors end with it, error or not
    logs.install()
    for router in (
        health.router,
        events.router,
        sources.router,
        stats.router,
        insights.router,
        benchmark_routes.router,
        links.router,
        privacy.router,
        tracking.api,
    ):
        app.include_router(router)
    for router in (
        home.router,
        signin.router,
        invitations.router,
        recipient.router,
        shares.router,
        dashboards.router,
        timeline.router,
        admin_pages.router,
        tracking.router,
    ):
        app.include_router(router)
    app.mount("/static", ASSETS, name="static")
    return app
