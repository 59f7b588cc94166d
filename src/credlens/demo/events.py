"""Event batches of one block of credentials and their rendering into docs/ingestion.md dicts.

Simulation modules emit whole columns per event type; ``Emitter`` drops what happens after the
cutoff and mints deterministic ids (``{issuer}-{kind}-{n}``); ``render`` builds the dicts only at
the end, sorted by time, with free-form ``properties`` on a few of them (never personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from credlens.demo.sampling import BoolArray, IntArray, ObjArray

KINDS = {
    "credential.issued": "iss",
    "program.enrolled": "enr",
    "credential.delivered": "dlv",
    "credential.delivery_failed": "dlf",
    "credential.viewed": "view",
    "credential.downloaded": "dl",
    "credential.shared": "shr",
    "credential.profile_added": "pfa",
    "credential.referral_clicked": "ref",
    "credential.verified": "ver",
    "verification.outcome": "vout",
    "recipient.feedback": "fb",
    "recipient.outcome_reported": "rout",
    "recipient.consent_changed": "cons",
    "credential.renewed": "ren",
    "credential.expired": "exp",
    "credential.revoked": "rev",
}
PROPERTIES_SHARE = 0.02
_SEASONS = (
    "winter",
    "winter",
    "spring",
    "spring",
    "spring",
    "summer",
    "summer",
    "summer",
    "autumn",
    "autumn",
    "autumn",
    "winter",
)
_PROPERTIES: dict[str, tuple[str, str]] = {
    "credential.viewed": ("utm_source", "alumni-newsletter"),
    "credential.shared": ("share_tool", "widget-v2"),
    "credential.downloaded": ("template", "classic-landscape"),
    "credential.verified": ("verification_channel", "api"),
}


@dataclass(frozen=True)
class Batch:
    """Events of one type whose fields are all present: ids, times, credentials, extra columns."""

    type: str
    ids: list[str]
    at: IntArray  # UTC epoch seconds
    cred: IntArray | None  # index into the block's credentials; None for events without one
    fields: dict[str, ObjArray]


@dataclass
class Emitter:
    """Collects the batches of one block; ids continue the issuer's per-kind counters."""

    slug: str
    cutoff: int  # UTC epoch seconds; nothing later is emitted
    counters: dict[str, int]
    batches: list[Batch] = field(default_factory=list)

    def emit(
        self, type_: str, at: IntArray, cred: IntArray | None, fields: Mapping[str, ObjArray] | None = None
    ) -> tuple[BoolArray, list[str]]:
        """Record the events of ``type_`` up to the cutoff; return which were kept and their ids."""
        keep = at <= self.cutoff
        n = int(keep.sum())
        kind = KINDS[type_]
        start = self.counters.get(kind, 0)
        self.counters[kind] = start + n
        prefix = f"{self.slug}-{kind}-"
        ids = [prefix + str(i) for i in range(start, start + n)]
        if n:
            kept_cred = None if cred is None else cred[keep]
            columns = {name: np.asarray(column, dtype=object)[keep] for name, column in (fields or {}).items()}
            self.batches.append(Batch(type_, ids, at[keep], kept_cred, columns))
        return keep, ids

    def count(self) -> int:
        """Events emitted so far."""
        return sum(len(batch.ids) for batch in self.batches)


def timestamps(at: IntArray) -> list[str]:
    """RFC 3339 UTC strings with second precision (``2026-03-01T10:00:00Z``)."""
    return list(np.datetime_as_string(at.astype("datetime64[s]"), timezone="UTC").tolist())


def render(batches: list[Batch], credential_ids: ObjArray, rng: np.random.Generator) -> list[dict[str, object]]:
    """All events of the batches as dicts, in time order."""
    if not batches:
        return []
    rows: list[dict[str, object]] = []
    for batch in batches:
        rows.extend(_rows(batch, credential_ids))
    for index in np.flatnonzero(rng.random(len(rows)) < PROPERTIES_SHARE).tolist():
        rows[index]["properties"] = _properties(rows[index])
    order = np.argsort(np.concatenate([batch.at for batch in batches]), kind="stable")
    return [rows[i] for i in order.tolist()]


def _rows(batch: Batch, credential_ids: ObjArray) -> list[dict[str, object]]:
    type_ = batch.type
    if batch.cred is None:
        rows: list[dict[str, object]] = [
            {"id": i, "type": type_, "occurred_at": t} for i, t in zip(batch.ids, timestamps(batch.at), strict=True)
        ]
    else:
        rows = [
            {"id": i, "type": type_, "occurred_at": t, "credential_id": c}
            for i, t, c in zip(batch.ids, timestamps(batch.at), credential_ids[batch.cred].tolist(), strict=True)
        ]
    for name, column in batch.fields.items():
        for row, value in zip(rows, column.tolist(), strict=True):
            row[name] = value
    return rows


def _properties(row: Mapping[str, object]) -> dict[str, object]:
    """A small, non-personal annotation such as an issuer's systems attach."""
    if row["type"] == "credential.issued":
        stamp = str(row["occurred_at"])
        return {"campaign": f"{_SEASONS[int(stamp[5:7]) - 1]}-{stamp[:4]}"}
    key, value = _PROPERTIES.get(str(row["type"]), ("source", "lms-sync"))
    return {key: value}
