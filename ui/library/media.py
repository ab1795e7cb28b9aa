"""The library's videos and audio as the dashboard serves them, never as raw links.

AusyncLab's lists name their media by link: ``file://`` paths in the sandbox (which a browser
refuses), the sandbox's own loopback port (which a teammate's machine cannot reach), or the
provider's public storage. What the page plays comes from here instead: a local copy (a job's
downloaded result, an uploaded file, a shipped sample), which Streamlit serves from the
dashboard's own address, or the bytes fetched on the server through the address guard.
Public links pass through: any browser reaches them.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from lipsync_core.address_guard import AddressRefusedError, checked_file
from lipsync_core.config import Connection
from lipsync_core.errors import ConfigurationError
from lipsync_core.providers.ausynclab import GeneratedVideo
from ui import browser_media
from ui.cards import local_or_url
from ui.runtime import Runtime


@dataclass(frozen=True)
class Playable:
    """What ``st.video``/``st.audio`` is given, its format, and a file name for downloading."""

    data: str | bytes
    format: str
    file_name: str

    def download(self) -> bytes | None:
        """The bytes for a download button (``None`` for a public link the player streams)."""
        if isinstance(self.data, bytes):
            return self.data
        path = Path(self.data)
        return path.read_bytes() if path.is_file() else None


def playable(link: str | None, *, default_format: str, name: str) -> Playable | None:
    """``link`` as the dashboard can play it, or ``None`` when it cannot be loaded."""
    if not link:
        return None
    data = _local(link) if link.startswith("file:") else browser_media.video(link)
    if data is None:
        return None
    format_ = mimetypes.guess_type(link.split("?", 1)[0])[0] or default_format
    suffix = mimetypes.guess_extension(format_) or ""
    return Playable(data, format_, name if name.endswith(suffix) else f"{name}{suffix}")


def result(runtime: Runtime, video: GeneratedVideo) -> Playable | None:
    """A generated video's result: the local copy of the job that made it, else its link."""
    name = f"lipsync-{video.id}"
    job = runtime.service.store.find_by_provider_job_id("ausynclab", str(video.id))
    sandbox = runtime.connection("ausynclab") is Connection.SANDBOX
    path = job.output_path if job is not None and job.sandbox == sandbox else None
    copy = local_or_url(path, None)
    if copy is not None:
        format_ = mimetypes.guess_type(copy)[0] or "video/mp4"
        return Playable(copy, format_, f"{name}{Path(copy).suffix}")
    return playable(video.output_video_url, default_format="video/mp4", name=name)


def _local(link: str) -> str | None:
    """The file a ``file://`` link names, if it is one the app may read (uploads, samples)."""
    try:
        return str(checked_file(link))
    except (AddressRefusedError, ConfigurationError):
        return None
