"""The HTTP helper process runs exactly the in-process steps: same rows, same key hashes, same rejections."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time

import msgspec
import pytest

from credlens.ingest.decode import BatchError, decode_body
from credlens.ingest.offload import Flattened, flatten_body
from credlens.ingest.steps import to_table
from credlens.privacy.pseudonyms import new_secret
from credlens.store.keyindex import key_hashes
from tests.factories import EVENT_TYPES, make_event, to_body

SECRET = new_secret()
RECEIVED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def answer(body: bytes) -> Flattened:
    return msgspec.msgpack.decode(flatten_body(body, "application/json", SECRET, RECEIVED), type=Flattened)


def test_the_helper_flattens_a_valid_body_as_the_server_would() -> None:
    body = to_body([make_event(t) for t in EVENT_TYPES])
    request = answer(body).request(issuer_id=7)
    decoded = decode_body(body, "application/json")
    assert request.events.to_pylist() == to_table(SECRET, decoded.events, RECEIVED).to_pylist()
    assert request.positions == list(range(len(EVENT_TYPES)))
    assert request.hashes is not None
    assert request.hashes[0].to_pylist() == key_hashes([e.id for e in decoded.events]).to_pylist()
    assert request.hashes[1].to_pylist() == key_hashes([e.credential_id for e in decoded.events]).to_pylist()
    assert (request.issuer_id, request.all_or_nothing) == (7, True)


def test_the_helper_returns_every_rejection_and_no_rows() -> None:
    body = to_body([make_event("credential.viewed"), make_event("credential.viewed", id="bad", actor="robot")])
    flattened = answer(body)
    assert flattened.rejections == decode_body(body, "application/json").rejections
    assert (flattened.rows, flattened.positions) == (b"", [])


def test_an_unusable_body_raises_as_in_the_server() -> None:
    with pytest.raises(BatchError, match="JSON array"):
        answer(b"{}")


SERVER = """
import sys, time
from credlens.ingest import offload
pool = offload._executor()
pool.submit(offload._warm).result()
print(*pool._processes, flush=True)
time.sleep(120)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_the_helper_exits_with_the_server_however_it_ends(how: signal.Signals) -> None:
    with subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True) as server:
        assert server.stdout is not None
        helpers = [int(pid) for pid in server.stdout.readline().split()]
        assert helpers
        server.send_signal(how)
        server.wait(timeout=30)
    deadline = time.monotonic() + 30  # NOTE: a bound on waiting, not a performance figure
    while any(_running(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in helpers)
