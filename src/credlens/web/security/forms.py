"""Forms: size limit and CSRF check for every state-changing request a browser can send.

Runs as middleware, before routing, so a form route added later is protected without anyone
remembering to. Rules, for every method but GET/HEAD/OPTIONS:

- pages (outside ``/api/``): the body must be ``application/x-www-form-urlencoded`` (415 otherwise),
  at most ``MAX_FORM_BYTES`` (413), and carry a ``csrf_token`` bound to the browser's session, or to
  its CSRF cookie when it has no session (403; access/csrf.py).
  The parsed fields are left in ``scope["credlens.form"]`` for the route (web/forms.py).
- ``/api/``: requests that authenticate with ``Authorization`` pass (a browser on another site cannot
  set that header); a request carrying the session cookie without it must send ``X-CSRF-Token``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credlens.access import csrf
from credlens.web import sessions
from credlens.web.errors import is_page, problem

MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 500
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCOPE_KEY = "credlens.form"


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FormGuard:
    def __init__(self, app: ASGIApp, *, secret: bytes) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            if is_page(scope["path"]):
                body = await self._form(request, receive)
                receive = _replay(body, receive)
            else:
                self._api(request)
        except _Refused as refusal:
            response = problem(request, refusal.status, refusal.code, refusal.message)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _api(self, request: Request) -> None:
        session = sessions.token_of(request.cookies)
        if "authorization" in request.headers or session is None:
            return
        token = request.headers.get(csrf.HEADER)
        if not csrf.token_valid(self.secret, session, request.cookies.get(csrf.COOKIE), token):
            raise _Refused(403, "csrf_failed", "a request signed in by cookie must send the X-CSRF-Token header")

    async def _form(self, request: Request, receive: Receive) -> bytes:
        headers: Headers = request.headers
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("", "application/x-www-form-urlencoded"):  # no type: an empty form
            raise _Refused(415, "unsupported_form", "forms are sent as application/x-www-form-urlencoded")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            raise _Refused(413, "form_too_large", f"a form is at most {MAX_FORM_BYTES} bytes")
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                raise _Refused(413, "form_too_large", f"a form is at most {MAX_FORM_BYTES} bytes")
            chunks.append(chunk)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except (UnicodeDecodeError, ValueError) as exc:
            raise _Refused(400, "bad_form", "the form could not be read") from exc
        fields: dict[str, list[str]] = {}
        for name, value in pairs:
            fields.setdefault(name, []).append(value)
        token = fields.get(csrf.FIELD, [None])[0]
        session = sessions.token_of(request.cookies)
        if not csrf.token_valid(self.secret, session, request.cookies.get(csrf.COOKIE), token):
            raise _Refused(
                403, "csrf_failed", "this form has expired or did not come from this site; reload the page and retry"
            )
        request.scope[SCOPE_KEY] = fields
        return body


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the already-read body to the app once, then defer to the server (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
