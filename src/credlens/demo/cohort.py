"""One block of credentials being simulated, and the issuer tables the simulation reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credlens.demo.model import DemoIssuer, DemoProgram
from credlens.demo.recipients import People, Sequences
from credlens.demo.sampling import BoolArray, FloatArray, IntArray, ObjArray


@dataclass(frozen=True)
class ProgramTable:
    """An issuer's program attributes as arrays indexed by program number."""

    ids: tuple[str, ...]
    weight: FloatArray
    view: FloatArray
    share: FloatArray
    referral: FloatArray
    profile_add: FloatArray
    download: FloatArray
    verification: FloatArray
    validity_days: IntArray  # 0 = never expires
    completion: FloatArray
    rating: FloatArray
    duration_days: FloatArray
    value: FloatArray
    sequences: Sequences
    templates: tuple[dict[str, object], ...]  # the ``program`` object of credential.issued

    @classmethod
    def of(cls, issuer: DemoIssuer) -> ProgramTable:
        """The table of ``issuer``'s programs."""
        programs = issuer.programs
        ids = tuple(p.id for p in programs)

        def column(name: str) -> FloatArray:
            return np.array([float(getattr(p, name) or 0.0) for p in programs])

        prerequisite = np.array([ids.index(p.prerequisite) if p.prerequisite else -1 for p in programs])
        templates = tuple(_template(p) for p in programs)
        return cls(
            ids,
            column("weight"),
            column("view_rate"),
            column("share_rate"),
            column("referral_rate"),
            column("profile_add_rate"),
            column("download_rate"),
            column("verification_rate"),
            column("validity_days").astype(np.int64),
            column("completion_rate"),
            column("rating_mean"),
            column("duration_days"),
            column("value"),
            Sequences(prerequisite.astype(np.int64), column("prerequisite_share"), issuer.repeat_rate),
            templates,
        )


def _template(program: DemoProgram) -> dict[str, object]:
    """The ``program`` object of a credential.issued event."""
    template: dict[str, object] = {"id": program.id, "name": program.name, "kind": program.kind}
    if program.department:
        template["department"] = program.department
    return template


@dataclass(frozen=True)
class Setting:
    """Everything fixed about one issuer while its events are generated."""

    issuer: DemoIssuer
    programs: ProgramTable
    people: People


@dataclass(frozen=True)
class Cohort:
    """The credentials of one block, in award order."""

    first_serial: int  # credential number of the first award (``cred-0000001`` style ids)
    issued: IntArray  # UTC epoch seconds
    program: IntArray
    recipient: IntArray
    first_award: BoolArray  # the recipient's first credential of this issuer

    @property
    def size(self) -> int:
        """Number of credentials."""
        return len(self.issued)

    def credential_ids(self) -> ObjArray:
        """The ``credential_id`` of each credential."""
        start = self.first_serial
        return np.array([f"cred-{n:07d}" for n in range(start, start + self.size)], dtype=object)
