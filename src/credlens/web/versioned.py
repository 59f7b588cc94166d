"""What Executive and Programs compute that changes only with the store's data: kept per data version.

Their top findings cost the insights' metrics beside the page's own, and the tests of every
candidate; Executive's fixed windows (30 days, last quarter, all time) cost three more runs, the
same whatever window the page shows. Both change only when what the metrics read does
(``Warehouse.data_version``: folds, erasures, retention runs, a new k; not an append alone, which
the next fold brings in) or the day does (presets end today). So a page computes them once per
state and data version, through the same runs and privacy layer as ever, and later renders reuse
them (docs/performance.md, Dashboards): an erasure or a fold changes the version, and the next
render computes them again.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from credlens.domain.periods import today_in

T = TypeVar("T")
SIZE = 256  # states kept (each a few KiB); the least recently used goes first


class Versioned(Generic[T]):
    """Each state's value under one data version; a newer version drops the older entries at once.
    Values are copied in and out: a page may not change what another render reads."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._version: int | None = None
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: int, key: Hashable) -> T | None:
        with self._lock:
            if version != self._version or key not in self._entries:
                return None
            self._entries.move_to_end(key)
            found = self._entries[key]
        return copy.deepcopy(found)

    def clear(self) -> None:
        """Forget every entry (bench/dashboards.py times renders with nothing kept)."""
        with self._lock:
            self._entries.clear()

    def put(self, version: int, key: Hashable, value: T) -> None:
        """Keep ``value``, read at ``version`` (before its runs); one read at an older version than
        the newest seen is not kept."""
        value = copy.deepcopy(value)
        with self._lock:
            if self._version is None or version > self._version:
                self._version = version
                self._entries.clear()
            if version != self._version:
                return
            self._entries[key] = value
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)


FINDINGS: Versioned[list[dict[str, Any]]] = Versioned()  # Executive's and Programs' top findings
FIXED_WINDOWS: Versioned[dict[str, dict[str, Any]]] = Versioned()  # Executive's fixed windows' results


def state_key(issuer_id: int, k: int, timezone: str, programs: list[str] | None, params: dict[str, Any]) -> Hashable:
    """What a kept value depends on besides the data: the issuer and its suppression k, the programs
    in scope, the runs' parameters and the issuer's day (presets end today)."""
    return (issuer_id, k, tuple(programs or ()), tuple(sorted(params.items())), today_in(timezone))
