"""Tracking tokens and links: the signed names of one issuer's credential on its own pages (docs/tracking.md).

A token is ``base64url(payload).base64url(signature)``, like a recipient link (access/links.py), with
the issuer id and the credential id in the payload. The owner's token carries an owner mark and is
signed for another purpose, so a visitor holding the public token (it is on the public page) cannot
turn it into the owner's, and nobody can make a token for a credential without the server secret.
Tokens do not expire: a credential page lives as long as the credential.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from credlens.access.tokens import b64decode, b64encode, sign, signature_valid

_PUBLIC, _OWNER = "tracking", "tracking-owner"
MAX_TOKEN = 600  # a 128-character credential id makes a token of ~280 characters
_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}\Z")  # the contract's id alphabet (docs/ingestion.md)

# The share channels a link can send to, by the contract's `credential.shared` channel, plus
# `profile_added` (LinkedIn's add-to-profile form: a `credential.profile_added` event, not a share).
SHARE_CHANNELS = ("linkedin", "x", "facebook", "email", "whatsapp", "link", "profile_added")
DOWNLOAD_FORMATS = ("pdf", "png", "print_pdf")
PLACEHOLDERS = {
    "page_url": ("credential_id",),
    "download_url": ("credential_id", "format"),
    "verify_url": ("credential_id",),
}


class TrackingError(ValueError):
    """A token that is malformed or forged, or a setting that cannot be used; the message is safe to show."""


@dataclass(frozen=True)
class TrackedCredential:
    issuer_id: int
    credential_id: str
    owner: bool  # the owner's token: views are the owner's own


def make_token(secret: bytes, issuer_id: int, credential_id: str, *, owner: bool = False) -> str:
    if not _ID.match(credential_id):
        raise TrackingError("a credential id is 1-128 characters of A-Z a-z 0-9 . _ : -")
    fields: dict[str, Any] = {"v": 1, "i": issuer_id, "c": credential_id}
    if owner:
        fields["o"] = 1
    body = b64encode(json.dumps(fields, separators=(",", ":")).encode())
    return f"{body}.{sign(secret, _OWNER if owner else _PUBLIC, body.encode())}"


def read_token(secret: bytes, token: str) -> TrackedCredential:
    """The credential a genuine token names; raises TrackingError for anything else."""
    body, _, signature = token.partition(".")
    if not body or not signature or len(token) > MAX_TOKEN:
        raise TrackingError("this tracking link is not valid")
    try:
        payload = json.loads(b64decode(body))
        owner = payload.get("o") == 1
        claim = TrackedCredential(int(payload["i"]), str(payload["c"]), owner)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TrackingError("this tracking link is not valid") from exc
    # NOTE: the purpose follows the mark, so flipping it in a public token breaks the signature.
    if not signature_valid(secret, _OWNER if owner else _PUBLIC, body.encode(), signature):
        raise TrackingError("this tracking link is not valid")
    if not _ID.match(claim.credential_id):
        raise TrackingError("this tracking link is not valid")
    return claim


@dataclass(frozen=True)
class Targets:
    """Where an issuer's own pages are, as URL templates with ``{credential_id}`` (and ``{format}``)."""

    page_url: str | None = None  # the credential's public page: what share links share
    download_url: str | None = None  # a file of the credential
    verify_url: str | None = None  # the issuer's own verification page

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in self.__dict__.items() if v is not None}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Targets:
        return cls(**json.loads(text)) if text else cls()

    def render(self, name: str, credential_id: str, file_format: str = "") -> str | None:
        template: str | None = getattr(self, name)
        if template is None:
            return None
        return template.replace("{credential_id}", quote(credential_id, safe="")).replace("{format}", file_format)


def check_template(name: str, template: str) -> str:
    """An http(s) URL whose only placeholders are the ones its setting knows; raises TrackingError."""
    template = template.strip()
    parts = urlsplit(template.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc or len(template) > 2000:
        raise TrackingError(f"{name} must be an absolute http(s) URL, not {template[:100]!r}")
    unknown = set(re.findall(r"\{([^}]*)\}", template)) - set(PLACEHOLDERS[name])
    if unknown:
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS[name])
        raise TrackingError(f"{name} may hold only {known}; not {', '.join(sorted(unknown))}")
    return template


def links(base: str, secret: bytes, issuer_id: int, credential_id: str) -> dict[str, Any]:
    """The JSON an issuer's site gets (docs/tracking.md): every URL of one credential, both tokens."""
    token = make_token(secret, issuer_id, credential_id)
    owner = make_token(secret, issuer_id, credential_id, owner=True)
    return {
        "token": token,
        "script": f"{base}/t/credlens.js",
        "view": f"{base}/t/p/{token}",
        "owner_view": f"{base}/t/p/{owner}",
        "share": {channel: f"{base}/t/s/{token}/{channel}" for channel in SHARE_CHANNELS},
        "download": {fmt: f"{base}/t/d/{token}/{fmt}" for fmt in DOWNLOAD_FORMATS},
        "verify": f"{base}/t/v/{token}",
    }
