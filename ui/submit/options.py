"""The submit page's choice of providers/models and their options (AusyncLab's only: Kling's face
choice comes after its face identification, TwinSync has none)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lipsync_core.errors import LipsyncError
from lipsync_core.flows.model import MODELS, JobOptions, JobState, map_provider_state
from lipsync_core.i18n import N_, _, translate_stored
from lipsync_core.providers.ausynclab import SYNC_MODE_DESCRIPTIONS, SyncMode
from ui import keys
from ui.labels import sync_mode_words, target_label
from ui.plain import plain
from ui.provider_words import provider_help
from ui.runtime import Runtime
from ui.submit import kept

Target = tuple[str, str]
REGISTER, DIRECT, REGISTERED = "register", "direct", "registered"
PRIME_ROUTES = {
    REGISTER: N_(
        "Register this video at AusyncLab first, then lip-sync it (the usual way for Prime)"
    ),
    DIRECT: N_(
        "Send the video straight away, without registering it (follows the length rule below)"
    ),
    REGISTERED: N_("Use a video already registered at AusyncLab"),
}
PRIME_ROUTE_HELP = N_(
    "AusyncLab Prime normally works on a video registered (uploaded and prepared) at AusyncLab "
    "beforehand; the dashboard registers it for you. It can also take the video directly "
    "(AusyncLab's generate-lipsync-v2 request), which then follows the length rule below."
)
SYNC_MODE_LABEL = N_("When the video and the audio differ in length")
SYNC_MODE_HELP = N_(
    "AusyncLab calls this the sync mode: it decides how the video is stretched, repeated or "
    "cut to last as long as the audio. Each choice shows AusyncLab's own name for it first."
)
REGISTERED_TTL = 30


@dataclass(frozen=True)
class AusyncLabChoice:
    """The AusyncLab options of the form: what goes into ``JobOptions`` and ``JobInputs``."""

    options: JobOptions
    registered_video_id: int | None = None
    missing: str | None = None  # a sentence when the chosen route is not complete


def all_targets(runtime: Runtime) -> list[Target]:
    return [(p, m) for p in runtime.available_providers() for m in MODELS[p]]


def choose_targets(runtime: Runtime) -> list[Target]:
    """One checkbox per provider/model that is Live or Sandbox; several make a comparison.

    Each "?" says what the provider is, its price and limits; ticks are kept across pages."""
    targets = all_targets(runtime)
    columns = st.columns(len(targets))
    chosen = []
    for column, target in zip(columns, targets, strict=True):
        key = keys.submit_target(*target)
        kept.restore(key, False)
        about = provider_help(*target, runtime.connection(target[0]).value)
        if kept.remember(key, column.checkbox(target_label(*target), key=key, help=about)):
            chosen.append(target)
    return chosen


def ausynclab_options(chosen: list[Target], runtime: Runtime) -> AusyncLabChoice:
    """Prime's route and the sync mode, asked only when an AusyncLab model is chosen."""
    models = {model for provider, model in chosen if provider == "ausynclab"}
    if not models:
        return AusyncLabChoice(JobOptions())
    route = REGISTER
    if "prime" in models:
        route = st.radio(
            _("AusyncLab Prime's video"),
            list(PRIME_ROUTES),
            format_func=lambda route: _(PRIME_ROUTES[route]),
            key=keys.SUBMIT_PRIME_ROUTE,
            help=_(PRIME_ROUTE_HELP),
        )
    sync_mode: str = SyncMode.LOOP.value
    if "nova" in models or route == DIRECT:
        sync_mode = st.selectbox(
            _(SYNC_MODE_LABEL),
            [mode.value for mode in SYNC_MODE_DESCRIPTIONS],
            format_func=sync_mode_words,
            key=keys.SUBMIT_SYNC_MODE,
            help=_(SYNC_MODE_HELP),
        )
    options = JobOptions(sync_mode=sync_mode, use_v2=route == DIRECT)
    if route != REGISTERED:
        return AusyncLabChoice(options)
    return _registered_choice(options, runtime)


def _registered_choice(options: JobOptions, runtime: Runtime) -> AusyncLabChoice:
    try:
        videos = registered_videos(runtime)
    except LipsyncError as exc:
        st.error(plain(translate_stored(str(exc))))
        return AusyncLabChoice(options, missing=_("The registered videos could not be listed."))
    if not videos:
        st.info(_("No video is registered at AusyncLab yet and ready to use."))
        return AusyncLabChoice(
            options, missing=_("Choose a registered video, or register this one.")
        )
    video_id = st.selectbox(
        _("Registered video"), list(videos), format_func=lambda video: video_words(video, videos),
        key=keys.SUBMIT_REGISTERED_VIDEO,
    )  # fmt: skip
    return AusyncLabChoice(options, registered_video_id=video_id)


def video_words(video_id: int, videos: dict[int, str | None]) -> str:
    """A registered video as the list shows it: ``face.mp4 (id 12)``."""
    name = videos[video_id] or _("Unnamed")
    return _("{name} (id {video_id})").format(name=name, video_id=video_id)


def registered_videos(runtime: Runtime) -> dict[int, str | None]:
    """AusyncLab's registered videos that are ready (COMPLETED), id → name; cached briefly."""
    urls = runtime.sandbox_urls
    where = (urls or {}).get("ausynclab") or runtime.settings.providers["ausynclab"].base_url
    with st.spinner(_("Listing AusyncLab's registered videos…")):
        return _registered_videos(where, runtime)


@st.cache_data(ttl=REGISTERED_TTL, show_spinner=False)
def _registered_videos(where: str, _runtime: Runtime) -> dict[int, str | None]:
    """The list at ``where`` (the cache's key: the AusyncLab address this runtime talks to);
    names only, so the cache holds no words of one reader's language."""
    client = _runtime.client("ausynclab")
    if client is None:
        return {}
    return {
        video.id: video.name or None
        for video in client.list_registered_videos()
        if map_provider_state("ausynclab", video.state.value) is JobState.SUCCEEDED
    }
