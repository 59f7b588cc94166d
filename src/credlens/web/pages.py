"""Server-rendered pages: one Jinja2 environment, and ``render`` which gives every form its CSRF token
(bound to the browser's session, or to its CSRF cookie before sign-in: access/csrf.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from credlens.access import csrf
from credlens.access.tokens import new_token
from credlens.web import sessions
from credlens.web.assets import Assets

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"
ASSETS = Assets(STATIC_DIR)
TEMPLATES.env.globals["asset"] = ASSETS.url  # templates name static files by their hashed URL


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """A page; sets the browser's CSRF cookie when it has none, and passes ``csrf_token`` and ``viewer``."""
    secret: bytes = request.app.state.secret
    sent = request.cookies.get(csrf.COOKIE)
    fresh = not sent or len(sent) > sessions.MAX_TOKEN
    cookie = new_token() if fresh or sent is None else sent
    values = {
        "csrf_field": csrf.FIELD,
        "csrf_token": csrf.form_token(secret, sessions.token_of(request.cookies), cookie),
        "viewer": getattr(request.state, "viewer", None),
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, name, values, status_code=status)
    if fresh:
        response.set_cookie(csrf.COOKIE, cookie, secure=True, httponly=True, samesite="strict", path="/")
    return response
