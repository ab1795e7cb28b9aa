"""Fixtures for client tests against scripted real-HTTP answers (pytest-httpserver)."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from lipsync_core import AusyncLabClient, KlingClient, TwinSyncClient
from lipsync_core.http import RetryPolicy

SENTINEL_KEY = "sk-SENTINEL-7f3a9c-do-not-leak"
FAST_RETRY = RetryPolicy(attempts=2, backoff_factor=0.01, backoff_max=0.05, retry_after_max=1)


@pytest.fixture
def ausynclab_scripted(httpserver: HTTPServer) -> AusyncLabClient:
    """An AusyncLab client whose base URL is a scripted local server."""
    return AusyncLabClient(
        SENTINEL_KEY, httpserver.url_for("/api/v1/lipsync"), timeout=2, retry=FAST_RETRY
    )


@pytest.fixture
def kling_scripted(httpserver: HTTPServer) -> KlingClient:
    return KlingClient(SENTINEL_KEY, httpserver.url_for(""), timeout=2, retry=FAST_RETRY)


@pytest.fixture
def twinsync_scripted(httpserver: HTTPServer) -> TwinSyncClient:
    return TwinSyncClient(SENTINEL_KEY, httpserver.url_for(""), timeout=2, retry=FAST_RETRY)
