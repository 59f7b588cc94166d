"""Route probing for tenant isolation: every route of the app, sent by every principal of another issuer.

The routes come from the app's own route table (``fastapi.routing.iter_route_contexts``), so a
route added later is probed without anyone listing it here. What this module cannot fill fails
loudly with ``Uncovered`` naming the route and what to add: an unknown path parameter, a required
query parameter without a filler, a mount that is not static files, a route type it does not know.

Reusable by any suite: give it principals (clients holding one identity each), fillers (the values
to put in path and query parameters, forms and JSON bodies: the victim's ids, the attacker's own
tokens), and read the ``Probe`` list it returns.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from credlens.web.assets import Assets

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class Uncovered(AssertionError):
    """A route the probes cannot reach as it deserves; the message says what to add."""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the template, e.g. /admin/users/{user_id}/disable
    path_params: tuple[str, ...] = ()
    query_params: tuple[tuple[str, bool], ...] = ()  # (name, required)
    files: tuple[str, ...] = ()  # a static mount: the files it serves

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Fillers:
    """Values for everything a request can carry. Path values are tried one by one; query values are
    sent together (repeated); form fields and JSON bodies are sent on every unsafe request."""

    path: Mapping[str, Sequence[str]]
    query: Mapping[str, Sequence[str]] = field(default_factory=dict)
    plain_query: Mapping[str, Sequence[str]] = field(default_factory=dict)  # also probed alone, e.g. a period
    form: Mapping[str, Sequence[str]] = field(default_factory=dict)
    json_bodies: Sequence[Any] = ()


@dataclass
class Principal:
    """One identity, in its own client (its own cookie jar, its own headers)."""

    name: str
    client: TestClient
    ensure: Callable[[Principal], None] | None = None  # called before each probe: re-open an ended session
    csrf: str | None = None  # the CSRF token of its pages, for forms it sends


@dataclass(frozen=True)
class Probe:
    principal: str
    endpoint: str
    url: str
    status: int
    text: str
    headers: Mapping[str, str]
    sent: tuple[str, ...]  # every value the request carried: an echo of these is not a leak


def _flat(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _flat(sub)


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (method, route) of the app, as served."""
    found: list[Endpoint] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            if isinstance(route.app, Assets):  # each file by name and by its hashed URL
                named = route.app.files
                files = tuple(sorted([*named, *(route.app.url(n).removeprefix(route.path + "/") for n in named)]))
                found.append(Endpoint("GET", route.path, files=files))
                continue
            if not isinstance(route.app, StaticFiles) or route.app.directory is None:
                raise Uncovered(f"mount {route.path}: only static-file mounts are known to the probes")
            directory = Path(route.app.directory)
            files = tuple(sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()))
            found.append(Endpoint("GET", route.path, files=files))
            continue
        methods, path = context.methods, context.path
        if not methods or not path:
            raise Uncovered(f"route {route!r} has no path or methods the probes understand")
        params = tuple(getattr(context, "param_convertors", {}))
        dependant = getattr(context, "dependant", None)
        queries: tuple[tuple[str, bool], ...] = ()
        if dependant is not None:
            queries = tuple((q.alias, q.field_info.is_required()) for d in _flat(dependant) for q in d.query_params)
        found.extend(Endpoint(m, path, params, queries) for m in sorted(methods))
    return found


def _urls(endpoint: Endpoint, fillers: Fillers) -> Iterator[tuple[str, tuple[str, ...]]]:
    if endpoint.files:
        for name in endpoint.files:
            yield f"{endpoint.path}/{name}", ()
        return
    missing = [p for p in endpoint.path_params if not fillers.path.get(p)]
    if missing:
        raise Uncovered(f"{endpoint}: no filler for path parameter(s) {missing}; add them to the suite's Fillers")
    choices = [fillers.path[p] for p in endpoint.path_params]
    for values in itertools.product(*choices):
        url = endpoint.path
        for name, value in zip(endpoint.path_params, values, strict=True):
            url = url.replace("{" + name + "}", value)
        yield url, tuple(values)


