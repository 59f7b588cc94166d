"""The personal-data screen of the door: what no stored text may hold (docs/privacy.md, "What is screened").

privacy.md forbids storing IP addresses, user agents, cookies and e-mail addresses anywhere, and a
name shown on a page must not carry control characters or bidi overrides (Unicode TR#36). Every
free-text field of an event and every key and string of ``properties`` passes these checks.

An address is looked for *anywhere* in a string: a permissive pattern finds candidate tokens
(``Ann <ann@example.org>``, ``203.0.113.7:51234``, ``[2001:db8::1]:443``, ``::ffff:203.0.113.7``) and
the ``ipaddress`` module decides whether a candidate really is an address, so times (``10:30``),
ratios and version numbers (``1.2.3``) are kept.
"""

from __future__ import annotations

import ipaddress
import itertools
import re

# C0 controls and DEL, C1 controls, bidi embeddings/overrides (U+202A–U+202E) and isolates
# (U+2066–U+2069): refused in every free-text field by its type's pattern (TR#36, "Bidirectional
# text spoofing"); rejections.py words msgspec's message as UNSAFE.
UNSAFE_CHARS = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
SAFE_TEXT_PATTERN = f"^[^{UNSAFE_CHARS}]*\\Z"

# An e-mail: a token, "@", dot-separated labels. Matches start at a token's start and quantifiers are
# possessive, so a long string without an address is rejected in linear time (no backtracking).
_EMAIL = re.compile(
    r"""(?<![^\s<>()\[\],;:"'])[^\s@<>()\[\],;:"']++@(?:[^\s@<>()\[\],;:"'.]++\.)+[^\s@<>()\[\],;:"'.]"""
)
# IPv4 candidates: four dot-separated numbers not inside a longer dotted number (``1.2.3.4.5``).
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)")
# IPv6 candidates: runs of colon-separated parts (at least two colons); every window of 3 to 9
# consecutive parts that could be groups (hex, an IPv4 tail, a zone) is tried, so neither brackets
# and a port (``[2001:db8::1]:443``) nor a prefix (``cred:2001:db8::1``) hide an address.
_COLON_RUN = re.compile(r"(?<![0-9A-Za-z.%:])[0-9A-Za-z.%]*+(?::[0-9A-Za-z.%]*+){2,}")
_TRIPLE_COLON = re.compile(r":{3,}")
_GROUP = re.compile(r"[0-9A-Fa-f]{0,4}\Z|[0-9A-Fa-f]{0,4}%[0-9A-Za-z]+\Z|\d{1,3}(?:\.\d{1,3}){3}(?:%[0-9A-Za-z]+)?\Z")

PERSONAL = "personal data (an e-mail or IP address) is never accepted"
UNSAFE = "holds a control character or a bidi override (U+202A–U+202E, U+2066–U+2069)"

# Key words naming personal data, matched on the words of a key split at case changes and
# punctuation (``clientIp`` → client ip, ``xForwardedFor`` → x forwarded for).
FORBIDDEN_KEY_WORDS = frozenset(
    {
        "ip",
        "ipv4",
        "ipv6",
        "ipaddr",
        "ipaddress",
        "ua",
        "useragent",
        "cookie",
        "cookies",
        "email",
        "mail",
        "forwarded",
        "xff",
    }
)
# Word sequences that name personal data only together (``remote_addr``, ``user agent``, ``e-mail``).
FORBIDDEN_KEY_PAIRS = (("user", "agent"), ("remote", "addr"), ("remote", "address"), ("remote", "host"), ("e", "mail"))
_CASE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORDS = re.compile(r"[^a-z0-9]+")


def key_words(key: str) -> list[str]:
    """The words of a key: split at case changes, then at anything not a letter or digit."""
    return [w for w in _WORDS.split(_CASE.sub("_", key).lower()) if w]


def personal_key(key: str) -> bool:
    """Whether a key names personal data in any spelling (``clientIp``, ``User-Agent``, ``remoteIP``)."""
    words = key_words(key)
    if set(words) & FORBIDDEN_KEY_WORDS or "".join(words) in FORBIDDEN_KEY_WORDS:
        return True
    pairs = set(itertools.pairwise(words))
    return any(pair in pairs for pair in FORBIDDEN_KEY_PAIRS)


def _is_ipv4(candidate: str) -> bool:
    parts = candidate.split(".")
    return all(int(p) <= 255 for p in parts)  # NOTE: leading zeros too (``010.0.0.1`` reads as an address)


def _is_ipv6(candidate: str) -> bool:
    try:
        address = ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return not address.is_unspecified  # ``::`` is punctuation (``std::vector``), not an address


def personal_value(text: str) -> bool:
    """Whether an e-mail or IP address (v4, v6, v4-mapped, with a port or brackets) appears anywhere in ``text``."""
    if "@" in text and _EMAIL.search(text):
        return True
    if "." in text and any(_is_ipv4(m.group()) for m in _IPV4.finditer(text)):
        return True
    if text.count(":") < 2:
        return False
    # NOTE: three colons in a row are in no address; splitting there keeps a run of colons cheap
    pieces = (piece for m in _COLON_RUN.finditer(text) for piece in _TRIPLE_COLON.split(m.group()))
    # NOTE: an address holds "::" or six colons at least (seven groups and an IPv4 tail)
    return any(_holds_ipv6(piece.split(":")) for piece in pieces if "::" in piece or piece.count(":") >= 6)


def _holds_ipv6(parts: list[str]) -> bool:
    """Whether some window of consecutive ``parts`` joined by colons is an IPv6 address."""
    groups = [_GROUP.match(p) is not None for p in parts]
    for start in range(len(parts)):
        if not groups[start]:
            continue
        for stop in range(start + 3, min(len(parts), start + 9) + 1):
            window = parts[start:stop]
            # NOTE: one "::" at most (one empty part inside): a longer window from here cannot be one either
            if not groups[stop - 1] or window[1:-1].count("") > 1:
                break
            joined = ":".join(window)
            # NOTE: an address has eight groups, or seven and an IPv4 tail, or "::"; others skip ipaddress
            full = len(window) == 8 or (len(window) == 7 and "." in window[-1])
            if any(window) and (full or "::" in joined) and _is_ipv6(joined):
                return True
    return False
