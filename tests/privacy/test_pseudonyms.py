"""Pseudonymous keys are HMAC-SHA256 of the normalized e-mail or `id:` + earner id (privacy.md)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from credlens.privacy.pseudonyms import new_secret, recipient_key


def test_key_is_hmac_sha256_of_the_normalized_email() -> None:
    secret = new_secret()
    expected = hmac.new(bytes.fromhex(secret), b"ann@example.org", hashlib.sha256).hexdigest()
    assert recipient_key(secret, email="  Ann@Example.ORG ") == expected
    assert recipient_key(secret, email="ann@example.org") == expected  # computed twice: the keyed copy is reused


def test_earner_ids_are_prefixed_and_email_wins() -> None:
    secret = new_secret()
    by_id = hmac.new(bytes.fromhex(secret), b"id:E-1", hashlib.sha256).hexdigest()
    assert recipient_key(secret, earner_id="E-1") == by_id
    assert recipient_key(secret, email="a@b.org", earner_id="E-1") == recipient_key(secret, email="a@b.org")


def test_secrets_make_keys_unlinkable() -> None:
    assert recipient_key(new_secret(), email="a@b.org") != recipient_key(new_secret(), email="a@b.org")


def test_a_recipient_needs_an_email_or_an_id() -> None:
    with pytest.raises(ValueError, match="e-mail or an earner id"):
        recipient_key(new_secret())
