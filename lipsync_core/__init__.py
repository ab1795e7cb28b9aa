"""A thin, synchronous, typed client library for three lip-sync APIs, and the jobs built on them."""

from lipsync_core.providers.ausynclab import AusyncLabClient
from lipsync_core.providers.kling import KlingClient
from lipsync_core.providers.twinsync import TwinSyncClient

__all__ = ["AusyncLabClient", "KlingClient", "TwinSyncClient"]
