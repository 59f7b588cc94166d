"""A hand-built issuer for the report tests: 30 credentials in January 2026 with an engagement funnel,
verifications with hires, and career outcomes sized around k = 10, so two outcome cells are suppressed
(tests/metrics/test_programs_recipients_market.py works them out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from credlens.domain.issuers import Issuer, NewKeys
from credlens.store.warehouse import Warehouse
from tests.conftest import ingest
from tests.metrics.test_programs_recipients_market import BERLIN, Events, crowd_events, day

WINDOW = {"from": "2026-01-01", "to": "2026-01-31", "compare": "previous"}
FUNNEL = "issued,opened,downloaded,shared_linkedin,profile_added"
SUPPRESSED = ("Promotion", "Raise")  # 11 and 4 recipients: raise < k, promotion its complement


def board_events() -> list[dict[str, Any]]:
    ev = Events("board-")
    for n in range(18):
        ev.add("credential.viewed", day(1, 12), f"k{n}", actor="owner")
    for n in range(10):
        ev.add("credential.downloaded", day(1, 13), f"k{n}", format="pdf")
    for n in range(5):
        ev.add("credential.shared", day(1, 14), f"k{n}", channel="linkedin")
    for n in range(5, 8):
        ev.add("credential.shared", day(1, 14), f"k{n}", channel="email")
    for n in range(2):
        ev.add("credential.profile_added", day(1, 15), f"k{n}")
    for n in range(6):
        ev.add("credential.verified", day(1, 16), f"k{n}", verifier={})
        verification = ev.items[-1]["id"]
        if n < 2:
            ev.add("verification.outcome", day(1, 17), f"k{n}", verification_id=verification, outcome="hired")
    return [*crowd_events(), *ev.items]


def build_board(data_dir: Path) -> tuple[Issuer, NewKeys]:
    store = Warehouse(data_dir)
    try:
        issuer, keys = store.create_issuer("crowd", "Crowd College", timezone=BERLIN)
        assert ingest(store, issuer, board_events()).rejections == []
        return issuer, keys
    finally:
        store.close()
