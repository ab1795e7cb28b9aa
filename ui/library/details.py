"""The chosen library video opened on the page: its player and its details, through the dashboard.

Nothing here shows a media link: the players and download buttons get what
:mod:`ui.library.media` serves from the dashboard's own address.
"""

from __future__ import annotations

import streamlit as st

from lipsync_core.errors import LipsyncError
from lipsync_core.formats import moment
from lipsync_core.i18n import N_, _
from lipsync_core.providers.ausynclab import AusyncLabClient, GeneratedVideo
from ui import browser_media, keys
from ui.library import media
from ui.library.actions import close_details
from ui.library.table import GENERATED, STATE_BADGES, Shelf, Video, from_words, title
from ui.plain import plain
from ui.runtime import Runtime
from ui.timezones import LocalTime

NOT_LOADED = N_(
    "{what} could not be loaded here (the link no longer answers, or it is not a media file)."
)


def player(runtime: Runtime, by_id: dict[int, Video]) -> None:
    """The generated video chosen with ▶ Play, with a download button when it is at hand."""
    playing = by_id.get(st.session_state.get(keys.LIBRARY_PLAYING, -1))
    if not isinstance(playing, GeneratedVideo) or not playing.output_video_url:
        return
    what = _("The result of {title}").format(title=title(playing))
    _video(media.result(runtime, playing), what, "play")
    st.caption(_("Playing {title}.").format(title=plain(title(playing))))


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
        st.button(
            _("Close details"), key=shelf.key(keys.LIBRARY_CLOSE_BUTTON), on_click=close_details
        )


def _facts(video: Video, when: LocalTime) -> None:
    picture, facts = st.columns([1, 2])
    thumbnail = browser_media.picture(video.thumbnail_url)
    if thumbnail:
        picture.image(thumbnail, width="stretch")
    if video.created_at:
        created = f"{moment(video.created_at, when.zone)} ({when.label})"
    else:
        created = _("unknown")
    lines = [
        f"**{plain(title(video))}**",
        "- " + _("State: {state}").format(state=STATE_BADGES[video.state]),
        "- " + _("Created: {moment}").format(moment=created),
    ]
    if isinstance(video, GeneratedVideo):
        made_from = from_words(video.registered_video_id)
        lines.append("- " + _("Made from registered video: {video}").format(video=made_from))
    facts.markdown("\n".join(lines))


def _media(video: Video, runtime: Runtime) -> None:
    if not isinstance(video, GeneratedVideo):
        name = f"source-{video.id}"
        source = media.playable(video.video_url, default_format="video/mp4", name=name)
        _video(source, _("The source video"), "source")
        return
    if video.output_video_url:
        _video(media.result(runtime, video), _("The result"), "result")
    else:
        st.caption(_("The result is not ready yet."))
    sound = media.playable(video.audio_url, default_format="audio/mpeg", name=f"audio-{video.id}")
    st.markdown(_("**The audio**"))
    if sound is None:
        st.caption(_(NOT_LOADED).format(what=_("The audio")))
        return
    st.audio(sound.data, format=sound.format)


def _video(playable: media.Playable | None, what: str, key: str) -> None:
    st.markdown(f"**{plain(what)}**")
    if playable is None:
        st.caption(_(NOT_LOADED).format(what=plain(what)))
        return
    st.video(playable.data, format=playable.format)
    data = playable.download()
    if data is not None:
        st.download_button(
            _("⬇ Download"), data, file_name=playable.file_name, mime=playable.format,
            key=f"{keys.LIBRARY_DOWNLOAD}_{key}", on_click="ignore",
        )  # fmt: skip
