"""What the pages' file pickers accept and hand back."""

from __future__ import annotations

from typing import Protocol

VIDEO_TYPES = ["mp4", "mov", "webm", "mkv", "avi"]
AUDIO_TYPES = ["mp3", "wav", "m4a", "aac", "ogg", "flac"]


class Upload(Protocol):
    """What ``st.file_uploader`` hands back (only what is used here)."""

    name: str

    def getvalue(self) -> bytes: ...
