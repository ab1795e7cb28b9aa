"""The team's recent activity: the last actions (who, what, when in the viewer's time zone), in
an expander at the foot of the sidebar, on every page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any

import streamlit as st

from lipsync_core.flows.model import MODELS
from lipsync_core.team import RECENT, Action, Activity
from ui.labels import and_list, target_label
from ui.people import signed_in, who
from ui.plain import plain
from ui.runtime import Runtime
from ui.team_settings import FIELD_WORDS, value_words

SHELF_WORDS = {"registered": "registered video", "generated": "generated video"}


def render_activity(runtime: Runtime, tz: tzinfo) -> None:
    """An expander with the team's last actions, newest first."""
    with st.expander("Recent activity", icon=":material/history:"):
        actions = runtime.service.team.recent(RECENT)
        if not actions:
            st.caption("Nothing yet: sending, removing, favourites and settings changes show here.")
            return
        me = signed_in()
        lines = [activity_line(action, me.id if me else None, tz) for action in actions]
        st.markdown("\n".join(f"- {line}" for line in lines))


def activity_line(action: Activity, me: str | None, tz: tzinfo) -> str:
    """``03 Feb 2026 14:02 · **you** sent a comparison to …``: when, who and what, as Markdown in
    which every text that came from a person or a provider is plain text."""
    when = action.at.astimezone(tz).strftime("%d %b %Y %H:%M")
    person = who(action.actor, me)
    return f"{when} · **{plain(person)}** {what(action.action, action.details)}"


def what(action: str, details: Mapping[str, Any]) -> str:
    """What was done, in words (Markdown-safe)."""
    names = _targets(details.get("targets"))
    title = _title(details.get("title"))
    if action == Action.SENT:
        return f"sent a job to {names}{title}"
    if action == Action.SENT_GROUP:
        return f"sent a comparison to {names}{title}"
    if action == Action.SENT_AGAIN:
        return f"sent {_a(names)} {names} job again{title}"
    if action == Action.REMOVED:
        return f"removed {_a(names)} {names} job from the history{title}"
    if action == Action.FAVOURITE:
        chosen = _targets([details["target"]]) if details.get("target") else None
        return f"chose {chosen} as a comparison's favourite" if chosen else "cleared a favourite"
    if action == Action.LIBRARY_REGISTERED:
        name = _title(details.get("name"))
        return f"registered a video at AusyncLab (#{plain(details.get('id'))}){name}"
    if action == Action.LIBRARY_DELETED:
        shelf = SHELF_WORDS.get(str(details.get("shelf")), "video")
        return f"deleted the {shelf} {plain(details.get('name') or '')} at AusyncLab"
    if action == Action.SETTINGS_CHANGED:
        return "changed the team's prices and limits: " + _changes(details.get("changes"))
    return plain(action)


def _targets(targets: object) -> str:
    """``AusyncLab Prime and TwinSync`` for ``[["ausynclab", "prime"], ["twinsync", …]]``."""
    if not isinstance(targets, Sequence) or isinstance(targets, str) or not targets:
        return "a provider"
    names = []
    for target in targets:
        provider, model = _pair(target, "")
        known = model in MODELS.get(provider, ())
        names.append(target_label(provider, model) if known else plain(f"{provider} {model}"))
    return and_list(names)


def _pair(value: object, missing: Any) -> tuple[Any, Any]:
    """The first two items of a stored list (``missing`` for what is not there)."""
    items = list(value) if isinstance(value, list) else []
    return tuple([*items, missing, missing][:2])  # type: ignore[return-value]


def _a(name: str) -> str:
    """The article before a name: ``an AusyncLab``, ``a Kling``."""
    return "an" if name[:1].upper() in "AEIOU" else "a"


def _title(title: object) -> str:
    return f" · “{plain(title)}”" if isinstance(title, str) and title else ""


def _changes(changes: object) -> str:
    if not isinstance(changes, Mapping) or not changes:
        return "no value"
    parts = []
    for name, pair in changes.items():
        before, after = _pair(pair, None)
        label = FIELD_WORDS.get(str(name), str(name))
        parts.append(f"{label} {value_words(before)} → {value_words(after)}")
    return plain("; ".join(parts))
