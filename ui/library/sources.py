"""Where the library's new media comes from: a link as given, or an upload saved to disk.

Uploads are checked and kept by :func:`lipsync_core.uploads.keep_upload` under
``<data_dir>/uploads/``, exactly like the Submit page's (only media, named by content); the
address AusyncLab fetches it from follows the core's rule
(:func:`lipsync_core.flows.sources.media_url`): a ``file://`` URL for the sandbox, the
``LIPSYNC_PUBLIC_BASE_URL`` address when live.
"""

from __future__ import annotations

from dataclasses import dataclass

from lipsync_core.config import Connection
from lipsync_core.errors import MediaValidationError
from lipsync_core.flows.model import JobInputs
from lipsync_core.flows.sources import MediaKind, media_url, uploads_dir
from lipsync_core.uploads import keep_upload
from ui.runtime import Runtime
from ui.uploads import Upload

PROVIDER = "ausynclab"


@dataclass(frozen=True)
class Source:
    """A chosen video or audio: the URL AusyncLab fetches, and the job inputs it makes."""

    url: str
    inputs: JobInputs
    fingerprint: str


class NoSourceError(MediaValidationError):
    """Neither a link nor a file was given, or both were."""


def choose(runtime: Runtime, kind: MediaKind, link: str | None, upload: Upload | None) -> Source:
    """The media from exactly one of ``link`` and ``upload``; an upload is saved and checked."""
    link = (link or "").strip()
    if link and upload is not None:
        raise NoSourceError(f"Give either a link or a file for the {kind}, not both.")
    if link:
        inputs = JobInputs(**{f"{kind}_url": link})
        return Source(_url(runtime, kind, inputs), inputs, f"url:{link}")
    if upload is None:
        raise NoSourceError(f"Give a link to the {kind} or choose a file.")
    path = keep_upload(upload.getvalue(), upload.name, uploads_dir(runtime.settings), kind=kind)
    inputs = JobInputs(**{f"{kind}_path": str(path), f"{kind}_name": upload.name})
    return Source(_url(runtime, kind, inputs), inputs, f"file:{path.name}")


def _url(runtime: Runtime, kind: MediaKind, inputs: JobInputs) -> str:
    sandbox = runtime.connection(PROVIDER) is Connection.SANDBOX
    return media_url(inputs, kind, provider=PROVIDER, sandbox=sandbox, settings=runtime.settings)
