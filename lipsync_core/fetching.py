"""``requests`` sessions for fetches made on the server, every connection through the address guard.

:func:`guarded_session` mounts an adapter whose urllib3 connections resolve the host and check
each address with :func:`lipsync_core.address_guard.checked_addresses` when they connect, then
connect to a checked address (never resolving the name a second time). Redirects are followed by
hand in :func:`get` (each hop is a new request, so a new check); environment proxies are not used,
since a proxy would connect on our behalf to an address the guard never saw. The hook is urllib3's
``HTTPConnection._new_conn``, the one place a connection's socket is made (urllib3 2.x).
"""

from __future__ import annotations

import socket
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.poolmanager import PoolManager
from urllib3.util.connection import create_connection

from lipsync_core.address_guard import AddressRefusedError, checked_addresses
from lipsync_core.errors import LipsyncError
from lipsync_core.i18n import _

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
Timeout = float | tuple[float, float]


class RedirectError(LipsyncError):
    """A link redirected nowhere, or more times than a fetch follows."""


# The errors a guarded fetch raises besides HTTP answers: refused, redirected badly, or network.
FETCH_ERRORS = (AddressRefusedError, RedirectError, requests.RequestException)


class _GuardedConnect:
    """Makes the socket of a urllib3 connection, to an address the guard checked."""

    host: str
    port: int
    timeout: Any
    source_address: tuple[str, int] | None
    socket_options: Any

    def __init__(self, *args: Any, allowed_hosts: frozenset[str] = frozenset(), **kw: Any) -> None:
        self.allowed_hosts = allowed_hosts
        super().__init__(*args, **kw)

    def _new_conn(self) -> socket.socket:
        error: OSError | None = None
        for address in checked_addresses(self.host, self.port, self.allowed_hosts):
            try:
                return create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
            except OSError as exc:
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")


class GuardedHTTPConnection(_GuardedConnect, HTTPConnection):
    """An HTTP connection to a checked address."""


class GuardedHTTPSConnection(_GuardedConnect, HTTPSConnection):
    """An HTTPS connection to a checked address; the certificate is checked for the host."""


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class _GuardedPoolManager(PoolManager):
    """Pools whose connections go through the guard, each told the caller's trusted hosts."""

    def __init__(self, *args: Any, allowed_hosts: frozenset[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.allowed_hosts = allowed_hosts
        self.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        context = dict(self.connection_pool_kw if request_context is None else request_context)
        context["allowed_hosts"] = self.allowed_hosts  # handed on to each connection
        return super()._new_pool(scheme, host, port, context)


class GuardedAdapter(HTTPAdapter):
    """A transport adapter whose connections are checked by the address guard; no proxies."""

    def __init__(self, allowed_hosts: Collection[str] = ()) -> None:
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        super().__init__(max_retries=0)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager = _GuardedPoolManager(
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            allowed_hosts=self.allowed_hosts,
            **pool_kwargs,
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise AddressRefusedError(_("This app does not fetch media through a proxy."))


def guarded_session(allowed_hosts: Collection[str] = ()) -> requests.Session:
    """A session for server-side fetches; ``allowed_hosts`` are trusted besides the defaults."""
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the environment
    adapter = GuardedAdapter(allowed_hosts)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def get(
    session: requests.Session,
    url: str,
    *,
    timeout: Timeout,
    headers: Mapping[str, str] | None = None,
    max_redirects: int = MAX_REDIRECTS,
) -> requests.Response:
    """GET ``url`` as a stream, following up to ``max_redirects`` redirects one hop at a time.

    The answer that is not a redirect is returned open (close it, or use it in ``with``).
    """
    for _hop in range(max_redirects + 1):
        check_scheme(url)
        response = session.get(
            url, stream=True, timeout=timeout, headers=headers, allow_redirects=False
        )
        if response.status_code not in REDIRECT_STATUSES:
            return response
        location = response.headers.get("Location")
        response.close()  # a redirect's body is never read: it could be endless
        if not location:
            raise RedirectError(_("The server redirected this link to nowhere."))
        url = urljoin(url, location)
    raise RedirectError(_("This link redirects too many times."))


def post_json(
    session: requests.Session, url: str, payload: Any, *, timeout: Timeout
) -> requests.Response:
    """POST ``payload`` as JSON to ``url``; a redirect is not followed (it is the answer)."""
    check_scheme(url)
    return session.post(url, json=payload, timeout=timeout, allow_redirects=False)


def check_scheme(url: str) -> None:
    """Refuse, in plain words, a link that is not http or https."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRefusedError(
            _("Only http and https links are fetched; this link starts with '{scheme}:'.").format(
                scheme=scheme
            )
        )
