"""The fixed vocabulary of issuer industries: peer benchmarks compare issuers of one industry, so
an industry is one of these names, never free text (docs/metrics.md, Benchmarks).

The first 14 are the published table's names as Accredible writes them (its "14 main issuing
industries"); the rest are common issuers it does not list.
"""

from __future__ import annotations

import re

PUBLISHED_INDUSTRIES: tuple[str, ...] = (
    "Awarding Body",
    "Bootcamp",
    "CPD",
    "Events",
    "Government",
    "Higher Education",
    "Internal Corporate Training",
    "Language Training",
    "Online Courses",
    "Platforms",
    "Product Training",
    "Professional Associations",
    "Professional Certifications",
    "Professional Development",
)
OTHER_INDUSTRIES: tuple[str, ...] = ("Healthcare", "Software/IT", "K-12 Education", "Nonprofit")
INDUSTRIES: tuple[str, ...] = PUBLISHED_INDUSTRIES + OTHER_INDUSTRIES


class UnknownIndustry(ValueError):
    """A name outside the vocabulary; the message lists the vocabulary."""

    def __init__(self, given: str) -> None:
        super().__init__(f"unknown industry {given!r}; choose one of: {', '.join(INDUSTRIES)}")


def _folded(text: str) -> str:
    # "online_courses", "Online  Courses" and "online courses" are the same name
    return re.sub(r"[^a-z0-9/]+", " ", text.lower()).strip()


# Folded name -> name; schema.py maps free-text industries of older files with it.
BY_FOLDED = {_folded(name): name for name in INDUSTRIES}


def industry_named(given: str) -> str:
    """The vocabulary's name for ``given``, matched case-insensitively (``_``, ``-`` and spaces alike)."""
    name = BY_FOLDED.get(_folded(given))
    if name is None:
        raise UnknownIndustry(given)
    return name


def known(stored: str | None) -> str | None:
    """An issuer's stored industry if it is one of the vocabulary, else None ("unset — choose"):
    a free-text industry of an older version that no name matched stays stored until replaced."""
    if stored is None:
        return None
    return BY_FOLDED.get(_folded(stored))
