"""Where the library's new media comes from: a link as given, or an upload saved to disk.

Uploads are kept under ``<data_dir>/uploads/library/`` with a name made from their content, so
the same file sent twice is stored once; the address AusyncLab fetches it from follows the
core's rule (:func:`lipsync_core.flows.sources.media_url`): a ``file://`` URL for the sandbox,
the ``LIPSYNC_PUBLIC_BASE_URL`` address when live.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lipsync_core import media
from lipsync_core.config import Connection
from lipsync_core.errors import MediaValidationError
from lipsync_core.flows.model import JobInputs
from lipsync_core.flows.sources import MediaKind, media_url, uploads_dir
from ui.runtime import Runtime
from ui.uploads import Upload

PROVIDER = "ausynclab"
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
    data = upload.getvalue()
    path = save_upload(upload.name, data, uploads_dir(runtime.settings) / "library")
    _check_media(path, kind)
    inputs = JobInputs(**{f"{kind}_path": str(path), f"{kind}_name": upload.name})
    return Source(_url(runtime, kind, inputs), inputs, f"file:{path.name}")


def save_upload(name: str, data: bytes, folder: Path) -> Path:
    """Write ``data`` once under ``folder`` (named by its content) and return the path."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    safe = UNSAFE.sub("_", Path(name).name).strip("._")[-80:] or "upload"
    path = folder / f"{digest}-{safe}"
    if path.is_file() and path.stat().st_size == len(data):
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".part-", delete=False) as part:
        part.write(data)
    os.replace(part.name, path)
    return path


def _check_media(path: Path, kind: MediaKind) -> None:
    info = media.probe(path)
    has = info.has_video if kind == "video" else info.has_audio
    if not has:
        raise MediaValidationError(f"The file {path.name.split('-', 1)[-1]} has no {kind} in it.")


def _url(runtime: Runtime, kind: MediaKind, inputs: JobInputs) -> str:
    sandbox = runtime.connection(PROVIDER) is Connection.SANDBOX
    return media_url(inputs, kind, provider=PROVIDER, sandbox=sandbox, settings=runtime.settings)
