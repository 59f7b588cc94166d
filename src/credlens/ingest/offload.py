"""Decoding and flattening request bodies in a helper process, so the server's one GIL is left to
HTTP and the writer: on two cores, one runs this process, the other the server and DuckDB.

The helper runs exactly the in-process steps (decode.decode_body, steps.to_table) and sends back
either the rejections or the storable rows as an Arrow IPC stream; the answer to the client is
unchanged. A helper that dies is replaced once per request before the error is raised.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import msgspec
import pyarrow as pa

from credlens.domain.rejections import Rejection
from credlens.ingest.decode import decode_body
from credlens.ingest.steps import to_table
from credlens.store.appends import WriteRequest
from credlens.store.keyindex import event_hashes

WORKERS = 1  # NOTE: measured here on 2 cores, a second helper competes with the writer's DuckDB work

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_decoding = 0  # bodies sent to the helper and not yet answered (changed on the event loop only)


class Flattened(msgspec.Struct, frozen=True):
    """What the helper sends back: every rejection, or the rows of the events table and their key
    hashes (Arrow IPC)."""

    rejections: list[Rejection]
    rows: bytes = b""
    positions: list[int] = []

    def request(self, issuer_id: int) -> WriteRequest:
        """The writer's all-or-nothing request for these rows."""
        table = pa.ipc.open_stream(self.rows).read_all()
        hashes = (table.column("id_hash").combine_chunks(), table.column("cred_hash").combine_chunks())
        events = table.drop_columns(["id_hash", "cred_hash"])
        return WriteRequest(issuer_id, events, self.positions, all_or_nothing=True, hashes=hashes)


def flatten_body(body: bytes, content_type: str, secret: str, received_at: dt.datetime) -> bytes:
    """In the helper: decode, validate, pseudonymize and flatten one body (msgspec-encoded answer)."""
    decoded = decode_body(body, content_type)
    if decoded.rejections:
        return msgspec.msgpack.encode(Flattened(decoded.rejections))
    table = to_table(secret, decoded.events, received_at)
    id_hash, cred_hash = event_hashes(table)
    table = table.append_column("id_hash", id_hash).append_column("cred_hash", cred_hash)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return msgspec.msgpack.encode(Flattened([], sink.getvalue().to_pybytes(), decoded.positions))


def _warm() -> None:
    """Imports done at start rather than in the first request."""


def _start_helper() -> None:
    """In the helper: leave Ctrl-C to the server, and exit when the server does, however it ends.

    # TRICKY: a spawned worker holds both ends of its task queue's pipe, so a closed pipe does not
    # tell it the server is gone, and a server ended by a signal runs no atexit hooks. Stopped
    # servers did leave helpers behind during development (not reproduced since; see the test).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = multiprocessing.parent_process()
    if server is not None:
        threading.Thread(target=_exit_with, args=(server.sentinel,), name="credlens-server-watch", daemon=True).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def start() -> None:
    """Start the helper now (at server start-up) rather than in the first request."""
    _executor()


def _executor(broken: ProcessPoolExecutor | None = None) -> ProcessPoolExecutor:
    """The helper pool; a new one in place of ``broken`` if that is still the current one (two
    requests that both found it broken must not replace each other's replacement)."""
    global _pool  # noqa: PLW0603 - one helper pool per server process
    with _lock:
        if _pool is None or (broken is not None and _pool is broken):
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            # NOTE: spawn, not fork: the server holds DuckDB's and the writer's threads.
            _pool = ProcessPoolExecutor(
                WORKERS, mp_context=multiprocessing.get_context("spawn"), initializer=_start_helper
            )
            _pool.submit(_warm)
        return _pool


async def flatten(body: bytes, content_type: str, secret: str) -> Flattened:
    """Decode and flatten ``body`` in the helper; raises decode.BatchError as decode_body does."""
    global _decoding  # noqa: PLW0603 - one count per server process, as the helper
    received_at = dt.datetime.now(dt.UTC)
    pool = _executor()
    _decoding += 1
    try:
        for attempt in (1, 2):
            try:
                future = pool.submit(flatten_body, body, content_type, secret, received_at)
                answer: bytes = await asyncio.wrap_future(future)
                return msgspec.msgpack.decode(answer, type=Flattened)
            except BrokenProcessPool:
                if attempt == 2:
                    raise
                pool = _executor(broken=pool)
        raise AssertionError("unreachable")
    finally:
        _decoding -= 1


def decoding() -> int:
    """How many request bodies the helper has yet to answer (the writer gathers a group while some
    are: store/writer.py)."""
    return _decoding


def shutdown() -> None:
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)
