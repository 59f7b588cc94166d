"""A real SMTP server for the e-mail tests: aiosmtpd on 127.0.0.1, with STARTTLS and a login on a
certificate made for the test by trustme; it keeps every message it accepts, parsed."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "reports", "s3cret-smtp-pass"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """Messages the server accepted, in order, with their envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[EmailMessage, list[str]]] = []
        self._lock = threading.Lock()
        self.logins: list[str] = []
        self.tls: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append((parsed, list(envelope.rcpt_tos)))
            self.tls.append(session.ssl is not None)
        return "250 Message accepted for delivery"

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(USER)
        return AuthResult(success=ok)


class SmtpServer:
    """Start, stop (an outage) and start again on the same port; ``url`` carries the login."""

    def __init__(self, inbox: Inbox, certificate: trustme.LeafCert) -> None:
        self.inbox = inbox
        self.port = free_port()
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(self._context)
        self._controller: Controller | None = None
        self.url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self._context,
            require_starttls=True,
            authenticator=self.inbox,
            auth_required=True,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A running server whose self-signed CA the client trusts (through SSL_CERT_FILE, as an operator would)."""
    authority = trustme.CA()
    bundle = tmp_path / "smtp-ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    server = SmtpServer(Inbox(), authority.issue_cert("127.0.0.1"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
