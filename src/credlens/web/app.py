"""The FastAPI application: one process owning the warehouse and its writer thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from credlens import __version__
from credlens.config import Settings
from credlens.store.maintenance import RetentionJob
from credlens.store.warehouse import Warehouse
from credlens.store.writer import GroupWriter
from credlens.web import errors
from credlens.web.routes import events, health, stats


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warehouse = Warehouse(settings.data_dir)
        app.state.warehouse = warehouse
        app.state.writer = GroupWriter(warehouse)
        app.state.retention = RetentionJob(warehouse)
        try:
            yield
        finally:
            app.state.retention.close()
            app.state.writer.close()
            warehouse.close()

    app = FastAPI(title="credlens", version=__version__, lifespan=lifespan)
    errors.install(app)
    app.include_router(health.router)
    app.include_router(events.router)
    app.include_router(stats.router)
    return app
