"""Sending a report by e-mail through the SMTP server of ``CREDLENS_SMTP_URL`` (stdlib smtplib).

``smtps://host[:465]`` speaks TLS from the first byte; ``smtp://host[:25]`` upgrades with STARTTLS
when the server offers it, and requires it on port 587 or when the URL carries a password for
another machine (a password never crosses the network in clear); ``?starttls=required`` asks for it
anywhere. The
certificate is checked against the system's CAs (``SSL_CERT_FILE`` names another bundle).
docs/deployment.md (E-mail) has the settings.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

SUBMISSION_PORT = 587
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT = 30.0  # seconds per SMTP command: a stuck server fails the attempt, which is retried


class MailError(Exception):
    """A send that did not happen (no server, refused, bad settings): the message says why."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand messages over, parsed from ``CREDLENS_SMTP_URL``."""

    host: str
    port: int
    implicit_tls: bool
    starttls_required: bool
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise MailError("CREDLENS_SMTP_URL must start with smtp:// or smtps://")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError as exc:
            raise MailError("CREDLENS_SMTP_URL has an invalid port") from exc
        if not parts.hostname:
            raise MailError("CREDLENS_SMTP_URL names no host")
        starttls = parse_qs(parts.query).get("starttls", ["auto"])[-1]
        if starttls not in ("auto", "required"):
            raise MailError("CREDLENS_SMTP_URL's starttls= must be auto or required")
        password = unquote(parts.password) if parts.password is not None else None
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=parts.scheme == "smtps",
            starttls_required=starttls == "required"
            or port == SUBMISSION_PORT
            or (password is not None and not _loopback(parts.hostname)),
            user=unquote(parts.username) if parts.username else None,
            password=password,
        )

    def describe(self) -> str:
        """The server without its password, for logs and errors."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{self.user + '@' if self.user else ''}{self.host}:{self.port}"


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    attachment: bytes
    filename: str


def message(
    mail: Mail, sender: str, recipients: list[str], message_id: str | None = None, *, date: float | None = None
) -> EmailMessage:
    """The e-mail: text body, the PDF attached, and a Message-ID stable per (schedule, period) when given."""
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(date, localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain=sender_domain(sender))
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a scheduled report
    msg.set_content(mail.body)
    msg.add_attachment(mail.attachment, maintype="application", subtype="pdf", filename=mail.filename)
    return msg


def sender_domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1].strip(" >") or "credlens.invalid"


def send(server: SmtpServer, msg: EmailMessage) -> dict[str, str]:
    """Hand ``msg`` to the server; the recipients it refused (others accepted), by address.

    Raises MailError when nothing was accepted: unreachable, TLS or login failure, all refused."""
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
            if server.implicit_tls
            else smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
        )
        with client:
            client.ehlo()
            if not server.implicit_tls:
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif server.starttls_required:
                    raise MailError(f"{server.describe()} does not offer STARTTLS, which this URL requires")
            if server.user is not None:
                client.login(server.user, server.password or "")
            refused = client.send_message(msg)
    except MailError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"{server.describe()} refused every recipient: {_codes(exc.recipients)}") from exc
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise MailError(f"{server.describe()} answered {exc.smtp_code} {text}") from exc
    except (OSError, smtplib.SMTPException) as exc:  # ssl.SSLError and socket errors are OSErrors
        raise MailError(f"cannot send through {server.describe()}: {exc or type(exc).__name__}") from exc
    return {address: _code(answer) for address, answer in refused.items()}


def _loopback(host: str) -> bool:
    """This machine: a password sent to it in clear crosses no network."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _code(answer: tuple[int, bytes]) -> str:
    return f"{answer[0]} {answer[1].decode(errors='replace')}"


def _codes(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address}: {_code(answer)}" for address, answer in refused.items())
