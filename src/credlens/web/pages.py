"""Server-rendered pages: one Jinja2 environment, and ``render`` which gives every form its CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from credlens.access import csrf
from credlens.access.tokens import new_token

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """A page; sets the browser's CSRF cookie when it has none, and passes ``csrf_token`` and ``viewer``."""
    secret: bytes = request.app.state.secret
    cookie = request.cookies.get(csrf.COOKIE)
    fresh = not cookie or len(cookie) > 100
    if fresh:
        cookie = new_token()
    assert cookie is not None
    values = {
        "csrf_field": csrf.FIELD,
        "csrf_token": csrf.form_token(secret, cookie),
        "viewer": getattr(request.state, "viewer", None),
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, name, values, status_code=status)
    if fresh:
        response.set_cookie(csrf.COOKIE, cookie, secure=True, httponly=True, samesite="strict", path="/")
    return response
