"""AusyncLab registrations already made of a video, so the same video is not registered twice.

A Prime job registers its video first; the AusyncLab library page registers videos too. Both look
here before registering: the account's own list (whoever made the registration: a job, the
library page, AusyncLab's website) is searched for one whose source is the very link AusyncLab
would be sent (the same link, or the same uploaded file, whose name is its content's hash).
"""

from __future__ import annotations

from collections.abc import Collection

from lipsync_core.config import Settings
from lipsync_core.errors import LipsyncError
from lipsync_core.flows.model import JobInputs
from lipsync_core.flows.sources import media_url
from lipsync_core.providers.ausynclab import AusyncLabClient, AusyncLabState, RegisteredVideo

PROVIDER = "ausynclab"

USABLE = frozenset({AusyncLabState.COMPLETED})
"""A job reuses only a registration ready to generate from."""
ON_ITS_WAY = frozenset({AusyncLabState.PENDING, AusyncLabState.PROCESSING, *USABLE})
"""The library does not register again a video whose registration is ready or still working."""


def registration_for(
    client: AusyncLabClient, source_url: str, states: Collection[AusyncLabState] = USABLE
) -> RegisteredVideo | None:
    """The newest registration of the account made from ``source_url`` in one of ``states``;
    ``None`` when there is none or the list cannot be read (then registering is the way)."""
    try:
        videos = client.list_registered_videos()
    except LipsyncError:
        return None
    found = [v for v in videos if v.video_url == source_url and v.state in states]
    return max(found, key=lambda video: video.id, default=None)


def registered_copy(
    client: object, inputs: JobInputs, *, sandbox: bool, settings: Settings
) -> int | None:
    """The id of a COMPLETED registration of the job's video in the account, if there is one
    (``client`` is the job service's AusyncLab client, ``None`` when AusyncLab is off)."""
    if not isinstance(client, AusyncLabClient):
        return None
    try:
        url = media_url(inputs, "video", provider=PROVIDER, sandbox=sandbox, settings=settings)
    except LipsyncError:
        return None
    found = registration_for(client, url)
    return found.id if found is not None else None
