"""The top findings Executive and Programs show, kept per store data version.

Finding them costs the insights' metrics beside the page's own and the tests of every candidate,
more than the rest of the page (docs/performance.md, Dashboards); their inputs change only when the
store's data does (``Warehouse.data_version``: appends, folds, erasures, retention runs, a new k)
or the day does. So a page computes them once per state and data version, through the same run
and privacy layer as ever, and later renders reuse that list: an erasure or a fold changes the
version, and the next render finds them again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from credlens.domain.periods import today_in

Json = dict[str, Any]
SIZE = 256  # states kept (each a few KiB); the least recently used goes first


class Findings:
    """Each state's findings under one data version; a newer version drops the older entries at once."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._version: int | None = None
        self._entries: OrderedDict[Hashable, list[Json]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: int, key: Hashable) -> list[Json] | None:
        with self._lock:
            if version != self._version:
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, version: int, key: Hashable, findings: list[Json]) -> None:
        """Keep ``findings``, read at ``version`` (before their run); a list read at an older version
        than the newest seen is not kept."""
        with self._lock:
            if self._version is None or version > self._version:
                self._version = version
                self._entries.clear()
            if version != self._version:
                return
            self._entries[key] = findings
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)


FINDINGS = Findings()


def state_key(issuer_id: int, k: int, timezone: str, programs: list[str] | None, params: Json) -> Hashable:
    """What the findings of one state depend on besides the data: the issuer and its suppression k,
    the programs in scope, the run's parameters and the issuer's day (presets end today)."""
    return (issuer_id, k, tuple(programs or ()), tuple(sorted(params.items())), today_in(timezone))
