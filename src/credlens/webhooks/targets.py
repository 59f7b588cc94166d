"""Where a webhook may go (the SSRF stance, docs/deployment.md).

Only ``http``/``https`` URLs without credentials in them; every address the host resolves to must be
a global one (no private, loopback, link-local, shared, reserved or multicast address) unless the
instance sets ``CREDLENS_WEBHOOKS_ALLOW_PRIVATE=1``. The check runs when a subscription is added and
again before every attempt, and the attempt connects to the very address that was checked, so a
name that resolves to a public address at the check and a private one a moment later (DNS
rebinding) cannot redirect it. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
MAX_URL_LENGTH = 2048


class TargetRefused(Exception):
    """The URL may not be a webhook target; the message says why, for the user."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (getaddrinfo: /etc/hosts, then DNS)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"the host {host!r} does not resolve ({exc})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse(url: str) -> Target:
    """The URL's parts, or TargetRefused: not HTTP(S), no host, credentials in it, a bad port."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused(f"only http:// and https:// URLs can receive webhooks, not {scheme or 'a relative'}: URL")
    if not parts.hostname:
        raise TargetRefused("the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the URL may not carry a user name or password; authenticate with the signature")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def refusal(address: str) -> str | None:
    """Why an address is not a public one, or None when it is."""
    ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private or not ip.is_global:
        return "a private or reserved address"
    return None


def check(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> tuple[Target, list[str]]:
    """The target and the addresses it may be reached at, or TargetRefused with the reason."""
    target = parse(url)
    addresses = resolve(target.host, target.port)
    if not addresses:
        raise TargetRefused(f"the host {target.host!r} does not resolve")
    if not allow_private:
        for address in addresses:
            why = refusal(address)
            if why is not None:
                raise TargetRefused(
                    f"{target.host} resolves to {address}, {why}: webhooks go to public addresses only "
                    "(CREDLENS_WEBHOOKS_ALLOW_PRIVATE=1 allows others, for tests and single-host setups)"
                )
    return target, addresses
