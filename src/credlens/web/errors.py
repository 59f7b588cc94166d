"""Every error answer has one JSON shape: {"error": {"code", "message", "details"}} (docs/api.md).

Pages (every path outside ``/api/``) answer the same status with a small HTML page carrying the
same message, and a page that needs a signed-in user sends the browser to the sign-in page.
No answer ever carries a traceback, a query or a file path.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from credlens.web.security.headers import SECURITY_HEADERS

log = logging.getLogger("credlens.web")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


class SignInRequired(ApiError):
    """No live session: pages redirect to the sign-in page, the API answers 401."""

    def __init__(self, message: str = "sign in first") -> None:
        super().__init__(401, "sign_in_required", message)


def error_response(status: int, code: str, message: str, details: list[Any] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details or []}}, status_code=status)


def is_page(path: str) -> bool:
    """Pages are for people; ``/api/``, the OpenAPI document, the dashboards' ``.json``, ``.csv``,
    ``.pdf`` and ``.xlsx`` twins (a file download shows no error page) and the tracking routes ``/t/``
    (answered in JSON: an error page would set a CSRF cookie) are for programs."""
    twin = path.startswith(("/dashboards/", "/recipient.")) and path.endswith((".json", ".csv", ".pdf", ".xlsx"))
    return not path.startswith(("/api/", "/t/")) and path != "/openapi.json" and not twin


def problem(request: Request, status: int, code: str, message: str, details: list[Any] | None = None) -> Response:
    """The error answer the request's surface expects: an HTML page or the JSON shape."""
    if is_page(request.url.path):
        from credlens.web.pages import render  # noqa: PLC0415 - pages import this module

        return render(request, "error.html", {"status": status, "code": code, "message": message}, status=status)
    return error_response(status, code, message, details)


def allowed_methods(app: FastAPI, request: Request) -> str:
    """Every method some route serves at the request's path (RFC 9110 §15.5.6: a 405 carries ``Allow``).

    Starlette names only the first route whose path matched, and ``/signin``'s GET and POST are two routes.
    """
    # NOTE: the scope as the app received it: inside a mount, the request's own names the mount's root
    scope = {"type": "http", "path": request.scope["path"], "method": request.method}
    scope["root_path"] = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    methods: set[str] = set()
    for context in iter_route_contexts(app.routes):
        match, _ = context.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(context.original_route, Mount):  # the static files: GET and HEAD, as StaticFiles says
            methods |= {"GET", "HEAD"}
        else:
            methods |= context.methods or set()
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if is_page(request.url.path):
            return RedirectResponse("/signin", status_code=303)
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return problem(request, exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # NOTE: FastAPI's own 400 is a body it cannot parse (not UTF-8, say), as `invalid_request` elsewhere
        code = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = str(exc.detail)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(app, request)
            message = f"{request.method} is not allowed here; allowed: {headers['Allow']}"
        response = problem(request, exc.status_code, code, message)
        response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()]
        return problem(request, 422, "invalid_request", "the request's parameters are invalid", details)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        response = error_response(500, "internal_error", "an unexpected error occurred; it has been logged")
        # NOTE: this handler runs outside every middleware (Starlette's ServerErrorMiddleware), so
        # the security headers are added here too.
        response.headers.update(SECURITY_HEADERS)
        return response
