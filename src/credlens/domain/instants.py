"""Stored instants as Python reads them: a value past year 9999 (a store written before the door
bounded `expires_at`, docs/ingestion.md) is read as the last instant Python represents, so the
pages showing it keep answering instead of failing on the conversion."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

READABLE_UNTIL = dt.datetime(9999, 12, 31, 23, 59, 59)


def readable(column: ir.Value) -> ir.Value:
    """``column`` under its own name, a timestamp capped at READABLE_UNTIL (nulls stay null)."""
    if not column.type().is_timestamp():
        return column
    cap = ibis.literal(READABLE_UNTIL, type=column.type())
    capped: ir.Value = (column > cap).ifelse(cap, column).name(column.get_name())
    return capped
