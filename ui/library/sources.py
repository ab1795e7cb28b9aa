"""Where the library's new media comes from: a link as given, or an upload (or the shipped
sample) saved to disk.

Uploads are checked and kept by :func:`lipsync_core.uploads.keep_upload` under
``<data_dir>/uploads/``, exactly like the Submit page's (only media, named by content); the
address AusyncLab fetches it from follows the core's rule
(:func:`lipsync_core.flows.sources.media_url`): a ``file://`` URL for the sandbox, the
``LIPSYNC_PUBLIC_BASE_URL`` address when live.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lipsync_core.config import Connection
from lipsync_core.errors import MediaValidationError
from lipsync_core.flows.model import JobInputs
from lipsync_core.flows.sources import MediaKind, media_url, uploads_dir
from lipsync_core.i18n import N_, _, translate_stored
from lipsync_core.uploads import keep_file, keep_upload
from ui.runtime import Runtime
from ui.uploads import Upload

PROVIDER = "ausynclab"
SAMPLE_NAMES: dict[MediaKind, str] = {
    "video": N_("the sample video"),
    "audio": N_("the sample audio"),
}
"""How a sample is known: kept in English with the job, shown through ``translate_stored``."""
ONE_OF_THREE: dict[MediaKind, str] = {
    "video": N_("Give only one of a link, a file or the sample video."),
    "audio": N_("Give only one of a link, a file or the sample audio."),
}
NOT_BOTH: dict[MediaKind, str] = {
    "video": N_("Give either a link or a file for the video, not both."),
    "audio": N_("Give either a link or a file for the audio, not both."),
}
NONE_GIVEN: dict[MediaKind, str] = {
    "video": N_("Give a link to the video or choose a file."),
    "audio": N_("Give a link to the audio or choose a file."),
}


@dataclass(frozen=True)
class Source:
    """A chosen video or audio: the URL AusyncLab fetches, the job inputs it makes, and how the
    person knows it (the link, the uploaded file's name, "the sample video")."""

    url: str
    inputs: JobInputs
    fingerprint: str
    known_as: str

    def in_words(self, text: str) -> str:
        """``text`` (an error) naming the media as the person knows it, not by the name it is
        kept under on this computer (its content's hash)."""
        path = getattr(self.inputs, f"{self.kind}_path")
        if not path:
            return text
        known_as = translate_stored(self.known_as) or self.known_as
        for internal in (self.url, str(path), str(Path(path).resolve()), Path(path).name):
            text = text.replace(internal, known_as)
        return text

    @property
    def kind(self) -> MediaKind:
        return "video" if self.inputs.video_url or self.inputs.video_path else "audio"


class NoSourceError(MediaValidationError):
    """Neither a link nor a file was given, or both were."""


def choose(
    runtime: Runtime,
    kind: MediaKind,
    link: str | None,
    upload: Upload | None,
    *,
    sample: Path | None = None,
) -> Source:
    """The media from exactly one of ``link``, ``upload`` and ``sample``; a file is kept under
    the uploads and checked."""
    link = (link or "").strip()
    given = [bool(link), upload is not None, sample is not None]
    if sum(given) > 1 and sample is not None:
        raise NoSourceError(_(ONE_OF_THREE[kind]))
    if sum(given) > 1:
        raise NoSourceError(_(NOT_BOTH[kind]))
    if link:
        inputs = JobInputs(**{f"{kind}_url": link})
        return Source(_url(runtime, kind, inputs), inputs, f"url:{link}", link)
    folder = uploads_dir(runtime.settings)
    if sample is not None:
        path = keep_file(sample, folder, kind=kind)
        known_as = SAMPLE_NAMES[kind]
    elif upload is not None:
        path = keep_upload(upload.getvalue(), upload.name, folder, kind=kind)
        known_as = upload.name
    else:
        raise NoSourceError(_(NONE_GIVEN[kind]))
    inputs = JobInputs(**{f"{kind}_path": str(path), f"{kind}_name": known_as})
    return Source(_url(runtime, kind, inputs), inputs, f"file:{path.name}", known_as)


def _url(runtime: Runtime, kind: MediaKind, inputs: JobInputs) -> str:
    sandbox = runtime.connection(PROVIDER) is Connection.SANDBOX
    return media_url(inputs, kind, provider=PROVIDER, sandbox=sandbox, settings=runtime.settings)
