"""The AusyncLab library's two shelves as tables: rows, badges, local times, search and filter.

Nothing here talks to AusyncLab or draws anything; it turns the client's videos into the
``DataFrame`` the page shows, so the rules can be read (and tested) in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from lipsync_core.i18n import N_, _
from lipsync_core.providers.ausynclab import AusyncLabState, GeneratedVideo, RegisteredVideo
from ui.timezones import LocalTime

Video = RegisteredVideo | GeneratedVideo
REGISTERED = "registered"
GENERATED = "generated"
STATE_BADGES = {
    AusyncLabState.PENDING: "⚪ PENDING",
    AusyncLabState.PROCESSING: "🟡 PROCESSING",
    AusyncLabState.COMPLETED: "🟢 COMPLETED",
    AusyncLabState.FAILED: "🔴 FAILED",
}
STATE_HELP = N_(
    "The state as AusyncLab writes it: PENDING or PROCESSING while AusyncLab works on the "
    "video, COMPLETED when it is ready, FAILED when it could not be done."
)
"""What the badges mean (the states themselves stay as AusyncLab writes them)."""
WORKING = frozenset({AusyncLabState.PENDING, AusyncLabState.PROCESSING})


@dataclass(frozen=True)
class Shelf:
    """One tab of the library: which list it shows and what it says about its videos (English,
    marked with ``N_``: shown through ``_()``)."""

    kind: str
    title: str
    none_yet: str  # "No registered videos yet."
    no_match: str  # "No registered video matches the search."
    choose: str  # the chooser's label
    deleted: str  # "Deleted the registered video {title}."

    def key(self, prefix: str) -> str:
        """A widget key of this shelf (the two tabs have the same widgets)."""
        return f"{prefix}_{self.kind}"


SHELVES = {
    REGISTERED: Shelf(
        REGISTERED,
        N_("Registered videos"),
        N_("No registered videos yet."),
        N_("No registered video matches the search."),
        N_("Choose a registered video"),
        N_("Deleted the registered video {title}."),
    ),
    GENERATED: Shelf(
        GENERATED,
        N_("Generated videos"),
        N_("No generated videos yet."),
        N_("No generated video matches the search."),
        N_("Choose a generated video"),
        N_("Deleted the generated video {title}."),
    ),
}


def filter_videos(
    videos: Iterable[Video], search: str = "", states: Sequence[AusyncLabState] = ()
) -> list[Video]:
    """The videos whose name contains ``search`` (any case) and whose state is chosen."""
    needle = search.strip().casefold()
    return [
        video
        for video in videos
        if (not needle or needle in (video.name or "").casefold())
        and (not states or video.state in states)
    ]


def newest_first(videos: Iterable[Video]) -> list[Video]:
    return sorted(videos, key=lambda v: (v.created_at or datetime.min.replace(tzinfo=UTC), v.id))[
        ::-1
    ]


def is_working(videos: Iterable[Video]) -> bool:
    """Whether some row may still change on its own (PENDING or PROCESSING)."""
    return any(video.state in WORKING for video in videos)


def table(
    videos: Sequence[Video], when: LocalTime, picture: Callable[[str | None], str | None]
) -> pd.DataFrame:
    """The rows of either shelf, in the order given; ``picture`` turns a thumbnail's link into
    what the table's picture cell shows."""
    return pd.DataFrame(
        [_row(video, when, picture) for video in videos],
        columns=["thumbnail", "id", "name", "state", "created", *_links(videos)],
    )


def _links(videos: Sequence[Video]) -> list[str]:
    """The generated shelf's extra column. Media links are not shown: they name ``file://``
    paths or the sandbox's own port, which a browser refuses or cannot reach; the page plays
    the chosen video through the dashboard instead (:mod:`ui.library.media`)."""
    if videos and isinstance(videos[0], GeneratedVideo):
        return ["registered_video_id"]
    return []


def _row(
    video: Video, when: LocalTime, picture: Callable[[str | None], str | None]
) -> dict[str, object]:
    row: dict[str, object] = {
        "thumbnail": picture(video.thumbnail_url),
        "id": video.id,
        "name": video.name or "",
        "state": STATE_BADGES[video.state],
        "created": _local(video.created_at, when),
    }
    if isinstance(video, GeneratedVideo):
        row["registered_video_id"] = from_words(video.registered_video_id)
    return row


def from_words(registered_video_id: int | None) -> str:
    """The registered video a generation was made from, as the table says it: ``#12`` or a dash
    when AusyncLab did not say."""
    return "—" if registered_video_id is None else f"#{registered_video_id}"


def _local(moment: datetime | None, when: LocalTime) -> datetime | None:
    """A naive datetime in the user's zone (the table shows it as it is)."""
    if moment is None:
        return None
    return moment.astimezone(when.zone).replace(tzinfo=None)


def label(video: Video) -> str:
    """How a video is named in choosers and dialogs."""
    name = video.name or _("(no name)")
    return f"#{video.id} · {name}"


def title(video: Video) -> str:
    """How a video is named in sentences: its id and name."""
    return f"#{video.id} “{video.name}”" if video.name else f"#{video.id}"
