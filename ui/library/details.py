"""The chosen library video opened on the page: its player and its details, through the dashboard.

Nothing here shows a media link: the players and download buttons get what
:mod:`ui.library.media` serves from the dashboard's own address.
"""

from __future__ import annotations

import streamlit as st

from lipsync_core.errors import LipsyncError
from lipsync_core.providers.ausynclab import AusyncLabClient, GeneratedVideo
from ui import browser_media, keys
from ui.library import media
from ui.library.actions import close_details
from ui.library.table import GENERATED, STATE_BADGES, Shelf, Video, from_words, title
from ui.plain import plain
from ui.runtime import Runtime
from ui.timezones import LocalTime

NOT_LOADED = "could not be loaded here (the link no longer answers, or it is not a media file)"


def player(runtime: Runtime, by_id: dict[int, Video]) -> None:
    """The generated video chosen with ▶ Play, with a download button when it is at hand."""
    playing = by_id.get(st.session_state.get(keys.LIBRARY_PLAYING, -1))
    if not isinstance(playing, GeneratedVideo) or not playing.output_video_url:
        return
    _video(media.result(runtime, playing), f"The result of {title(playing)}", "play")
    st.caption(f"Playing {plain(title(playing))}.")


def details(shelf: Shelf, when: LocalTime, runtime: Runtime, client: AusyncLabClient) -> None:
    """The opened video as AusyncLab describes it now, with its media playable."""
    opened = st.session_state.get(keys.LIBRARY_DETAILS)
    if not opened or opened[0] != shelf.kind:
        return
    get = client.get_generated_video if shelf.kind == GENERATED else client.get_registered_video
    with st.container(border=True):
        try:
            video = get(opened[1])
        except LipsyncError as exc:
            st.error(plain(exc))
        else:
            _facts(video, when)
            _media(video, runtime)
        st.button("Close details", key=shelf.key(keys.LIBRARY_CLOSE_BUTTON), on_click=close_details)


def _facts(video: Video, when: LocalTime) -> None:
    picture, facts = st.columns([1, 2])
    thumbnail = browser_media.picture(video.thumbnail_url)
    if thumbnail:
        picture.image(thumbnail, width="stretch")
    created = f"{when.format(video.created_at)} ({when.label})" if video.created_at else "unknown"
    lines = [
        f"**{plain(title(video))}**",
        f"- State: {STATE_BADGES[video.state]}",
        f"- Created: {created}",
    ]
    if isinstance(video, GeneratedVideo):
        lines.append(f"- Made from registered video: {from_words(video.registered_video_id)}")
    facts.markdown("\n".join(lines))


def _media(video: Video, runtime: Runtime) -> None:
    if not isinstance(video, GeneratedVideo):
        name = f"source-{video.id}"
        source = media.playable(video.video_url, default_format="video/mp4", name=name)
        _video(source, "The source video", "source")
        return
    if video.output_video_url:
        _video(media.result(runtime, video), "The result", "result")
    else:
        st.caption("The result is not ready yet.")
    sound = media.playable(video.audio_url, default_format="audio/mpeg", name=f"audio-{video.id}")
    st.markdown("**The audio**")
    if sound is None:
        st.caption(f"The audio {NOT_LOADED}.")
        return
    st.audio(sound.data, format=sound.format)


def _video(playable: media.Playable | None, what: str, key: str) -> None:
    st.markdown(f"**{plain(what)}**")
    if playable is None:
        st.caption(f"{plain(what)} {NOT_LOADED}.")
        return
    st.video(playable.data, format=playable.format)
    data = playable.download()
    if data is not None:
        st.download_button(
            "⬇ Download", data, file_name=playable.file_name, mime=playable.format,
            key=f"{keys.LIBRARY_DOWNLOAD}_{key}", on_click="ignore",
        )  # fmt: skip
