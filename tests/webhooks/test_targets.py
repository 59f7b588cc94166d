"""The SSRF stance (docs/deployment.md) and the Standard Webhooks signature, checked in isolation."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ssl
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks.webhooks import Webhook

from credlens.webhooks import signing
from credlens.webhooks.sender import send
from credlens.webhooks.settings import WebhookSettings
from credlens.webhooks.targets import TargetRefused, check
from tests.webhooks.receiver import Receiver

PUBLIC = "93.184.215.14"


def resolving(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    return lambda host, port: table[host]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/x",
        "gopher://example.org/",
        "javascript:alert(1)",
        "/relative/path",
        "http://user:pass@hooks.example.org/",
        "http:///no-host",
    ],
)
def test_only_http_urls_without_credentials_are_targets(url: str) -> None:
    with pytest.raises(TargetRefused):
        check(url, allow_private=True, resolve=resolving({"hooks.example.org": [PUBLIC], "example.org": [PUBLIC]}))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.7",
        "192.168.1.20",
        "172.16.5.4",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::5",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_a_name_resolving_to_a_non_public_address_is_refused(address: str) -> None:
    resolve = resolving({"intranet.example.org": [PUBLIC, address]})  # one bad address is enough
    with pytest.raises(TargetRefused, match=r"resolves to .*CREDLENS_WEBHOOKS_ALLOW_PRIVATE"):
        check("https://intranet.example.org/hook", allow_private=False, resolve=resolve)
    target, addresses = check("https://intranet.example.org/hook", allow_private=True, resolve=resolve)
    assert (target.host, target.port, target.path, addresses) == (
        "intranet.example.org",
        443,
        "/hook",
        [PUBLIC, address],
    )


def test_loopback_is_refused_for_real_names_and_literals_unless_allowed() -> None:
    for url in ("http://127.0.0.1:9/x", "http://localhost:9/x", "http://[::1]:9/x", "http://2130706433:9/x"):
        with pytest.raises(TargetRefused):
            check(url, allow_private=False)
    assert check("http://127.0.0.1:9/x?a=1", allow_private=True)[0].path == "/x?a=1"


def test_a_public_address_is_accepted() -> None:
    target, addresses = check(
        "http://hooks.example.org/in", allow_private=False, resolve=resolving({"hooks.example.org": [PUBLIC]})
    )
    assert (target.port, addresses) == (80, [PUBLIC])


def test_the_signature_is_standard_webhooks_and_an_independent_hmac() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    body = b'{"type":"credential.issued","data":{"id":"e1"}}'
    headers = signing.headers(secret, "msg_1", 1_760_000_000, body)
    expected = hmac.new(base64.b64decode(secret[6:]), b"msg_1.1760000000." + body, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
    now = int(time.time())
    fresh = signing.headers(secret, "msg_2", now, body)
    assert Webhook(secret).verify(body, fresh) == {"type": "credential.issued", "data": {"id": "e1"}}


def test_a_redirect_is_not_followed() -> None:
    receiver = Receiver(status=307).start()
    try:
        answer = send(WebhookSettings(allow_private=True), receiver.url, signing.new_secret(), "msg_r", b"{}")
    finally:
        receiver.stop()
    assert (answer.ok, answer.status, answer.error) == (False, 307, "HTTP 307")
    assert len(receiver.requests) == 1


def test_the_check_runs_again_at_delivery_and_connects_to_the_checked_address() -> None:
    """DNS rebinding: a name public when subscribed that resolves to a private address later is not reached."""
    receiver = Receiver().start()
    try:
        url = f"http://hooks.example.org:{receiver.port}/in"
        rebound = resolving({"hooks.example.org": ["127.0.0.1"]})
        refused = send(WebhookSettings(allow_private=False), url, signing.new_secret(), "msg_x", b"{}", resolve=rebound)
        assert refused.status is None
        assert refused.error is not None
        assert refused.error.startswith("refused:")
        assert receiver.requests == []
        # allowed, the request goes to the address resolved (no second lookup of the made-up name)
        allowed = send(WebhookSettings(allow_private=True), url, signing.new_secret(), "msg_y", b"{}", resolve=rebound)
        assert allowed.ok
        assert receiver.requests[0].headers["host"] == f"hooks.example.org:{receiver.port}"
    finally:
        receiver.stop()


def test_https_targets_are_verified_against_the_system_authorities(tmp_path: Path) -> None:
    """The pinned TLS connection checks the certificate (a self-signed one is refused): no skipping."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example.org")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.example.org")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    receiver = Receiver().start()
    assert receiver._server is not None
    receiver._server.socket = context.wrap_socket(receiver._server.socket, server_side=True)
    try:
        url = f"https://hooks.example.org:{receiver.port}/in"
        resolve = resolving({"hooks.example.org": ["127.0.0.1"]})
        answer = send(WebhookSettings(allow_private=True), url, signing.new_secret(), "msg_t", b"{}", resolve=resolve)
    finally:
        receiver.stop()
    assert answer.status is None
    assert answer.error is not None
    assert "CERTIFICATE_VERIFY_FAILED" in answer.error
    assert receiver.requests == []
