"""Names a person reads in place of ids: channels, and the like (the ids stay in `.json`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, get_args

import pycountry

from credlens.domain.events import VerifierSize

CHANNEL_NAMES = {
    "linkedin": "LinkedIn",
    "x": "X",
    "facebook": "Facebook",
    "email": "E-mail",
    "whatsapp": "WhatsApp",
    "link": "Link",
    "embed": "Embed",
    "other": "Other",
}
FORMATS = {"pdf": "PDF", "png": "Image (PNG)", "print_pdf": "PDF for print", "other": "Other"}
PLATFORMS = {"linkedin": "LinkedIn", "xing": "XING", "other": "Other"}
DELIVERY_FAILURES = {"bounced": "Bounced", "invalid_address": "Invalid address", "other": "Other"}
UNKNOWN = {"unknown": "Unknown"}
SIZES = get_args(VerifierSize)  # organization sizes, smallest first
ATTRIBUTES = {
    "gender": "Gender",
    "age_band": "Age",
    "education_level": "Education",
    "employment_status": "Employment",
    "country": "Country",
}


def humanize(value: str) -> str:
    """An id as words: "not_hired" -> "Not hired", "35-44" -> "35–44" (an en dash for a range)."""
    if value[:1].isdigit():
        return value.replace("-", "–")
    words = value.replace("_", " ")
    return words[:1].upper() + words[1:]


def country(code: str) -> str:
    """A country's name from its ISO 3166 code ("DE" -> "Germany"); anything else as given."""
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if found is None:
        return humanize(code)
    name: str = getattr(found, "common_name", found.name)
    return name


def attribute_value(attribute: str, value: str) -> str:
    """A demographic cell as a person reads it: "Age 35–44", "Gender: female", "Country: Germany"."""
    shown = country(value) if attribute == "country" else humanize(value)
    if attribute == "age_band":
        return f"Age {shown}" if value != "unknown" else "Age: unknown"
    return f"{ATTRIBUTES.get(attribute, humanize(attribute))}: {shown}"


def names_for(keys: Iterable[object], name: Callable[[str], str]) -> dict[str, str]:
    """The names of a breakdown's keys, for a table's key column (blocks.Spec.names)."""
    return {str(key): name(str(key)) for key in keys}


def in_size_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows keyed by organization size, smallest size first (unknown sizes last)."""
    rank = {size: n for n, size in enumerate(SIZES)}
    return sorted(rows, key=lambda r: rank.get(str(r["key"]), len(SIZES)))
