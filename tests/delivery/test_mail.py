"""Handing a message to a real SMTP server: STARTTLS and login, the URL's rules, and clear failures."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller

from credlens.delivery.mail import Mail, MailError, SmtpServer, message, send
from tests.delivery.smtp import USER, Inbox, free_port, smtp
from tests.delivery.smtp import SmtpServer as Sink

__all__ = ["smtp"]

MAIL = Mail("Acme: credential report — 1 to 7 December 2026", "22 of 43 opened.", b"%PDF-1.4 test", "report.pdf")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://user:pass@mail.example:587", ("mail.example", 587, False, True, "user", "pass")),
        ("smtps://mail.example", ("mail.example", 465, True, False, None, None)),
        ("smtp://relay.local", ("relay.local", 25, False, False, None, None)),
        ("smtp://relay.local:2525?starttls=required", ("relay.local", 2525, False, True, None, None)),
        ("smtp://u%40x:p%2Fw@relay.local:25", ("relay.local", 25, False, True, "u@x", "p/w")),
        ("smtp://u:p@127.0.0.1:1025", ("127.0.0.1", 1025, False, False, "u", "p")),  # this machine: no network
        ("smtp://u:p@localhost:587", ("localhost", 587, False, True, "u", "p")),
    ],
)
def test_the_url_names_the_server_and_when_tls_is_required(url: str, expected: tuple[object, ...]) -> None:
    server = SmtpServer.parse(url)
    assert (server.host, server.port, server.implicit_tls, server.starttls_required, server.user, server.password) == (
        expected
    )
    assert "pass" not in server.describe()


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://host:99999", "smtp://h?starttls=no"])
def test_a_bad_url_is_refused_plainly(url: str) -> None:
    with pytest.raises(MailError, match="CREDLENS_SMTP_URL"):
        SmtpServer.parse(url)


def test_a_message_goes_over_starttls_with_the_login_and_the_pdf_attached(smtp: Sink) -> None:
    msg = message(MAIL, "credlens@acme.example", ["ann@acme.example"], "<report.x.20261201@acme.example>")
    assert send(SmtpServer.parse(smtp.url), msg) == {}
    [(received, envelope)] = smtp.inbox.messages
    assert envelope == ["ann@acme.example"]
    assert smtp.inbox.tls == [True]
    assert smtp.inbox.logins == [USER]
    assert received["Message-ID"] == "<report.x.20261201@acme.example>"
    assert received["Subject"] == MAIL.subject
    assert received.get_body(("plain",)).get_content().strip() == "22 of 43 opened."  # type: ignore[union-attr]
    [attachment] = received.iter_attachments()
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_an_untrusted_certificate_fails_with_the_reason(smtp: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    msg = message(MAIL, "credlens@acme.example", ["ann@acme.example"])
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
        send(SmtpServer.parse(smtp.url), msg)
    assert smtp.inbox.messages == []


def test_no_server_is_a_failure_not_a_crash() -> None:
    msg = message(MAIL, "credlens@acme.example", ["ann@acme.example"])
    with pytest.raises(MailError, match=r"cannot send through smtp://127\.0\.0\.1"):
        send(SmtpServer.parse(f"smtp://127.0.0.1:{free_port()}"), msg)


def test_a_local_relay_without_tls_is_used_plainly_unless_tls_is_required() -> None:
    inbox = Inbox()
    port = free_port()
    relay = Controller(inbox, hostname="127.0.0.1", port=port)  # no STARTTLS offered, no login
    relay.start()
    try:
        msg = message(MAIL, "credlens@acme.example", ["ann@acme.example"])
        assert send(SmtpServer.parse(f"smtp://127.0.0.1:{port}"), msg) == {}
        assert inbox.tls == [False]
        for url in (f"smtp://127.0.0.1:{port}?starttls=required", f"smtp://u:p@127.0.0.1:{port}?starttls=required"):
            with pytest.raises(MailError, match="does not offer STARTTLS"):  # never a password in clear
                send(SmtpServer.parse(url), msg)
        assert len(inbox.messages) == 1
    finally:
        relay.stop()


def test_smtps_speaks_tls_from_the_first_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context)
    server.start()
    try:
        send(SmtpServer.parse(f"smtps://127.0.0.1:{port}"), message(MAIL, "credlens@acme.example", ["a@acme.example"]))
    finally:
        server.stop()
    assert len(inbox.messages) == 1  # over the TLS socket SMTP_SSL opened (it speaks nothing else)
