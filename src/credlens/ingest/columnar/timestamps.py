"""RFC 3339 timestamps checked and converted by columns, accepting a strict subset of what msgspec does.

Accepted: ``YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`` with a valid calendar date and time. Whatever
else msgspec accepts (a space or lower-case separator, more than six fraction digits, which msgspec
rounds, an offset without a colon) is left unproven and goes to msgspec.

# NOTE: the strings are read as fixed-width byte matrices, one per string length, and the fields
# computed with NumPy: ~50x faster here than slicing and casting with Arrow kernels.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
_BASE = "dddd-dd-ddTdd:dd:dd"  # the fixed part; a digit at each d
_DIGITS = [i for i, c in enumerate(_BASE) if c == "d"]
_PUNCT = {i: ord(c) for i, c in enumerate(_BASE) if c != "d"}
_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_NAIVE = pa.timestamp("us")


def _number(m: npt.NDArray[np.int64], start: int, stop: int) -> Ints:
    value = np.zeros(len(m), dtype=np.int64)
    for i in range(start, stop):
        value = value * 10 + m[:, i]
    return value


def _days_from_civil(year: Ints, month: Ints, day: Ints) -> Ints:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days: Ints = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days


def _group(chars: npt.NDArray[np.uint8]) -> tuple[Mask, Ints]:
    """Validity and UTC microseconds of equally long strings, one per row of ``chars``."""
    rows, width = chars.shape
    m = chars.astype(np.int64)
    digit = (m >= 48) & (m <= 57)
    m = m - 48
    ok = digit[:, _DIGITS].all(axis=1)
    for i, c in _PUNCT.items():
        ok &= chars[:, i] == c
    zulu = chars[:, -1] == ord("Z")
    zone = np.where(zulu, 1, 6)
    offset = np.zeros(rows, dtype=np.int64)
    if width >= len(_BASE) + 6:  # rows ending in ±HH:MM
        sign = chars[:, -6]
        shaped = ((sign == ord("+")) | (sign == ord("-"))) & digit[:, -5] & digit[:, -4] & digit[:, -2] & digit[:, -1]
        shaped &= chars[:, -3] == ord(":")
        hours, minutes = m[:, -5] * 10 + m[:, -4], m[:, -2] * 10 + m[:, -1]
        ok &= zulu | (shaped & (hours <= 23) & (minutes <= 59))
        offset = np.where(zulu, 0, np.where(sign == ord("-"), -1, 1) * (hours * 3600 + minutes * 60))
    else:
        ok &= zulu
    fraction = width - len(_BASE) - zone - 1  # digits after the dot; -1: no fraction
    ok &= (fraction == -1) | ((fraction >= 1) & (fraction <= 6))
    micros = np.zeros(rows, dtype=np.int64)
    for digits in range(1, 7):
        these = fraction == digits
        if these.any():
            end = len(_BASE) + 1 + digits
            ok &= ~these | ((chars[:, len(_BASE)] == ord(".")) & digit[:, len(_BASE) + 1 : end].all(axis=1))
            micros = np.where(these, _number(m, len(_BASE) + 1, end) * 10 ** (6 - digits), micros)
    year, month, day = _number(m, 0, 4), _number(m, 5, 7), _number(m, 8, 10)
    hour, minute, second = _number(m, 11, 13), _number(m, 14, 16), _number(m, 17, 19)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days_in_month = _DAYS[np.clip(month, 0, 12)] - ((month == 2) & ~leap)
    ok &= month_ok & (day >= 1) & (day <= days_in_month)
    ok &= (year >= 1000) & (year <= 9998)  # NOTE: away from the ends of Python's datetime
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    return ok, np.where(ok, seconds * 1_000_000 + micros, 0)


def parse(column: pa.Array) -> tuple[Mask, pa.Array]:
    """(where the value is a timestamp msgspec accepts, the instants as naive UTC microseconds).

    Rows outside the mask hold a placeholder instant; callers must not use them.
    """
    count = len(column)
    ok, micros = np.zeros(count, dtype=bool), np.zeros(count, dtype=np.int64)
    if pa.types.is_string(column.type) and count:
        lengths = np.asarray(pc.fill_null(pc.binary_length(column), 0).to_numpy(zero_copy_only=False))
        for width in np.unique(lengths).tolist():
            if not len(_BASE) + 1 <= width <= len(_BASE) + 1 + 6 + 6:
                continue
            rows = np.flatnonzero(lengths == width)
            strings = column.take(pa.array(rows))
            start = int(np.frombuffer(strings.buffers()[1], np.int32)[strings.offset])
            data = np.frombuffer(strings.buffers()[2], np.uint8)[start : start + width * len(rows)]
            ok[rows], micros[rows] = _group(data.reshape(len(rows), width))
    return ok, pa.array(micros, pa.int64()).cast(_NAIVE)
