"""The library's two tabs, in a fragment that refreshes itself while a row is still working.

``st.fragment``'s ``run_every`` is fixed when the fragment is drawn, so the page remembers
whether any row was PENDING or PROCESSING, and reruns the whole page when that changes: the
tables then refresh every few seconds while something works, and not at all once nothing does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import streamlit as st

from lipsync_core.errors import LipsyncError
from lipsync_core.providers.ausynclab import (
    AusyncLabClient,
    AusyncLabState,
    GeneratedVideo,
    RegisteredVideo,
)
from ui import browser_media, keys
from ui.browser_media import picture_cell
from ui.library.actions import (
    ask_delete,
    cancel_delete,
    close_details,
    current_flashes,
    delete_confirmed,
    open_details,
    play,
    render_pending_generation,
)
from ui.library.forms import generate_form, register_form
from ui.library.table import (
    GENERATED,
    REGISTERED,
    SHELVES,
    STATE_BADGES,
    Shelf,
    Video,
    filter_videos,
    is_working,
    label,
    newest_first,
    table,
    title,
)
from ui.plain import plain
from ui.runtime import Runtime
from ui.timezones import LocalTime, local_time

REFRESH_SECONDS = 3.0


@dataclass(frozen=True)
class Listing:
    """One shelf as fetched: its videos, or the sentence saying why they could not be."""

    videos: list[Video] | None
    error: str | None = None


def render_library(runtime: Runtime, client: AusyncLabClient) -> None:
    render_pending_generation(runtime)
    busy = bool(st.session_state.get(keys.LIBRARY_BUSY))
    view = st.fragment(_library, run_every=REFRESH_SECONDS if busy else None)
    view(runtime, client)


def _library(runtime: Runtime, client: AusyncLabClient) -> None:
    listings = {REGISTERED: _fetch(client.list_registered_videos)}
    listings[GENERATED] = _fetch(client.list_generated_videos)
    _follow_busy(listings.values())
    for message in current_flashes():
        getattr(st, message.level)(plain(message.text))
        if message.status_link:
            st.page_link("views/status_page.py", label="Open the Status page", icon="➡️")
    when = local_time(st.context.timezone)
    tabs = st.tabs([shelf.title for shelf in SHELVES.values()])
    for tab, shelf in zip(tabs, SHELVES.values(), strict=True):
        with tab:
            if shelf.kind == REGISTERED:
                register_form(runtime, client)
            _shelf(shelf, listings[shelf.kind], when, runtime, client)
    if keys.LIBRARY_PENDING_DELETE in st.session_state:
        _confirm_delete(runtime, client, st.session_state[keys.LIBRARY_PENDING_DELETE][2])


def _fetch(list_call: Callable[[], Sequence[Video]]) -> Listing:
    try:
        return Listing(list(list_call()))
    except LipsyncError as exc:
        return Listing(None, str(exc))


def _follow_busy(listings: Iterable[Listing]) -> None:
    """Keep refreshing while a row works (or a list could not be read); rerun on a change."""
    known = [listing.videos for listing in listings if listing.videos is not None]
    was = bool(st.session_state.get(keys.LIBRARY_BUSY))
    unread = len(known) < len(SHELVES)
    now = any(is_working(videos) for videos in known) or (unread and was)
    if now != was:
        st.session_state[keys.LIBRARY_BUSY] = now
        st.rerun()


def _shelf(
    shelf: Shelf, listing: Listing, when: LocalTime, runtime: Runtime, client: AusyncLabClient
) -> None:
    if listing.error is not None:
        st.error(plain(listing.error))
        return
    videos = listing.videos or []
    if not videos:
        st.info(f"No {shelf.noun}s yet.")
        return
    shown = _filtered(shelf, videos, when)
    if not shown:
        st.info(f"No {shelf.noun} matches the search.")
        return
    st.dataframe(
        table(shown, when, picture_cell),
        column_config=_columns(shelf, when),
        hide_index=True,
        width="stretch",
    )
    _actions(shelf, shown, when, client)
    if shelf.kind == REGISTERED:
        chosen = _chosen(shelf, shown)
        if isinstance(chosen, RegisteredVideo):
            generate_form(runtime, chosen)


def _filtered(shelf: Shelf, videos: list[Video], when: LocalTime) -> list[Video]:
    search_col, state_col = st.columns([3, 2])
    search = search_col.text_input(
        "Search by name", key=shelf.key(keys.LIBRARY_SEARCH), placeholder="Part of a name"
    )
    states = state_col.multiselect(
        "State",
        list(AusyncLabState),
        format_func=STATE_BADGES.get,
        key=shelf.key(keys.LIBRARY_STATES),
        placeholder="Any state",
    )
    shown = newest_first(filter_videos(videos, search, states))
    zone = f"your time zone ({when.label})" if when.from_browser else "UTC"
    unknown = "" if when.from_browser else " (your browser did not say its time zone)"
    st.caption(f"{len(shown)} of {len(videos)} shown, newest first. Times in {zone}{unknown}.")
    return shown


def _columns(shelf: Shelf, when: LocalTime) -> dict[str, object]:
    common = {
        "thumbnail": st.column_config.ImageColumn("Thumbnail", width="small"),
        "id": st.column_config.NumberColumn("ID", format="%d", width="small"),
        "name": st.column_config.TextColumn("Name"),
        "state": st.column_config.TextColumn("State", width="small"),
        "created": st.column_config.DatetimeColumn(
            f"Created ({when.label})", format="YYYY-MM-DD HH:mm:ss"
        ),
    }
    if shelf.kind == GENERATED:
        return {
            **common,
            "registered_video_id": st.column_config.NumberColumn("From #", format="%d"),
            "output": st.column_config.LinkColumn("Result", display_text="Open video"),
            "audio": st.column_config.LinkColumn("Audio", display_text="Open audio"),
        }
    return {**common, "video": st.column_config.LinkColumn("Source", display_text="Open video")}


def _chosen(shelf: Shelf, shown: list[Video]) -> Video:
    by_id = {video.id: video for video in shown}
    chosen = st.session_state.get(shelf.key(keys.LIBRARY_CHOICE))
    return by_id.get(chosen, shown[0])


def _actions(shelf: Shelf, shown: list[Video], when: LocalTime, client: AusyncLabClient) -> None:
    by_id = {video.id: video for video in shown}
    choice = st.selectbox(
        f"Choose a {shelf.noun}",
        list(by_id),
        format_func=lambda video_id: label(by_id[video_id]),
        key=shelf.key(keys.LIBRARY_CHOICE),
    )
    video = by_id[choice]
    details, playing, delete = st.columns(3)
    details.button(
        "Details",
        key=shelf.key(keys.LIBRARY_DETAILS_BUTTON),
        on_click=open_details,
        args=(shelf.kind, video.id),
        width="stretch",
    )
    if isinstance(video, GeneratedVideo):
        playing.button(
            "▶ Play",
            key=shelf.key(keys.LIBRARY_PLAY_BUTTON),
            on_click=play,
            args=(video.id,),
            disabled=not video.output_video_url,
            width="stretch",
        )
    delete.button(
        "🗑 Delete…",
        key=shelf.key(keys.LIBRARY_DELETE_BUTTON),
        on_click=ask_delete,
        args=(shelf.kind, video.id, title(video)),
        width="stretch",
    )
    _player(shelf, by_id)
    _details(shelf, when, client)


def _player(shelf: Shelf, by_id: dict[int, Video]) -> None:
    playing = by_id.get(st.session_state.get(keys.LIBRARY_PLAYING, -1))
    if isinstance(playing, GeneratedVideo) and playing.output_video_url:
        playable = browser_media.video(playing.output_video_url)
        if playable is None:
            st.warning("This video could not be loaded here; use its link in the table.")
            return
        st.video(playable)
        st.caption(f"Playing {plain(title(playing))}.")


def _details(shelf: Shelf, when: LocalTime, client: AusyncLabClient) -> None:
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
            _detail_lines(video, when)
        st.button("Close details", key=shelf.key(keys.LIBRARY_CLOSE_BUTTON), on_click=close_details)


def _detail_lines(video: Video, when: LocalTime) -> None:
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
        lines.append(f"- From registered video: #{video.registered_video_id}")
        lines.append(f"- Audio: {plain(video.audio_url or '—')}")
        lines.append(f"- Result: {plain(video.output_video_url or 'not ready yet')}")
    else:
        lines.append(f"- Source video: {plain(video.video_url or '—')}")
    facts.markdown("\n".join(lines))


@st.dialog("Delete this video?", on_dismiss=cancel_delete)
def _confirm_delete(runtime: Runtime, client: AusyncLabClient, what: str) -> None:
    """A dialog reruns only itself: each answer reruns the page, which closes it."""
    st.write(
        f"{plain(what)} will be deleted at AusyncLab, for everyone on the team: the account is "
        "shared, so nobody will find it there any more. This cannot be undone."
    )
    yes, no = st.columns(2)
    if yes.button("Delete", key=keys.LIBRARY_CONFIRM_BUTTON, type="primary", width="stretch"):
        delete_confirmed(runtime, client)
        st.rerun()
    if no.button("Cancel", key=keys.LIBRARY_CANCEL_BUTTON, width="stretch"):
        cancel_delete()
        st.rerun()
