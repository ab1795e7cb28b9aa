"""Where a provider fetches a job's media from: the rule for files on this computer.

Providers fetch media by URL. The sandbox reads ``file://`` URLs directly; Kling also takes local
audio inline as base64; any other live provider needs a public address, which exists only when
``LIPSYNC_PUBLIC_BASE_URL`` says where this deployment serves the data directory's ``uploads/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import quote

from lipsync_core.config import Settings
from lipsync_core.errors import ConfigurationError, LipsyncError, provider_display_name
from lipsync_core.flows.model import JobInputs
from lipsync_core.i18n import _
from lipsync_core.providers.kling import sound_file_from_path

MediaKind = Literal["video", "audio"]
UPLOADS = "uploads"


def uploads_dir(settings: Settings) -> Path:
    """The folder whose files are served at ``<LIPSYNC_PUBLIC_BASE_URL>/uploads/``."""
    return settings.data_dir / UPLOADS


def public_url_for(path: str | Path, settings: Settings, *, provider: str | None = None) -> str:
    """The public address of an uploaded file, or a plain refusal saying what is missing."""
    name = provider_display_name(provider) if provider else None
    if not settings.public_base_url and name:
        words = _(
            "To send a file from your computer to {name}, set LIPSYNC_PUBLIC_BASE_URL to the "
            "public address where this app's uploads folder is served, or give a link to the "
            "file instead."
        )
        raise ConfigurationError(words.format(name=name))
    if not settings.public_base_url:
        raise ConfigurationError(
            _(
                "To send a file from your computer to a provider, set LIPSYNC_PUBLIC_BASE_URL to "
                "the public address where this app's uploads folder is served, or give a link to "
                "the file instead."
            )
        )
    folder = uploads_dir(settings).resolve()
    file = Path(path).resolve()
    if not file.is_relative_to(folder) and name:
        words = _(
            "The file {file} is not in the uploads folder ({folder}), so {name} cannot fetch "
            "it; upload it through the app or give a link to it instead."
        )
        raise ConfigurationError(words.format(file=file.name, folder=folder, name=name))
    if not file.is_relative_to(folder):
        words = _(
            "The file {file} is not in the uploads folder ({folder}), so a provider cannot "
            "fetch it; upload it through the app or give a link to it instead."
        )
        raise ConfigurationError(words.format(file=file.name, folder=folder))
    relative = file.relative_to(folder).as_posix()
    return f"{settings.public_base_url}/{UPLOADS}/{quote(relative)}"


def media_url(
    inputs: JobInputs, kind: MediaKind, *, provider: str, sandbox: bool, settings: Settings
) -> str:
    """The URL a provider fetches the video or audio from; a given URL wins over a path."""
    url = getattr(inputs, f"{kind}_url")
    path = getattr(inputs, f"{kind}_path")
    if url:
        return url
    if not path and kind == "video":
        raise MissingMediaError(_("No video was given; add a video file or link."))
    if not path:
        raise MissingMediaError(_("No audio was given; add a audio file or link."))
    if sandbox:
        return local_file(path, kind).as_uri()
    return public_url_for(local_file(path, kind), settings, provider=provider)


def kling_sound_file(inputs: JobInputs) -> str:
    """Kling's ``sound_file``: local audio inline as base64 (at most 5 MB), else its URL."""
    if inputs.audio_url:
        return inputs.audio_url
    if inputs.audio_path:
        return sound_file_from_path(local_file(inputs.audio_path, "audio"))
    raise MissingMediaError(_("No audio was given; add an audio file or link."))


def local_file(path: str | Path, kind: MediaKind) -> Path:
    file = Path(path).expanduser().resolve()
    if not file.is_file() and kind == "video":
        words = _("The video file {file} is no longer on this computer.")
        raise MissingMediaError(words.format(file=file.name))
    if not file.is_file():
        words = _("The audio file {file} is no longer on this computer.")
        raise MissingMediaError(words.format(file=file.name))
    return file


class MissingMediaError(LipsyncError):
    """A job's video or audio is missing, or its local file is gone."""
