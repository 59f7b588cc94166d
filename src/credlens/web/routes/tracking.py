"""The tracking script and links for credential pages an issuer hosts itself (docs/tracking.md).

- ``GET /t/credlens.js``: the script; ``GET /t/p/{token}``: the view it reports.
- ``GET /t/s/{token}/{channel}``, ``GET /t/d/{token}/{format}``: a share or download click, recorded,
  then sent on to the network's share URL or the issuer's file.
- ``GET /t/v/{token}``: a verification page; its form (a GET, so no CSRF cookie is needed) goes to
  ``GET /t/v/{token}/continue``, which records ``credential.verified`` and sends the verifier on to
  the issuer's own verification URL.
- ``POST /api/v1/tracking-links`` (ingest key): every link of one credential, as JSON.

No route here sets a cookie or keeps the client's address or user agent: they only feed the in-memory
visitor window (access/visits.py). Events go through the ingestion path of ``POST /api/v1/events``
(decoding, validation and pseudonymization in the helper process, then the group writer), so they are
validated, deduplicated and durable the same way; a redirect or a 204 is sent once the event is durable.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

import pycountry
from fastapi import APIRouter, Body, Depends, FastAPI, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from credlens.access.tracking import (
    DOWNLOAD_FORMATS,
    SHARE_CHANNELS,
    TrackedCredential,
    TrackingError,
    links,
    read_token,
)
from credlens.access.visits import TokenLimiter, Visits, is_bot
from credlens.demo.vocab import VERIFIER_INDUSTRIES
from credlens.domain.issuers import Issuer
from credlens.ingest import offload
from credlens.store.targets import credential_title, load_targets
from credlens.store.warehouse import Warehouse
from credlens.store.writer import GroupWriter
from credlens.web.deps import IngestIssuer, WarehouseDep, public_base
from credlens.web.errors import ApiError
from credlens.web.openapi import refusals
from credlens.web.pages import TEMPLATES
from credlens.web.security.headers import CSP

router = APIRouter(include_in_schema=False)
api = APIRouter()

SCRIPT = (Path(__file__).resolve().parents[1] / "tracker" / "credlens.js").read_bytes()
SCRIPT_CACHE = "public, max-age=604800"  # a week: the page's one request is the view, not the script
SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000", "5001+")
INDUSTRIES = (*VERIFIER_INDUSTRIES, "other")
COUNTRIES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])
_COUNTRY_CODES = frozenset(code for code, _ in COUNTRIES)
_HOST = re.compile(r"^(?=.*[a-z])[a-z0-9.\-]{1,253}\Z")  # a host name; an IP address has no letter


def install(app: FastAPI) -> None:
    """The in-memory visitor windows and token buckets of one server (never written anywhere)."""
    app.state.visits, app.state.tracking_limits = Visits(), TokenLimiter()


async def _now(request: Request) -> dt.datetime:
    # NOTE: a coroutine, unlike auth.Now: a plain dependency costs a worker-thread hop per hit.
    clock: Any = request.app.state.clock
    at: dt.datetime = clock()
    return at


Clock = Annotated[dt.datetime, Depends(_now)]


def _claim(request: Request, token: str, warehouse: WarehouseDep) -> tuple[TrackedCredential, Issuer]:
    """The credential a genuine token names; a forged or altered token is a 404 and records nothing."""
    try:
        claim = read_token(request.app.state.secret, token)
    except TrackingError as exc:
        raise ApiError(404, "invalid_token", str(exc)) from exc
    issuer = warehouse.issuer_by_id(claim.issuer_id)
    if issuer is None:
        raise ApiError(404, "invalid_token", "this tracking link is not valid")
    return claim, issuer


def _counts(request: Request, token: str, at: dt.datetime) -> bool:
    """Whether a hit may become an event: not a known bot; over the token's rate limit it is a 429."""
    limiter: TokenLimiter = request.app.state.tracking_limits
    if not limiter.allow(token, at):
        raise ApiError(429, "rate_limited", "too many hits for this credential; try again in a minute")
    return not is_bot(request.headers.get("user-agent", ""))


def _actor(claim: TrackedCredential) -> str:
    return "owner" if claim.owner else "public"


