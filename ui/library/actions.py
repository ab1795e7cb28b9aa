"""What the library's buttons do: register, generate, open, play and delete (widget callbacks).

Each action runs as an ``on_click`` callback, i.e. before the script reruns, so the tables drawn
afterwards already show its effect. Its outcome is left in the session as a message the page
shows once (``st.error(str(exc))`` for any ``LipsyncError``: a sentence, never a traceback).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import streamlit as st

from lipsync_core.errors import LipsyncError, NotFoundError
from lipsync_core.flows.model import JobInputs, JobState
from lipsync_core.flows.registrations import ON_ITS_WAY, registration_for
from lipsync_core.i18n import _, translate_stored
from lipsync_core.providers.ausynclab import AusyncLabClient, AusyncLabState
from lipsync_core.team import Action
from ui import keys, spend
from ui.library.fields import empty, value
from ui.library.sources import Source, choose
from ui.library.table import GENERATED, REGISTERED, SHELVES, title
from ui.people import actor
from ui.runtime import Runtime
from ui.submit.media import SAMPLE_FILES

FLASH_SECONDS = 20.0


@dataclass(frozen=True)
class Flash:
    """A message from the last action; ``status_link`` adds a link to the Status page."""

    level: str  # "success", "info", "warning" or "error"
    text: str
    status_link: bool = False
    at: float = field(default_factory=time.monotonic)


def flash(level: str, text: str, *, status_link: bool = False) -> None:
    """Say how an action went; it replaces older messages."""
    st.session_state[keys.LIBRARY_FLASH] = [Flash(level, text, status_link)]


def current_flashes() -> list[Flash]:
    """The last action's messages for :data:`FLASH_SECONDS` (the page may refresh meanwhile)."""
    now = time.monotonic()
    kept = [f for f in st.session_state.get(keys.LIBRARY_FLASH, []) if now - f.at < FLASH_SECONDS]
    st.session_state[keys.LIBRARY_FLASH] = kept
    return kept


def register_new(runtime: Runtime, client: AusyncLabClient) -> None:
    """Register the video of the form (a link, an upload or the sample) under the name given.

    The video is checked first (a link that answers, a real video). A video the account has
    already registered (ready, or still being prepared) is not registered again: it is chosen
    below instead. After a failure the panel stays open with what the person gave.
    """
    name = (value("register", keys.LIBRARY_NEW_NAME) or "").strip() or None
    source: Source | None = None
    try:
        sample = SAMPLE_FILES["video"] if value("register", keys.LIBRARY_NEW_SAMPLE) else None
        source = choose(
            runtime, "video", value("register", keys.LIBRARY_NEW_URL),
            value("register", keys.LIBRARY_NEW_FILE), sample=sample,
        )  # fmt: skip
        if _already_registered(client, source):
            return
        if name is None and source.inputs.video_path:
            name = source.known_as  # the file's own name (or "the sample video"), not its hash
        runtime.service.measure(source.inputs.model_copy(update={"audio_duration": 0.0}))
        video_id = client.register_video(source.url, name=name)
    except LipsyncError as exc:
        flash("error", source.in_words(str(exc)) if source else str(exc))
        st.session_state[keys.LIBRARY_REGISTER_PANEL] = True
        return
    runtime.service.team.record(
        actor(), Action.LIBRARY_REGISTERED, str(video_id), {"id": video_id, "name": name}
    )
    empty("register")
    st.session_state[SHELVES[REGISTERED].key(keys.LIBRARY_CHOICE)] = video_id
    flash(
        "success",
        _(
            "Registered as #{video_id}. It shows as PENDING or PROCESSING until AusyncLab has "
            "prepared it; once COMPLETED you can generate lip-sync from it."
        ).format(video_id=video_id),
    )


def _already_registered(client: AusyncLabClient, source: Source) -> bool:
    """Say so and choose it when the account already has this video registered."""
    found = registration_for(client, source.url, ON_ITS_WAY)
    if found is None:
        return False
    empty("register")
    st.session_state[SHELVES[REGISTERED].key(keys.LIBRARY_CHOICE)] = found.id
    if found.state is AusyncLabState.COMPLETED:
        said = _(
            "This video is already registered as {title}: you can generate lip-sync from it "
            "below. Nothing was registered again."
        ).format(title=title(found))
    else:
        said = _(
            "This video is already registered as {title}: it is still being prepared "
            "({state}). Nothing was registered again."
        ).format(title=title(found), state=found.state.value)
    flash("info", said)
    return True


@dataclass(frozen=True)
class PendingGeneration:
    """A generation whose audio was checked and measured, waiting for its cost to be confirmed."""

    registered_video_id: int
    inputs: JobInputs
    name: str | None
    key: str

    @property
    def action(self) -> str:
        """The cost check's name for this generation."""
        return f"generate:{self.key}"


