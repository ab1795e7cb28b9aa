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
from lipsync_core.formats import number
from lipsync_core.i18n import _
from lipsync_core.providers.ausynclab import (
    AusyncLabClient,
    AusyncLabState,
    GeneratedVideo,
    RegisteredVideo,
)
from ui import keys
from ui.browser_media import picture_cell
from ui.library import details
from ui.library.actions import (
    ask_delete,
    cancel_delete,
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
    STATE_HELP,
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
ROW_HEIGHT = 72  # px: a thumbnail a person can recognise (the default row is 35 px)


@dataclass(frozen=True)
class Listing:
    """One shelf as fetched: its videos, or the sentence saying why they could not be."""

    videos: list[Video] | None
    error: str | None = None


def render_library(runtime: Runtime, client: AusyncLabClient) -> None:
    busy = bool(st.session_state.get(keys.LIBRARY_BUSY))
    view = st.fragment(_library, run_every=REFRESH_SECONDS if busy else None)
    view(runtime, client)


def _library(runtime: Runtime, client: AusyncLabClient) -> None:
    # Here, not before the fragment: the generate form's button reruns only the fragment.
    render_pending_generation(runtime)
    listings = {REGISTERED: _fetch(client.list_registered_videos)}
    listings[GENERATED] = _fetch(client.list_generated_videos)
    _follow_busy(listings.values())
    for message in current_flashes():
        getattr(st, message.level)(plain(message.text))
        if message.status_link:
            st.page_link("views/status_page.py", label=_("Open the Status page"), icon="➡️")
    when = local_time(st.context.timezone)
    tabs = st.tabs(
        [_(shelf.title) for shelf in SHELVES.values()], key=keys.LIBRARY_TAB, on_change="rerun"
    )
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
        st.info(_(shelf.none_yet))
        return
    shown = _filtered(shelf, videos, when)
    if not shown:
        st.info(_(shelf.no_match))
        return
    st.dataframe(
        table(shown, when, picture_cell),
        column_config=_columns(shelf, when),
        hide_index=True,
        width="stretch",
        row_height=ROW_HEIGHT,
    )
    _actions(shelf, shown, when, runtime, client)
    if shelf.kind == REGISTERED:
        chosen = _chosen(shelf, shown)
        if isinstance(chosen, RegisteredVideo):
            generate_form(runtime, chosen)


def _filtered(shelf: Shelf, videos: list[Video], when: LocalTime) -> list[Video]:
    search_col, state_col = st.columns([3, 2])
    search = search_col.text_input(
        _("Search by name"), key=shelf.key(keys.LIBRARY_SEARCH), placeholder=_("Part of a name")
    )
    states = state_col.multiselect(
        _("State"),
        list(AusyncLabState),
        format_func=STATE_BADGES.get,
        key=shelf.key(keys.LIBRARY_STATES),
        placeholder=_("Any state"),
        help=_(STATE_HELP),
    )
    shown = newest_first(filter_videos(videos, search, states))
    counts = {"shown": number(len(shown)), "total": number(len(videos))}
    if when.from_browser:
        said = _("{shown} of {total} shown, newest first. Times in your time zone ({zone}).")
        st.caption(said.format(**counts, zone=when.label))
    else:
        said = _(
            "{shown} of {total} shown, newest first. Times in UTC (your browser did not say its "
            "time zone)."
        )
        st.caption(said.format(**counts))
    return shown


def _columns(shelf: Shelf, when: LocalTime) -> dict[str, object]:
    common = {
        "thumbnail": st.column_config.ImageColumn(
            _("Thumbnail"), width="medium", help=_("Details shows it bigger")
        ),
        "id": st.column_config.NumberColumn(_("ID"), format="%d", width="small"),
        "name": st.column_config.TextColumn(_("Name")),
        "state": st.column_config.TextColumn(_("State"), width="medium", help=_(STATE_HELP)),
        "created": st.column_config.DatetimeColumn(
            _("Created ({zone})").format(zone=when.label), format="YYYY-MM-DD HH:mm:ss"
        ),
    }
    if shelf.kind == GENERATED:
        made_from = st.column_config.TextColumn(
            _("Made from"), help=_("The registered video it was made from"), width="small"
        )
        return {**common, "registered_video_id": made_from}
    return common


def _chosen(shelf: Shelf, shown: list[Video]) -> Video:
    by_id = {video.id: video for video in shown}
    chosen = st.session_state.get(shelf.key(keys.LIBRARY_CHOICE))
    return by_id.get(chosen, shown[0])


def _actions(
    shelf: Shelf, shown: list[Video], when: LocalTime, runtime: Runtime, client: AusyncLabClient
) -> None:
    by_id = {video.id: video for video in shown}
    choice = st.selectbox(
        _(shelf.choose),
        list(by_id),
        format_func=lambda video_id: label(by_id[video_id]),
        key=shelf.key(keys.LIBRARY_CHOICE),
    )
    video = by_id[choice]
    opening, playing, delete = st.columns(3)
    opening.button(
        _("Details"),
        key=shelf.key(keys.LIBRARY_DETAILS_BUTTON),
        on_click=open_details,
        args=(shelf.kind, video.id),
        width="stretch",
    )
    if isinstance(video, GeneratedVideo):
        playing.button(
            _("▶ Play"),
            key=shelf.key(keys.LIBRARY_PLAY_BUTTON),
            on_click=play,
            args=(video.id,),
            disabled=not video.output_video_url,
            width="stretch",
        )
    delete.button(
        _("🗑 Delete…"),
        key=shelf.key(keys.LIBRARY_DELETE_BUTTON),
        on_click=ask_delete,
        args=(shelf.kind, video.id, title(video)),
        width="stretch",
    )
    details.player(runtime, by_id)
    details.details(shelf, when, runtime, client)


def _confirm_delete(runtime: Runtime, client: AusyncLabClient, what: str) -> None:
    """The dialog, titled in the reader's language (so made here, not at import)."""
    dialog = st.dialog(_("Delete this video?"), on_dismiss=cancel_delete)
    dialog(_delete_dialog)(runtime, client, what)


def _delete_dialog(runtime: Runtime, client: AusyncLabClient, what: str) -> None:
    """A dialog reruns only itself: each answer reruns the page, which closes it."""
    st.write(
        _(
            "{what} will be deleted at AusyncLab, for everyone on the team: the account is "
            "shared, so nobody will find it there any more. This cannot be undone."
        ).format(what=plain(what))
    )
    yes, no = st.columns(2)
    if yes.button(_("Delete"), key=keys.LIBRARY_CONFIRM_BUTTON, type="primary", width="stretch"):
        delete_confirmed(runtime, client)
        st.rerun()
    if no.button(_("Cancel"), key=keys.LIBRARY_CANCEL_BUTTON, width="stretch"):
        cancel_delete()
        st.rerun()
