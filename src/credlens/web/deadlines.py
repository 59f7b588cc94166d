"""Every request's reads have a deadline (store/deadlines.py): its time limit, or the moment its
client goes away, whichever comes first; the server's shutdown ends them all (cli/serve.py).

A GET or HEAD has no body to read, so its ``receive`` is listened to from the start: the
``http.disconnect`` the server sends when the client leaves cancels the deadline, and the
statements running for the request are interrupted. Other methods keep their ``receive`` as is
(their body is read by the route, at its pace).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credlens.store import deadlines
from credlens.store.deadlines import Cancelled, Deadline, Reason
from credlens.web.errors import problem

log = logging.getLogger("credlens.web")
DISCONNECT: Message = {"type": "http.disconnect"}


class RequestDeadlines:
    """ASGI middleware: one deadline per HTTP request, ``seconds`` long (``Settings.query_timeout``)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with deadlines.bounded(self.seconds) as deadline:
            if scope["method"] not in ("GET", "HEAD"):
                await self.app(scope, receive, send)
                return
            listener = _Listener(receive, deadline)
            listening = asyncio.ensure_future(listener.listen())
            try:
                await self.app(scope, listener.receive, send)
            finally:
                listening.cancel()


class _Listener:
    """Reads the server's messages as they come and hands them to the app in order; after a
    disconnect, every later ``receive`` gets the disconnect too (several parts may ask)."""

    def __init__(self, receive: Receive, deadline: Deadline) -> None:
        self._receive = receive
        self._deadline = deadline
        self._messages: deque[Message] = deque()
        self._arrived = asyncio.Event()
        self._gone = False

    async def listen(self) -> None:
        while not self._gone:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._gone = True
                self._deadline.cancel(Reason.DISCONNECTED)
            else:
                self._messages.append(message)
            self._arrived.set()

    async def receive(self) -> Message:
        while not self._messages:
            if self._gone:
                return DISCONNECT
            self._arrived.clear()
            await self._arrived.wait()
        return self._messages.popleft()


MESSAGES = {
    Reason.TIMEOUT: ("query_timeout", "ask for a shorter window or a coarser interval"),
    Reason.SHUTDOWN: ("shutting_down", "try again in a moment"),
    Reason.DISCONNECTED: ("cancelled", "nobody is waiting for this answer"),
    Reason.FINISHED: ("cancelled", "nobody is waiting for this answer"),
}


def install(app: FastAPI, seconds: float) -> None:
    """Add the middleware and the answer to a request whose reads were stopped: 503, as the same
    request may succeed when the server is less busy (or has restarted)."""
    app.add_middleware(RequestDeadlines, seconds=seconds)

    @app.exception_handler(Cancelled)
    async def cancelled(request: Request, exc: Any) -> Response:
        assert isinstance(exc, Cancelled)
        code, advice = MESSAGES[exc.reason]
        level = logging.WARNING if exc.reason is Reason.TIMEOUT else logging.INFO
        log.log(level, "reads stopped (%s): %s %s", exc.reason.value, request.method, request.url.path)
        response = problem(request, 503, code, f"{exc}; {advice}")
        response.headers["Retry-After"] = "5"
        if exc.reason is Reason.SHUTDOWN:
            response.headers["Connection"] = "close"
        return response
