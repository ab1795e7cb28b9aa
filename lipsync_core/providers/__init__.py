"""One module per provider: a client whose methods are the documented endpoints, 1:1."""

from lipsync_core.providers.ausynclab import AusyncLabClient
from lipsync_core.providers.kling import KlingClient
from lipsync_core.providers.twinsync import TwinSyncClient

__all__ = ["AusyncLabClient", "KlingClient", "TwinSyncClient"]
