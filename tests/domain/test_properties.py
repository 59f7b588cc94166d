"""Free-form properties never carry personal data: forbidden keys in any spelling, or such values."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from credlens.ingest.decode import decode_raw
from tests.factories import make_event


def rejected_field(properties: dict[str, Any]) -> str | None:
    decoded = decode_raw([(0, msgspec.json.encode(make_event("credential.viewed", properties=properties)))])
    return decoded.rejections[0].field if decoded.rejections else None


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"client_ip": "x"}, "properties.client_ip"),
        ({"X-Forwarded-For": "x"}, "properties.X-Forwarded-For"),
        ({"set-cookie": "x"}, "properties.set-cookie"),
        ({"user agent": "x"}, "properties.user agent"),
        ({"UserAgent": "x"}, "properties.UserAgent"),
        ({"contact": {"Email": "x"}}, "properties.contact.Email"),
        ({"remote_addr": "x"}, "properties.remote_addr"),
        ({"note": "jane@example.org"}, "properties.note"),
        ({"origin": "192.168.1.20"}, "properties.origin"),
        ({"origin": ["2001:db8::1"]}, "properties.origin"),
    ],
)
def test_personal_data_in_properties_is_refused(properties: dict[str, Any], field: str) -> None:
    assert rejected_field(properties) == field


@pytest.mark.parametrize(
    "properties",
    [
        {"campaign": "spring-2026"},
        {"shipping": "yes"},
        {"version": "1.2.3"},
        {"tip": "share on linkedin"},
        {"ratio": "3:2"},
        {"time": "10:30"},
    ],
)
def test_ordinary_properties_are_kept(properties: dict[str, Any]) -> None:
    assert rejected_field(properties) is None