def _queries(endpoint: Endpoint, fillers: Fillers) -> list[list[tuple[str, str]]]:
    """The plain query (neutral values only) and the full one (the victim's ids too), when they differ."""
    plain: list[tuple[str, str]] = []
    full: list[tuple[str, str]] = []
    for name, required in endpoint.query_params:
        if name in fillers.plain_query:
            plain += [(name, v) for v in fillers.plain_query[name]]
        if name in fillers.query:
            full += [(name, v) for v in fillers.query[name]]
        elif name in fillers.plain_query:
            full += [(name, v) for v in fillers.plain_query[name]]
        elif required:
            raise Uncovered(f"{endpoint}: no filler for required query parameter {name!r}")
    return [plain, full] if plain != full else [full]


def _bodies(
    endpoint: Endpoint, principal: Principal, fillers: Fillers
) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    if endpoint.method in SAFE:
        yield {}, ()
        return
    if not endpoint.api:
        form: dict[str, Any] = {k: list(v) for k, v in fillers.form.items()}
        yield {"data": form}, tuple(v for values in fillers.form.values() for v in values)
        return
    for body in fillers.json_bodies or [{}]:
        yield {"json": body}, tuple(_strings(body))


def _signed(kwargs: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """The request with the principal's CSRF token, read after ``ensure`` (a new session, a new token)."""
    if principal.csrf is None:
        return kwargs
    if "data" in kwargs:
        return {**kwargs, "data": {**kwargs["data"], "csrf_token": principal.csrf}}
    if "json" in kwargs:
        return {**kwargs, "headers": {"X-CSRF-Token": principal.csrf}}
    return kwargs


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def run_probes(app: FastAPI, principals: Sequence[Principal], fillers: Fillers) -> list[Probe]:
    """Send every request every endpoint can take, as every principal; nothing is followed."""
    probes: list[Probe] = []
    for endpoint in endpoints(app):
        requests = [
            (url, path_sent, query)
            for url, path_sent in _urls(endpoint, fillers)
            for query in _queries(endpoint, fillers)
        ]
        for url, path_sent, query in requests:
            query_sent = tuple(v for _, v in query)
            for principal in principals:
                for kwargs, body_sent in _bodies(endpoint, principal, fillers):
                    if principal.ensure is not None:
                        principal.ensure(principal)
                    response = principal.client.request(
                        endpoint.method, url, params=query, follow_redirects=False, **_signed(kwargs, principal)
                    )
                    probes.append(
                        Probe(
                            principal.name,
                            str(endpoint),
                            url,
                            response.status_code,
                            readable(response),
                            dict(response.headers),
                            (*path_sent, *query_sent, *body_sent),
                        )
                    )
    return probes


def readable(response: Any) -> str:
    """An answer's text; a PDF's or XLSX's as its text and cells (compressed, a leak would go unseen)."""
    kind = response.headers.get("content-type", "")
    if response.status_code == 200 and kind == "application/pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    if response.status_code == 200 and kind.startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(json.dumps(row, default=str) for sheet in book for row in sheet.iter_rows(values_only=True))
    return str(response.text)


def leaks(probe: Probe, markers: Sequence[str], numbers: Sequence[int] = ()) -> list[str]:
    """The victim's markers (case-insensitive) and numbers (as JSON numbers) found in an answer,
    once the values the request itself carried are taken out (an echo is not a leak)."""
    text = probe.text + "\n" + json.dumps(probe.headers)
    for sent in sorted(probe.sent, key=len, reverse=True):
        if len(sent) >= 3:
            text = text.replace(sent, "").replace(json.dumps(sent)[1:-1], "")
    lowered = text.lower()
    found = [m for m in markers if m.lower() in lowered]
    found += [str(n) for n in numbers if re.search(rf"(?<![\w.\-:]){n}(?![\w.\-:])", text)]
    return found


def summary(probes: Sequence[Probe], app: FastAPI) -> dict[str, Any]:
    """How many routes and probes ran, per endpoint and per principal (printed and written by the suite)."""
    per_endpoint = Counter(p.endpoint for p in probes)
    return {
        "routes": len({e.path for e in endpoints(app)}),
        "endpoints": len(endpoints(app)),
        "probes": len(probes),
        "per_principal": dict(Counter(p.principal for p in probes)),
        "statuses": dict(sorted(Counter(str(p.status) for p in probes).items())),
        "per_endpoint": dict(sorted(per_endpoint.items())),
    }
