"""The recipient's own dashboard, built from their holdings and verifications."""

from __future__ import annotations

import datetime as dt

from credlens.recipients.holdings import Holding, Status
from credlens.recipients.verifications import Verification
from credlens.reports import recipient

NOW = dt.datetime(2026, 6, 1)


def _held(credential_id: str, verifications: int) -> Holding:
    return Holding(credential_id, "p1", "Program 1", "certificate", NOW, None, Status.ACTIVE, 3, 2, 1, verifications)


def test_the_verifications_tile_counts_every_verification_not_the_listed_ones() -> None:
    held = [_held("c1", 150), _held("c2", 100)]
    listed = [Verification("c1", "Program 1", NOW, None, None, None, "valid")] * 200  # the page lists the latest 200
    page = recipient.build("Issuer", held, listed)
    tiles = {tile.metric: tile for section in page.sections for tile in section.tiles}
    assert tiles["verifications"].value.value == 250
    assert tiles["shares"].value.value == 2
