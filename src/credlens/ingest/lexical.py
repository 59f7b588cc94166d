"""What msgspec does not see in the JSON text of an event: a key given twice in one object (msgspec
keeps the last, silently losing the first), and a timestamp offset without its colon (``+0000``,
which msgspec reads but RFC 3339 does not allow).

A whole body is first screened by counting (``may_hold_fault``): without a hit it holds neither,
and only documents with a hit are parsed again, by the standard library, which reports every key.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from credlens.domain.events import timestamp_fault

DUPLICATE = "is given twice in one object; a key may appear once"
# A timestamp field (occurred_at, expires_at) whose string ends in a four-digit offset, the only msgspec
# reading RFC 3339 refuses, or holds an escape (which could spell one). NOTE: the literal `_at"` leads
# the pattern, so the search skips through the body at the speed of a substring search.
_OFFSET_WITHOUT_COLON = re.compile(rb'_at"\s*:\s*"[^"\\]*(?:[+-]\d{4}"|\\)')
# ... or a key spelling `_at` with an escape (`"occurred\u005fat"` is occurred_at to msgspec).
_ESCAPED_AT = re.compile(rb"\\u00(?:5[fF]|61|74)")
_SPACED_COLON = re.compile(rb'"[ \t\r\n]+:')
_KEY_TOKEN = re.compile(rb'"[ \t\r\n]*:')
_GENERIC = msgspec.json.Decoder()
_ENCODER = msgspec.json.Encoder()


def _key_tokens(body: bytes) -> int:
    """At least the number of object keys written in ``body`` (every key is a string then a colon;
    the count also takes in escaped quotes followed by a colon inside strings)."""
    # NOTE: substring tests first: most bodies put no blank after a closing quote, and the regex costs more
    if any(blank in body for blank in (b'" ', b'"\n', b'"\r', b'"\t')) and _SPACED_COLON.search(body):
        return len(_KEY_TOKEN.findall(body))
    return body.count(b'":')


def _distinct_keys(body: bytes) -> int:
    """At most the number of distinct keys of every object in ``body`` (a valid JSON text).

    msgspec's compact re-encoding writes each distinct key once as ``"key":``; an escaped quote
    before a colon inside a string (``\\":``) is not a key, so those are taken off.
    """
    again = _ENCODER.encode(_GENERIC.decode(body))
    return again.count(b'":') - (again.count(b'\\":') if b'\\"' in again else 0)


def may_hold_fault(body: bytes) -> bool:
    """False only when ``body`` (valid JSON) certainly holds no duplicate key and no ``+HHMM`` offset.

    # NOTE: keys written ≤ distinct keys ≤ keys written, so equality means no key was written twice.
    """
    if _OFFSET_WITHOUT_COLON.search(body) or _ESCAPED_AT.search(body):
        return True
    return _key_tokens(body) > _distinct_keys(body)


class _Pairs(list[tuple[str, Any]]):
    """An object as the standard library parsed it: every key, in order, duplicates kept."""


def _duplicate(value: Any, path: str) -> str | None:
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for key, item in value:
            here = f"{path}.{key}" if path else key
            if key in seen:
                return here
            seen.add(key)
            if (found := _duplicate(item, here)) is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            if (found := _duplicate(item, path)) is not None:
                return found
    return None


def fault(document: bytes) -> tuple[str, str] | None:
    """(field, reason) of the first lexical fault of one event document msgspec accepted, or None."""
    if not may_hold_fault(document):
        return None
    parsed = json.loads(document, object_pairs_hook=_Pairs)
    if (field := _duplicate(parsed, "")) is not None:
        return field, DUPLICATE
    return timestamp_fault(dict(parsed) if isinstance(parsed, _Pairs) else parsed)
