"""Recipient links: an HMAC-signed, expiring claim "this browser holds recipient K of issuer I".

The token is ``base64url(payload).base64url(signature)``; the payload carries the issuer id, the
recipient's pseudonymous key (never an e-mail) and the expiry. Links are not stored: they stop
working when they expire, or for every link at once when the server secret changes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from credlens.access.tokens import b64decode, b64encode, sign, signature_valid
from credlens.privacy.pseudonyms import recipient_key

_PURPOSE = "recipient-link"
MAX_DAYS = 365


class LinkError(ValueError):
    """A link that is malformed, forged or expired; the message is safe to show."""


@dataclass(frozen=True)
class RecipientClaim:
    issuer_id: int
    recipient_key: str
    expires_at: dt.datetime  # naive UTC, like every stored timestamp


def make_token(secret: bytes, claim: RecipientClaim) -> str:
    expires = int(claim.expires_at.replace(tzinfo=dt.UTC).timestamp())
    payload = json.dumps({"v": 1, "i": claim.issuer_id, "r": claim.recipient_key, "e": expires}, separators=(",", ":"))
    body = b64encode(payload.encode())
    return f"{body}.{sign(secret, _PURPOSE, body.encode())}"


def read_token(secret: bytes, token: str, now: dt.datetime) -> RecipientClaim:
    """The claim of a genuine, unexpired link; raises LinkError otherwise (checked signature first)."""
    body, _, signature = token.partition(".")
    if (
        not body
        or not signature
        or len(token) > 1024
        or not signature_valid(secret, _PURPOSE, body.encode(), signature)
    ):
        raise LinkError("this link is not valid; ask the issuer for a new one")
    try:
        payload = json.loads(b64decode(body))
        claim = RecipientClaim(
            int(payload["i"]),
            str(payload["r"]),
            dt.datetime.fromtimestamp(int(payload["e"]), dt.UTC).replace(tzinfo=None),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise LinkError("this link is not valid; ask the issuer for a new one") from exc
    if claim.expires_at <= now:
        raise LinkError("this link has expired; ask the issuer for a new one")
    return claim


def issue(
    server_secret: bytes,
    issuer_id: int,
    pseudonym_secret: str,
    now: dt.datetime,
    *,
    email: str | None = None,
    earner_id: str | None = None,
    days: int = 30,
) -> tuple[str, RecipientClaim]:
    """A link token for the recipient of an e-mail or earner id, keyed exactly as at ingestion."""
    if (email is None) == (earner_id is None):
        raise LinkError("name the recipient by e-mail or by earner id (one of them)")
    if not 1 <= days <= MAX_DAYS:
        raise LinkError(f"a link is valid for 1 to {MAX_DAYS} days")
    key = recipient_key(pseudonym_secret, email=email, earner_id=earner_id)
    claim = RecipientClaim(issuer_id, key, (now + dt.timedelta(days=days)).replace(microsecond=0))
    return make_token(server_secret, claim), claim
