"""The one address guard for fetches this app makes on the server: public addresses only.

A link given by a person or a provider could point at this machine or at the team's private
network. Before connecting, the host is resolved and every address it resolves to must be
public, unless the host (``host`` or ``host:port``) is explicitly allowed; the connection then
goes to the address that was checked, so a second DNS answer cannot point it elsewhere.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from lipsync_core.errors import MediaValidationError


@dataclass(frozen=True)
class Target:
    """One http(s) URL whose host was resolved and checked, and the address to connect to."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def checked_target(url: str, allowed_hosts: Collection[str]) -> Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise MediaValidationError(
            f"Only http and https links can be checked; this link starts with '{scheme}:'."
        )
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise MediaValidationError("This link has an invalid port number.") from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise MediaValidationError("This link has no host name.")
    address = _checked_address(host, port, _is_allowed(host, port, allowed_hosts))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, address, path)


def _is_allowed(host: str, port: int, allowed_hosts: Collection[str]) -> bool:
    allowed = {entry.lower() for entry in allowed_hosts}
    named = f"[{host}]" if ":" in host else host
    return bool(allowed & {host, named, f"{named}:{port}"})


def _checked_address(host: str, port: int, allowed: bool) -> str:
    """Resolve ``host`` and refuse it if any address is not public (unless ``allowed``)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaValidationError(f"The host name {host} could not be found.") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not allowed:
        for address in addresses:
            if not _is_public(address):
                raise MediaValidationError(
                    f"This link points to {address}, a local or private network address; "
                    "media is only read from public addresses."
                )
    return addresses[0]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand, whatever DNS says later."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The HTTPS twin of :class:`PinnedHTTPConnection`; certificates are checked for the host."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)
