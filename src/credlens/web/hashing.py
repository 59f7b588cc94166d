"""Password hashing and checking off the event loop, a few at a time.

Each Argon2id call holds 64 MiB for ~0.2 s of CPU (access/passwords.py). Run straight in the thread
pool (40 threads), a burst of sign-ins grew the server by 40 × 64 MiB and took every pool thread
that pages also need. Here at most ``SLOTS`` run at once (about one per core: as many as can run
anyway); the rest wait as coroutines, holding neither memory nor a thread.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

P = ParamSpec("P")
T = TypeVar("T")

SLOTS = max(1, min(4, os.cpu_count() or 1))
# NOTE: one semaphore per event loop, made inside it: an asyncio primitive must not cross loops
# (tests run one loop per client).
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


async def in_slot(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work`` in the thread pool once one of the ``SLOTS`` is free."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(SLOTS)
    async with slots:
        return await run_in_threadpool(work, *args, **kwargs)
