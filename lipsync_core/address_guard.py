"""The one address guard for fetches this app makes on the server: public addresses only.

A link given by a person or a provider could point at this machine, at the team's private
network, or at a file on the server. Every server-side fetch (the media probe, result downloads,
the dashboard's browser media, the sandbox's media and callbacks) goes through this module:

- an http(s) host is resolved and every address it resolves to must be public, unless the host
  is trusted; the connection then goes to an address that was checked, so a second DNS answer
  cannot point it elsewhere. Redirects are followed by hand, each hop checked the same way;
- trusted hosts are this process's own servers (the embedded sandbox and the receiver register
  themselves while they run, as ``host:port``), the deployment's ``LIPSYNC_FETCH_ALLOW``
  (comma-separated ``host`` or ``host:port``, read at each fetch), and what a caller names;
- a ``file://`` link is read only when it names a file inside the deployment's uploads folder
  (``<LIPSYNC_DATA_DIR>/uploads``, where the dashboard keeps every file a person gives it) or the
  shipped ``samples`` folder (public sample media), after symbolic links are resolved.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from lipsync_core.config import FETCH_ALLOW, fetch_settings
from lipsync_core.errors import ConfigurationError, MediaValidationError
from lipsync_core.flows.sources import UPLOADS
from lipsync_core.i18n import _

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"

_own_services: Counter[str] = Counter()
_own_lock = threading.Lock()


class AddressRefusedError(MediaValidationError):
    """A link points where this app does not fetch from: this machine, a private network, a
    file outside the uploads folder, or a scheme other than http(s)."""


@dataclass(frozen=True)
class Target:
    """One http(s) URL whose host was resolved and checked, and the address to connect to."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def add_own_service(host: str, port: int) -> None:
    """Trust ``host:port`` while this process serves it (the sandbox and the receiver)."""
    with _own_lock:
        _own_services[_entry(host, port)] += 1


def remove_own_service(host: str, port: int) -> None:
    """Stop trusting ``host:port``: the server that registered it has stopped."""
    with _own_lock:
        entry = _entry(host, port)
        _own_services[entry] -= 1
        if _own_services[entry] <= 0:
            del _own_services[entry]


def trusted_hosts(extra: Collection[str] = ()) -> frozenset[str]:
    """``extra``, this process's own servers, and the deployment's ``LIPSYNC_FETCH_ALLOW``."""
    try:
        allow = fetch_settings().allow
    except ConfigurationError as exc:
        raise AddressRefusedError(str(exc)) from exc
    with _own_lock:
        own = set(_own_services)
    return frozenset(entry.lower() for entry in (*extra, *own, *allow))


def checked_target(url: str, allowed_hosts: Collection[str] = ()) -> Target:
    """The http(s) ``url`` resolved and checked, with the address to connect to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRefusedError(
            _(
                "Only http and https links can be checked; this link starts with '{scheme}:'."
            ).format(scheme=scheme)
        )
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefusedError(_("This link has an invalid port number.")) from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise AddressRefusedError(_("This link has no host name."))
    address = checked_addresses(host, port, allowed_hosts)[0]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, address, path)


def checked_addresses(host: str, port: int, allowed_hosts: Collection[str] = ()) -> list[str]:
    """Every address ``host`` resolves to, all public unless the host is trusted.

    Raises :class:`AddressRefusedError` when the host cannot be found or one of its addresses
    is on this machine or a private, shared, link-local, reserved or multicast network.
    """
    host = host.strip("[]").lower()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefusedError(
            _("The host name {host} could not be found.").format(host=host)
        ) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if _is_allowed(host, port, trusted_hosts(allowed_hosts)):
        return addresses
    for address in addresses:
        if not _is_public(address):
            raise AddressRefusedError(
                _(
                    "This link points to {address}, a local or private network address; this app "
                    "only fetches from public addresses (an administrator can trust a host in "
                    "{setting})."
                ).format(address=address, setting=FETCH_ALLOW)
            )
    return addresses


def checked_file(url: str, roots: Collection[Path] | None = None) -> Path:
    """The file a ``file://`` link names, if it is inside one of ``roots`` (``None``: the
    uploads and the samples folder), symbolic links resolved."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise AddressRefusedError(_("A file link must name a file on this computer (file:///...)."))
    path = Path(url2pathname(parts.path))
    name = path.name or str(path)
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of symbolic links
        raise AddressRefusedError(_("The file {name} cannot be read.").format(name=name)) from exc
    folders = file_roots() if roots is None else [Path(root).resolve() for root in roots]
    if not any(resolved.is_relative_to(folder) for folder in folders):
        raise AddressRefusedError(
            _(
                "The file {name} is not in this app's uploads folder; only files given to the "
                "app (uploaded or chosen as a sample) are read from this computer."
            ).format(name=name)
        )
    if not resolved.is_file():
        raise AddressRefusedError(_("The file {name} does not exist.").format(name=name))
    return resolved


def file_roots() -> tuple[Path, ...]:
    """The folders whose files ``file://`` links may name: the uploads and the samples."""
    try:
        data_dir = fetch_settings().data_dir
    except ConfigurationError as exc:
        raise AddressRefusedError(str(exc)) from exc
    return ((data_dir / UPLOADS).resolve(), SAMPLES_DIR)


def _entry(host: str, port: int) -> str:
    host = host.strip("[]").lower()
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _is_allowed(host: str, port: int, allowed: frozenset[str]) -> bool:
    named = f"[{host}]" if ":" in host else host
    return bool(allowed & {host, named, f"{named}:{port}"})


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
