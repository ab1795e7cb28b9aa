"""What the pages' file pickers accept and hand back.

The extensions come from :mod:`lipsync_core.uploads`, which checks every kept upload by its
content; the pickers only spare people choosing a file that would be refused.
"""

from __future__ import annotations

from typing import Protocol

from lipsync_core import uploads

VIDEO_TYPES = list(uploads.VIDEO_TYPES)
AUDIO_TYPES = list(uploads.AUDIO_TYPES)


class Upload(Protocol):
    """What ``st.file_uploader`` hands back (only what is used here)."""

    name: str

    def getvalue(self) -> bytes: ...