def generate_from(runtime: Runtime, registered_video_id: int, video_name: str | None) -> None:
    """Check the form's audio (link or file) and measure it, then ask to confirm the cost.

    Without a name of its own, the job is named after the registered video. Nothing is sent
    until the person confirms (see :func:`render_pending_generation`).
    """
    state = st.session_state
    name = (value("generate", keys.LIBRARY_GENERATE_NAME) or "").strip() or video_name
    nonce = state.setdefault(keys.NONCE, uuid.uuid4().hex)
    source: Source | None = None
    try:
        source = choose(
            runtime, "audio", value("generate", keys.LIBRARY_AUDIO_URL),
            value("generate", keys.LIBRARY_AUDIO_FILE),
        )  # fmt: skip
        inputs = source.inputs.model_copy(update={"registered_video_id": registered_video_id})
        inputs = runtime.service.measure(inputs, video=False)
    except LipsyncError as exc:
        flash("error", source.in_words(str(exc)) if source else str(exc))
        return
    key = f"library:{nonce}:{registered_video_id}:{source.fingerprint}:{name}"
    pending = PendingGeneration(registered_video_id, inputs, name, key)
    state[keys.LIBRARY_PENDING_GENERATION] = pending
    spend.ask(pending.action)


def render_pending_generation(runtime: Runtime) -> None:
    """The cost dialog of a checked generation; once confirmed, the tracked Prime job starts."""
    pending: PendingGeneration | None = st.session_state.get(keys.LIBRARY_PENDING_GENERATION)
    if pending is None:
        return
    cost = spend.spend_for(runtime, [("ausynclab", "prime")], pending.inputs.audio_duration)
    what = _("Generate lip-sync from #{video_id} with AusyncLab Prime?").format(
        video_id=pending.registered_video_id
    )
    if not spend.confirmation(pending.action, cost, what, yes=_("Yes, generate")):
        if not spend.asking(pending.action):
            st.session_state.pop(keys.LIBRARY_PENDING_GENERATION, None)
        return
    st.session_state.pop(keys.LIBRARY_PENDING_GENERATION, None)
    _generate(runtime, pending)
    st.rerun()


def _generate(runtime: Runtime, pending: PendingGeneration) -> None:
    try:
        job = runtime.service.submit(
            "ausynclab", "prime", pending.inputs, title=pending.name, idempotency_key=pending.key,
            actor=actor(),
        )  # fmt: skip
    except LipsyncError as exc:
        flash("error", str(exc))
        return
    runtime.refresher.wake()
    if job.state is JobState.FAILED:
        flash("error", translate_stored(job.error) or _("AusyncLab did not start the lip-sync."))
        return
    empty("generate")
    flash(
        "success",
        _(
            "Lip-sync from #{video_id} started; it appears under Generated videos and on the "
            "Status page, where its result can be played and downloaded."
        ).format(video_id=pending.registered_video_id),
        status_link=True,
    )


def open_details(shelf: str, video_id: int) -> None:
    st.session_state[keys.LIBRARY_DETAILS] = (shelf, video_id)


def close_details() -> None:
    st.session_state.pop(keys.LIBRARY_DETAILS, None)


def play(video_id: int) -> None:
    st.session_state[keys.LIBRARY_PLAYING] = video_id


def ask_delete(shelf: str, video_id: int, title: str) -> None:
    """Only remember what to delete: the page then asks for confirmation."""
    st.session_state[keys.LIBRARY_PENDING_DELETE] = (shelf, video_id, title)


def cancel_delete() -> None:
    st.session_state.pop(keys.LIBRARY_PENDING_DELETE, None)


def delete_confirmed(runtime: Runtime, client: AusyncLabClient) -> None:
    """Delete the video waiting for confirmation, at AusyncLab (for everyone); the activity
    list says who."""
    pending = st.session_state.pop(keys.LIBRARY_PENDING_DELETE, None)
    if pending is None:
        return
    shelf, video_id, title = pending
    delete = client.delete_generated_video if shelf == GENERATED else client.delete_registered_video
    try:
        delete(video_id)
    except NotFoundError:
        flash("info", _("{title} was already gone from AusyncLab.").format(title=title))
    except LipsyncError as exc:
        flash("error", str(exc))
        return
    else:
        flash("success", _(SHELVES[shelf].deleted).format(title=title))
        details = {"shelf": shelf, "id": video_id, "name": title}
        runtime.service.team.record(actor(), Action.LIBRARY_DELETED, f"{shelf}:{video_id}", details)
    _forget(shelf, video_id)


def _forget(shelf: str, video_id: int) -> None:
    state = st.session_state
    if state.get(keys.LIBRARY_DETAILS) == (shelf, video_id):
        close_details()
    if shelf == GENERATED and state.get(keys.LIBRARY_PLAYING) == video_id:
        state.pop(keys.LIBRARY_PLAYING)
