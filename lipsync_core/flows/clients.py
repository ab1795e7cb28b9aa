"""The provider clients a job service uses: one per provider and per thread.

``requests.Session`` is not guaranteed to be thread-safe, and the job service is shared by every
browser session and by the background refresher, so clients are built per thread from
factories. A ready client instance is accepted too (for single-threaded scripts and tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import partial
from urllib.parse import urlsplit

from lipsync_core.config import PROVIDERS, Connection, Settings
from lipsync_core.errors import ConfigurationError, provider_display_name
from lipsync_core.i18n import _
from lipsync_core.providers.ausynclab import AusyncLabClient
from lipsync_core.providers.kling import KlingClient
from lipsync_core.providers.twinsync import TwinSyncClient

Client = AusyncLabClient | KlingClient | TwinSyncClient
ClientSource = Client | Callable[[], Client]
CLIENT_CLASSES: dict[str, type[Client]] = {
    "ausynclab": AusyncLabClient,
    "kling": KlingClient,
    "twinsync": TwinSyncClient,
}
SANDBOX_KEY = "sandbox"


def client_factories(
    settings: Settings,
    *,
    sandbox_base_urls: Mapping[str, str] | None = None,
    sandbox_key: str = SANDBOX_KEY,
    timeout: float = 30.0,
) -> dict[str, Callable[[], Client]]:
    """A factory per provider that is not Off: live with its key, or the running sandbox."""
    factories: dict[str, Callable[[], Client]] = {}
    for provider in PROVIDERS:
        connection = settings.connection(provider)
        cls = CLIENT_CLASSES[provider]
        if connection is Connection.LIVE:
            entry = settings.providers[provider]
            key = entry.api_key.reveal() if entry.api_key else ""
            factories[provider] = partial(cls, key, entry.base_url, timeout=timeout)
        elif connection is Connection.SANDBOX:
            if not sandbox_base_urls or provider not in sandbox_base_urls:
                words = _("{name} is set to use the sandbox, but the sandbox is not running.")
                raise ConfigurationError(words.format(name=provider_display_name(provider)))
            url = sandbox_base_urls[provider]
            factories[provider] = partial(cls, sandbox_key, url, timeout=timeout)
    return factories


class ClientPool:
    """Hands each thread its own client per provider (or the one shared instance given)."""

    def __init__(self, clients: Mapping[str, ClientSource]) -> None:
        self._instances = {p: c for p, c in clients.items() if isinstance(c, Client)}
        self._factories = {p: c for p, c in clients.items() if not isinstance(c, Client)}
        self._local = threading.local()

    @property
    def providers(self) -> frozenset[str]:
        return frozenset(self._instances) | frozenset(self._factories)

    def get(self, provider: str) -> Client | None:
        if provider in self._instances:
            return self._instances[provider]
        factory = self._factories.get(provider)
        if factory is None:
            return None
        cache: dict[str, Client] = self._local.__dict__.setdefault("clients", {})
        if provider not in cache:
            cache[provider] = factory()
        return cache[provider]

    def host(self, provider: str) -> str | None:
        """``host:port`` of a provider's base URL (to let the prober reach the sandbox)."""
        client = self.get(provider)
        return urlsplit(client.base_url).netloc if client is not None else None
