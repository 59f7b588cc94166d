"""The static files, served by content hash: compressed once at start, cached by browsers for a year.

A page names each file as ``/static/<hash>/<name>`` (``asset_url``): the hash is the first 16 hex
digits of the file's SHA-256, so a changed file gets a new URL and the old one can be cached
``immutable``. A URL with any other hash answers 404 (``no-store``): it was written by another
version of the files, whose content this process no longer has, and serving today's file under it
would let a browser keep the wrong file for a year. ``/static/<name>`` without a hash still answers,
revalidated on each use (``no-cache`` with an ETag), for whatever links to it by name.

Files are gzip-compressed in memory at start (the Vega bundle, ~900 kB, becomes ~250 kB); only
static files are, never pages or API answers, which carry secrets next to reflected input (BREACH).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette._utils import get_route_path
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml", "application/json")


@dataclass(frozen=True)
class Asset:
    name: str
    digest: str
    media_type: str
    body: bytes
    gzipped: bytes | None  # None when compressing does not pay

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


def _load(path: Path) -> Asset:
    body = path.read_bytes()
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type == "application/javascript":
        media_type += "; charset=utf-8"
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if media_type.startswith(_COMPRESSIBLE) else None
    if gzipped is not None and len(gzipped) >= len(body):
        gzipped = None
    return Asset(path.name, hashlib.sha256(body).hexdigest()[:16], media_type, body, gzipped)


class Assets:
    """An ASGI app for ``/static``: every file of one directory, read once."""

    def __init__(self, directory: Path) -> None:
        self.files = {p.name: _load(p) for p in sorted(directory.iterdir()) if p.is_file()}

    def url(self, name: str) -> str:
        """The hashed URL of a static file, for templates; a missing file is a bug, so it raises."""
        return f"/static/{self.files[name].digest}/{name}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.response(scope)
        await response(scope, receive, send)

    def response(self, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        parts = get_route_path(scope).strip("/").split("/")  # below the mount point
        if len(parts) == 2:  # /static/<hash>/<name>
            asset = self.files.get(parts[1])
            if asset is None or parts[0] != asset.digest:
                return _not_found()
            return _serve(asset, Headers(scope=scope), IMMUTABLE)
        asset = self.files.get(parts[0]) if len(parts) == 1 else None
        if asset is None:
            return _not_found()
        return _serve(asset, Headers(scope=scope), REVALIDATE)


def _not_found() -> Response:
    return PlainTextResponse("Not Found", 404, headers={"Cache-Control": "no-store"})


def _serve(asset: Asset, request: Headers, cache: str) -> Response:
    headers = {"Cache-Control": cache, "ETag": asset.etag, "Vary": "Accept-Encoding"}
    if asset.etag in request.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if asset.gzipped is not None and "gzip" in request.get("accept-encoding", ""):
        return Response(asset.gzipped, media_type=asset.media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(asset.body, media_type=asset.media_type, headers=headers)
