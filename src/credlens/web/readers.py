"""Each request is one reading scope of the store: its cursors are closed when it ends, error or not.

A file rewrite (erasure, retention) waits for a moment with no reader; a request that failed kept its
cursor alive in its traceback until the cycle collector ran, and the rewrite gave up meanwhile
(store/connection.py, ``Connection.reading``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from credlens.store.warehouse import Warehouse


class ReaderScope:
    """Pure ASGI middleware: the whole request, streamed body included, runs inside ``Warehouse.reading``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        warehouse: Warehouse | None = getattr(scope["app"].state, "warehouse", None)
        if scope["type"] != "http" or warehouse is None:
            await self.app(scope, receive, send)
            return
        with warehouse.reading():
            await self.app(scope, receive, send)
