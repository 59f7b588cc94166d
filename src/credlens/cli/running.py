"""The running server of a data directory: `credlens serve` announces its URL in a file beside the
database while it runs, so that commands which cannot open the database (DuckDB lets one process
write it) can ask the server instead of failing."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SERVER_FILE = "server.json"
READ_KEY_ENV = "CREDLENS_READ_KEY"


class ServerError(Exception):
    """The running server refused or could not answer; the message is for the user."""


def announce(data_dir: Path, host: str, port: int) -> Path:
    """Write the server's URL and process id; returns the file, for ``withdraw``."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - reading, not binding
    shown = f"[{shown}]" if ":" in shown else shown
    path = data_dir / SERVER_FILE
    path.write_text(json.dumps({"url": f"http://{shown}:{port}", "pid": os.getpid()}), encoding="utf-8")
    return path


def withdraw(path: Path) -> None:
    """Remove the file if it is still this process's (a second server may have replaced it)."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def server_url(data_dir: Path) -> str | None:
    """The URL of the server that holds ``data_dir``, or None when none announced itself or its
    process is gone (a killed server leaves its file behind)."""
    try:
        found = json.loads((data_dir / SERVER_FILE).read_text(encoding="utf-8"))
        url, pid = str(found["url"]), int(found["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return url


def stats_url(url: str, params: Sequence[tuple[str, str]]) -> str:
    return f"{url}/api/v1/stats" + (f"?{urllib.parse.urlencode(params)}" if params else "")


def fetch_stats(url: str, read_key: str, params: Sequence[tuple[str, str]], timeout: float) -> dict[str, Any]:
    """GET /api/v1/stats of the running server with a read key: the same JSON `credlens query` prints."""
    request = urllib.request.Request(stats_url(url, params), headers={"Authorization": f"Bearer {read_key}"})  # noqa: S310 - our own server's http URL
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read())["error"]
            message = f"{error['code']}: {error['message']}"
        except (ValueError, KeyError, TypeError):
            message = str(exc)
        raise ServerError(f"the server at {url} answered {exc.code} ({message})") from None
    except (OSError, ValueError) as exc:
        raise ServerError(f"the server at {url} did not answer: {exc}") from None
