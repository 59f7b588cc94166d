"""Static files: named by content hash in every page, compressed, cached for a year; stale hashes 404."""

from __future__ import annotations

import gzip
import hashlib
import re

from fastapi.testclient import TestClient

from credlens.web.assets import IMMUTABLE
from credlens.web.pages import STATIC_DIR

_ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _digest(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:16]


def test_pages_name_static_files_by_their_content_hash(client: TestClient) -> None:
    urls = _ASSET.findall(client.get("/signin").text)
    assert urls
    assert f"/static/{_digest('credlens.css')}/credlens.css" in urls
    assert all(re.fullmatch(r"/static/[0-9a-f]{16}/[\w.]+", url) for url in urls), urls


def test_a_hashed_file_is_cached_for_a_year_and_sent_compressed(client: TestClient) -> None:
    url = f"/static/{_digest('vega.js')}/vega.js"
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) < (STATIC_DIR / "vega.js").stat().st_size / 2
    assert response.content == (STATIC_DIR / "vega.js").read_bytes()  # the client undid the gzip
    assert response.headers["Vary"] == "Accept-Encoding"
    assert "javascript" in response.headers["Content-Type"]
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.content == response.content


def test_a_file_under_another_hash_is_a_clean_404(client: TestClient) -> None:
    response = client.get("/static/0123456789abcdef/credlens.css")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/static/{_digest('credlens.css')}/nothing.css").status_code == 404
    assert client.get("/static/a/b/c.css").status_code == 404


def test_a_file_by_its_plain_name_still_answers_revalidated(client: TestClient) -> None:
    response = client.get("/static/credlens.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/credlens.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.post("/static/credlens.css").status_code in (403, 405)


def test_the_gzip_is_the_file(client: TestClient) -> None:
    response = client.get(f"/static/{_digest('credlens.css')}/credlens.css", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(gzip.compress(response.content)) == (STATIC_DIR / "credlens.css").read_bytes()
