"""Pictures and videos any browser can load.

The embedded sandbox answers with links to itself on this server's loopback address
(``http://127.0.0.1:…``). A browser on the same machine loads them, but a teammate's browser
on another machine would ask its own computer and show nothing. Such links are fetched here and
handed to Streamlit as bytes, which serves them from the dashboard's own address; files on disk
and providers' public links pass through unchanged.

Only this app's own servers (the sandbox) and hosts trusted in ``LIPSYNC_FETCH_ALLOW`` are
fetched: every connection goes through the address guard (:mod:`lipsync_core.fetching`), so a
loopback link to anything else on this machine shows nothing rather than that thing's answer.
"""

from __future__ import annotations

import base64
import ipaddress
from urllib.parse import urlsplit

import streamlit as st

from lipsync_core.fetching import FETCH_ERRORS, get, guarded_session

MAX_PICTURE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 300 * 1024 * 1024
TIMEOUT = (3.05, 30)


def picture(source: str | None) -> str | bytes | None:
    """What ``st.image`` should be given for ``source`` (``None`` if it cannot be loaded)."""
    if not _on_loopback(source):
        return source
    fetched = _fetch_picture(source)
    return fetched[1] if fetched else None


def picture_cell(source: str | None) -> str | None:
    """What an ``ImageColumn`` cell should hold for ``source``: a link, or the picture itself
    as a ``data:`` URL."""
    if not _on_loopback(source):
        return source
    fetched = _fetch_picture(source)
    if fetched is None:
        return None
    content_type, data = fetched
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def video(source: str | None) -> str | bytes | None:
    """What ``st.video`` should be given for ``source`` (``None`` if it cannot be loaded)."""
    if not _on_loopback(source):
        return source
    fetched = _fetch_video(source)
    return fetched[1] if fetched else None


def _on_loopback(source: str | None) -> bool:
    if not source or not source.startswith(("http://", "https://")):
        return False
    host = urlsplit(source).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@st.cache_data(ttl=600, max_entries=500, show_spinner=False)
def _fetch_picture(url: str) -> tuple[str, bytes] | None:
    return _fetch(url, MAX_PICTURE_BYTES, "image/jpeg")


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _fetch_video(url: str) -> tuple[str, bytes] | None:
    return _fetch(url, MAX_VIDEO_BYTES, "video/mp4")


def _fetch(url: str, limit: int, default_type: str) -> tuple[str, bytes] | None:
    """The content type and bytes at ``url``; ``None`` when it fails or is over ``limit``."""
    try:
        with guarded_session() as session, get(session, url, timeout=TIMEOUT) as answer:
            if not answer.ok:
                return None
            data = bytearray()
            for chunk in answer.iter_content(chunk_size=256 * 1024):
                data += chunk
                if len(data) > limit:
                    return None
            content_type = answer.headers.get("Content-Type", default_type).split(";")[0]
            return content_type, bytes(data)
    except FETCH_ERRORS:
        return None
