"""Files people upload: kept only when their content is video or audio, named by that content.

One module for every uploader (the Submit page, the AusyncLab library page, the shipped samples).
The bytes are written to a private temporary file under ``<data_dir>/uploads/`` while their
SHA-256 is computed, then probed with PyAV (:func:`lipsync_core.media.probe`: the file must hold
a video or an audio stream and must not be a still picture or text read as pictures) and only
then renamed to ``<first 32 hex digits of the SHA-256>.<extension>``. The extension is the
uploaded name's own, and it must be one of :data:`MEDIA_TYPES`; the rest of the name a person
gave is never used on disk, so no name is too long for the file system, holds a path, or chooses
how the receiver serves the file (:func:`media_type`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Literal

from lipsync_core.errors import MediaValidationError
from lipsync_core.i18n import N_, _
from lipsync_core.media import MediaInfo, probe

MediaKind = Literal["video", "audio"]

VIDEO_TYPES: dict[str, str] = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
}
AUDIO_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
}
MEDIA_TYPES: dict[str, str] = {**VIDEO_TYPES, **AUDIO_TYPES}
"""Every extension an upload may have, and the media type the receiver serves it with."""
OTHER_TYPE = "application/octet-stream"
HASH_CHARS = 32
CHUNK = 1024 * 1024
MISSING_KIND = {
    "video": N_("The file {name} has no video in it."),
    "audio": N_("The file {name} has no audio in it."),
}


def keep_upload(
    data: bytes | BinaryIO, name: str, folder: Path, *, kind: MediaKind | None = None
) -> Path:
    """Keep an uploaded file under ``folder`` if it is media (of ``kind``, when given).

    ``data`` is the file's bytes or a readable binary file; ``name`` is the name it was uploaded
    under (only its extension is used). Returns ``<folder>/<hash>.<extension>``, written once
    for the same content. Raises :class:`MediaValidationError` with a plain sentence, keeping
    nothing, when the file is not video or audio.
    """
    display = _display_name(name)
    extension = _extension(name, display)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=f".{extension}")
    try:
        with os.fdopen(handle, "wb") as out:
            digest = _copy(data, out)
        _check(Path(temporary), display, kind)
        target = folder / f"{digest[:HASH_CHARS]}.{extension}"
        if not target.is_file():
            os.replace(temporary, target)
        return target
    finally:
        Path(temporary).unlink(missing_ok=True)


def keep_file(source: Path, folder: Path, *, kind: MediaKind | None = None) -> Path:
    """Keep a file of this computer (a shipped sample) the same way as an upload."""
    with source.open("rb") as handle:
        return keep_upload(handle, source.name, folder, kind=kind)


def media_type(path: Path) -> str:
    """The media type a kept file is served with: by its extension, else a plain download."""
    return MEDIA_TYPES.get(path.suffix.lower().lstrip("."), OTHER_TYPE)


def accepted_words() -> tuple[str, str]:
    """``("mp4, mov, …", "flac")``: the extensions an upload may have, all but the last and the
    last, for a sentence that joins them with its own word for "or"."""
    names = list(MEDIA_TYPES)
    return ", ".join(names[:-1]), names[-1]


def _copy(data: bytes | BinaryIO, out: BinaryIO) -> str:
    digest = hashlib.sha256()
    if isinstance(data, bytes | bytearray | memoryview):
        digest.update(data)
        out.write(data)
        return digest.hexdigest()
    if data.seekable():
        data.seek(0)
    while chunk := data.read(CHUNK):
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


def _extension(name: str, display: str) -> str:
    extension = Path(name).suffix.lower().lstrip(".")
    if extension not in MEDIA_TYPES:
        extensions, last = accepted_words()
        raise MediaValidationError(
            _(
                "The file {name} is not a video or audio file this app takes: choose a file "
                "ending in {extensions} or {last}."
            ).format(name=display, extensions=extensions, last=last)
        )
    return extension


def _check(path: Path, display: str, kind: MediaKind | None) -> None:
    try:
        info = probe(path)
    except MediaValidationError as exc:
        # The probe names the temporary file; the person knows the file by its own name.
        raise MediaValidationError(str(exc).replace(path.name, display)) from None
    if kind is not None and not _has(info, kind):
        raise MediaValidationError(_(MISSING_KIND[kind]).format(name=display))


def _has(info: MediaInfo, kind: MediaKind) -> bool:
    return info.has_video if kind == "video" else info.has_audio


def _display_name(name: str) -> str:
    """The uploaded name as a sentence may show it: its last part, at most 80 characters."""
    base = Path(name).name or _("(no name)")
    return base if len(base) <= 80 else base[:40] + "…" + base[-20:]


__all__ = [
    "AUDIO_TYPES",
    "MEDIA_TYPES",
    "VIDEO_TYPES",
    "accepted_words",
    "keep_file",
    "keep_upload",
    "media_type",
]