async def _record(request: Request, issuer: Issuer, event: dict[str, Any], at: dt.datetime) -> None:
    """Store one event through the ingestion path of POST /api/v1/events; returns once it is durable."""
    warehouse: Warehouse = request.app.state.warehouse
    writer: GroupWriter = request.app.state.writer
    event["occurred_at"] = at.replace(tzinfo=dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    secret = warehouse.remembered_secret(issuer.issuer_id)
    if secret is None:
        secret = await run_in_threadpool(warehouse.pseudonym_secret, issuer.issuer_id)
    flattened = await offload.flatten(json.dumps([event]).encode(), "application/json", secret)
    rejections = flattened.rejections
    if not rejections:
        result = await asyncio.wrap_future(writer.submit(flattened.request(issuer.issuer_id)))
        rejections = result.rejections
    if rejections:
        details = [{"field": r.field, "reason": r.reason} for r in rejections]
        raise ApiError(422, "invalid_event", "the event was refused; nothing was stored", details)


def _click_id(kind: str) -> str:
    """One event per click: a random id (a retried click is another click)."""
    return f"t{kind}-{secrets.token_hex(12)}"


@router.get("/t/credlens.js")
def script() -> Response:
    return Response(SCRIPT, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": SCRIPT_CACHE})


@router.get("/t/p/{token}", status_code=204)
async def view(
    request: Request,
    token: str,
    warehouse: WarehouseDep,
    at: Clock,
    ref: Annotated[str | None, Query(max_length=253)] = None,
) -> Response:
    """A view of the credential page: counted once per visitor and 30 minutes; 204 either way."""
    claim, issuer = await run_in_threadpool(_claim, request, token, warehouse)
    if _counts(request, token, at):
        client = request.client.host if request.client else ""
        name = "\x1f".join((str(claim.issuer_id), claim.credential_id, _actor(claim)))
        visits: Visits = request.app.state.visits
        window = visits.count(client, request.headers.get("user-agent", ""), name, at)
        if window is not None:
            # NOTE: the id is derived from the visitor's window, so the window decides what counts.
            event: dict[str, Any] = {
                "id": f"tv-{window.hex()}",
                "type": "credential.viewed",
                "credential_id": claim.credential_id,
                "actor": _actor(claim),
            }
            host = (ref or "").strip().lower().rstrip(".")
            if _HOST.match(host):
                event["referrer_domain"] = host
            await _record(request, issuer, event, at)
    return Response(status_code=204)


def _share_url(channel: str, page: str, issuer: Issuer, title: str | None, issued: dt.datetime | None) -> str:
    text = f"{title or 'My credential'} from {issuer.name}"
    if channel == "linkedin":
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": page})
    if channel == "x":
        return "https://x.com/intent/post?" + urlencode({"url": page, "text": text})
    if channel == "facebook":
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": page})
    if channel == "whatsapp":
        return "https://wa.me/?" + urlencode({"text": f"{text} {page}"})
    if channel == "email":
        return f"mailto:?subject={quote(text)}&body={quote(page)}"
    if channel == "profile_added":
        fields = {"startTask": "CERTIFICATION_NAME", "name": title or "", "organizationName": issuer.name}
        if issued is not None:
            fields |= {"issueYear": str(issued.year), "issueMonth": str(issued.month)}
        return "https://www.linkedin.com/profile/add?" + urlencode(fields | {"certUrl": page})
    return page  # `link`: the page itself, whose address the visitor copies or follows


@router.get("/t/s/{token}/{channel}")
async def share(request: Request, token: str, channel: str, warehouse: WarehouseDep, at: Clock) -> Response:
    """A share (or add-to-profile) click: recorded, then sent on to the network."""
    claim, issuer = await run_in_threadpool(_claim, request, token, warehouse)
    if channel not in SHARE_CHANNELS:
        raise ApiError(404, "unknown_channel", f"channel must be one of {', '.join(SHARE_CHANNELS)}")
    targets = await run_in_threadpool(load_targets, warehouse, issuer.issuer_id)
    page = targets.render("page_url", claim.credential_id)
    if page is None:
        raise ApiError(409, "not_configured", f"{issuer.name} has not set its credential page URL")
    title, issued = None, None
    if channel == "profile_added":
        title, issued = await run_in_threadpool(credential_title, warehouse, issuer.issuer_id, claim.credential_id)
    if _counts(request, token, at):
        event: dict[str, Any] = {"id": _click_id("s"), "credential_id": claim.credential_id}
        if channel == "profile_added":
            event |= {"type": "credential.profile_added", "platform": "linkedin"}
        else:
            event |= {"type": "credential.shared", "channel": channel, "actor": _actor(claim)}
        await _record(request, issuer, event, at)
    return RedirectResponse(_share_url(channel, page, issuer, title, issued), status_code=303)


@router.get("/t/d/{token}/{file_format}")
async def download(request: Request, token: str, file_format: str, warehouse: WarehouseDep, at: Clock) -> Response:
    """A download click: recorded, then sent on to the issuer's file."""
    claim, issuer = await run_in_threadpool(_claim, request, token, warehouse)
    if file_format not in DOWNLOAD_FORMATS:
        raise ApiError(404, "unknown_format", f"format must be one of {', '.join(DOWNLOAD_FORMATS)}")
    targets = await run_in_threadpool(load_targets, warehouse, issuer.issuer_id)
    target = targets.render("download_url", claim.credential_id, file_format)
    if target is None:
        raise ApiError(409, "not_configured", f"{issuer.name} has not set its download URL")
    if _counts(request, token, at):
        event = {
            "id": _click_id("d"),
            "type": "credential.downloaded",
            "credential_id": claim.credential_id,
            "format": file_format,
            "actor": _actor(claim),
        }
        await _record(request, issuer, event, at)
    return RedirectResponse(target, status_code=303)


def _verify_target(request: Request, token: str, warehouse: WarehouseDep) -> tuple[TrackedCredential, Issuer, str]:
    claim, issuer = _claim(request, token, warehouse)
    target = load_targets(warehouse, issuer.issuer_id).render("verify_url", claim.credential_id)
    if target is None:
        raise ApiError(409, "not_configured", f"{issuer.name} has not set its verification URL")
    return claim, issuer, target


def _page_csp(target: str) -> str:
    """The strict CSP, with the form allowed to lead to the issuer's verification site (Chromium checks
    form-action on the redirect that follows the form)."""
    parts = urlsplit(target)
    return CSP.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")


@router.get("/t/v/{token}")
def verify_page(request: Request, token: str, warehouse: WarehouseDep) -> Response:
    """The verification page: optional questions, then on to the issuer's own verification."""
    claim, issuer, target = _verify_target(request, token, warehouse)
    context = {
        "issuer": issuer,
        "credential_id": claim.credential_id,
        "token": token,
        "industries": INDUSTRIES,
        "sizes": SIZES,
        "countries": COUNTRIES,
        "viewer": None,
    }
    # NOTE: TEMPLATES directly, not pages.render: that one sets a CSRF cookie, and /t/ sets none.
    response = TEMPLATES.TemplateResponse(request, "tracking_verify.html", context)
    response.headers["Content-Security-Policy"] = _page_csp(target)
    return response


@router.get("/t/v/{token}/continue")
async def verify(
    request: Request,
    token: str,
    warehouse: WarehouseDep,
    at: Clock,
    industry: Annotated[str, Query(max_length=100)] = "",
    size: Annotated[str, Query(max_length=20)] = "",
    country: Annotated[str, Query(max_length=2)] = "",
    organization: Annotated[str, Query(max_length=200)] = "",
    consent: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Record the verification (the organization only with consent), then on to the issuer's page."""
    claim, issuer, target = await run_in_threadpool(_verify_target, request, token, warehouse)
    if industry and industry not in INDUSTRIES:
        raise ApiError(422, "invalid_verifier", f"industry must be one of {', '.join(INDUSTRIES)}")
    if size and size not in SIZES:
        raise ApiError(422, "invalid_verifier", f"size must be one of {', '.join(SIZES)}")
    if country and country not in _COUNTRY_CODES:
        raise ApiError(422, "invalid_verifier", "country must be an ISO 3166-1 alpha-2 code")
    if _counts(request, token, at):
        consented = consent in ("1", "on", "true")
        given = {"industry": industry, "size": size, "country": country}
        verifier: dict[str, Any] = {"consent": consented} | {k: v for k, v in given.items() if v}
        if consented and organization.strip():
            verifier["organization"] = organization.strip()
        event = {
            "id": _click_id("vf"),
            "type": "credential.verified",
            "credential_id": claim.credential_id,
            "verifier": verifier,
        }
        await _record(request, issuer, event, at)
    return RedirectResponse(target, status_code=303)


class LinksRequest(BaseModel):
    credential_id: str | None = Field(default=None, max_length=128, description="The credential's id, as in its events")
    credential: str | None = Field(default=None, max_length=128, description="The same, named as the CLI's option")


@api.post(
    "/api/v1/tracking-links",
    responses=refusals(
        {
            400: "`invalid_request`: a body that cannot be parsed (not UTF-8 JSON)",
            401: "missing or bad ingest key",
            403: "`csrf_failed`: a session cookie without a key and without `X-CSRF-Token`",
            422: "`invalid_credential`: a credential id outside the contract's alphabet",
        }
    ),
)
def tracking_links(request: Request, body: Annotated[LinksRequest, Body()], issuer: IngestIssuer) -> dict[str, Any]:
    """The tracking script, view, share, download and verification links of one credential
    (docs/tracking.md); `owner_view` carries the owner's token: put it only on the recipient's own link."""
    if (body.credential_id is None) == (body.credential is None):
        raise ApiError(422, "invalid_credential", "name the credential: `credential_id` (or `credential`), once")
    credential = body.credential_id or body.credential or ""
    try:
        return links(public_base(request), request.app.state.secret, issuer.issuer_id, credential)
    except TrackingError as exc:
        raise ApiError(422, "invalid_credential", str(exc)) from exc
