"""The columnar timestamp parser against msgspec on 30,000 generated strings: whatever it accepts,
msgspec accepts as the same instant; the canonical forms it promises to accept, it accepts."""

from __future__ import annotations

import datetime as dt
import random

import msgspec
import pyarrow as pa

from credlens.ingest.columnar.timestamps import parse

EPOCH = dt.datetime(1970, 1, 1)


def _msgspec(text: str) -> dt.datetime | None:
    """The instant msgspec reads (naive UTC), or None where it refuses the string."""
    try:
        value = msgspec.json.decode(msgspec.json.encode(text), type=dt.datetime)
    except msgspec.ValidationError:
        return None
    if value.tzinfo is None:
        return None  # events.md requires an offset; the parser never accepts a naive value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _generated(rng: random.Random) -> tuple[str, bool]:
    """A string near the RFC 3339 form, and whether it is in the canonical form the parser promises."""
    year, month, day = rng.randint(1999, 2101), rng.randint(0, 13), rng.randint(0, 32)
    hour, minute, second = rng.randint(0, 24), rng.randint(0, 60), rng.randint(0, 60)
    digits = rng.choice([0, 0, 1, 3, 6, 7, 9])
    fraction = "." + "".join(rng.choice("0123456789") for _ in range(digits)) if digits else ""
    sign, off_h, off_m = rng.choice("+-"), rng.randint(0, 24), rng.choice([0, 30, 45, 59, 60])
    zone = rng.choice(["Z", f"{sign}{off_h:02}:{off_m:02}", "z", f"{sign}{off_h:02}{off_m:02}", ""])
    sep = rng.choice(["T", "T", "T", "t", " "])
    text = f"{year:04}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}{fraction}{zone}"
    try:
        dt.datetime(year, month, day, hour, minute, second)
        valid_date = True
    except ValueError:
        valid_date = False
    canonical = (
        valid_date and sep == "T" and digits <= 6 and (zone == "Z" or (len(zone) == 6 and off_h < 24 and off_m < 60))
    )
    return text, canonical


def test_accepted_timestamps_are_msgspecs_and_canonical_ones_are_accepted() -> None:
    rng = random.Random(20261123)
    samples = [_generated(rng) for _ in range(30_000)]
    ok, instants = parse(pa.array([text for text, _ in samples], pa.string()))
    micros = instants.cast(pa.int64()).to_pylist()
    accepted = 0
    for (text, canonical), proven, us in zip(samples, ok.tolist(), micros, strict=True):
        expected = _msgspec(text)
        if proven:
            accepted += 1
            assert expected is not None, text
            assert EPOCH + dt.timedelta(microseconds=us) == expected, text
        if canonical:
            assert proven, text
    assert accepted > 3_000  # the sample exercises acceptance, not only refusal
