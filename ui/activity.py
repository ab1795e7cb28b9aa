"""The team's recent activity: the last actions (who, what, when in the viewer's time zone), in
an expander at the foot of the sidebar, on every page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any

import streamlit as st

from lipsync_core.flows.model import MODELS
from lipsync_core.i18n import N_, _
from lipsync_core.team import RECENT, Action, Activity
from ui.labels import and_list, target_label
from ui.people import signed_in, who
from ui.plain import plain
from ui.runtime import Runtime
from ui.team_settings import FIELD_WORDS, value_words
from ui.timezones import short_moment

# What was deleted, by the library's shelf it was on (any other shelf: "the video").
DELETED_WORDS = {
    "registered": N_("deleted the registered video {name} at AusyncLab"),
    "generated": N_("deleted the generated video {name} at AusyncLab"),
}
DELETED_VIDEO = N_("deleted the video {name} at AusyncLab")


def render_activity(runtime: Runtime, tz: tzinfo) -> None:
    """An expander with the team's last actions, newest first."""
    with st.expander(_("Recent activity"), icon=":material/history:"):
        actions = runtime.service.team.recent(RECENT)
        if not actions:
            st.caption(
                _("Nothing yet: sending, removing, favourites and settings changes show here.")
            )
            return
        me = signed_in()
        lines = [activity_line(action, me.id if me else None, tz) for action in actions]
        st.markdown("\n".join(f"- {line}" for line in lines))


def activity_line(action: Activity, me: str | None, tz: tzinfo) -> str:
    """``03 Feb 2026 14:02 · **you** sent a comparison to …``: when, who and what, as Markdown in
    which every text that came from a person or a provider is plain text."""
    when = short_moment(action.at, tz, "%d %b %Y %H:%M")
    person = who(action.actor, me)
    return f"{when} · **{plain(person)}** {what(action.action, action.details)}"


def what(action: str, details: Mapping[str, Any]) -> str:
    """What was done, in words (Markdown-safe)."""
    names = _targets(details.get("targets"))
    title = _title(details.get("title"))
    if action == Action.SENT:
        return _("sent a job to {targets}").format(targets=names) + title
    if action == Action.SENT_GROUP:
        return _("sent a comparison to {targets}").format(targets=names) + title
    if action == Action.SENT_AGAIN:
        again = _("sent an {target} job again") if _an(names) else _("sent a {target} job again")
        return again.format(target=names) + title
    if action == Action.REMOVED:
        removed = (
            _("removed an {target} job from the history")
            if _an(names)
            else _("removed a {target} job from the history")
        )
        return removed.format(target=names) + title
    if action == Action.FAVOURITE:
        if not details.get("target"):
            return _("cleared a favourite")
        chosen = _targets([details["target"]])
        return _("chose {target} as a comparison's favourite").format(target=chosen)
    if action == Action.LIBRARY_REGISTERED:
        registered = _("registered a video at AusyncLab (#{id})").format(
            id=plain(details.get("id"))
        )
        return registered + _title(details.get("name"))
    if action == Action.LIBRARY_DELETED:
        deleted = DELETED_WORDS.get(str(details.get("shelf")), DELETED_VIDEO)
        return _(deleted).format(name=plain(details.get("name") or ""))
    if action == Action.SETTINGS_CHANGED:
        changes = _changes(details.get("changes"))
        return _("changed the team's prices and limits: {changes}").format(changes=changes)
    return plain(action)


def _targets(targets: object) -> str:
    """``AusyncLab Prime and TwinSync`` for ``[["ausynclab", "prime"], ["twinsync", …]]``."""
    if not isinstance(targets, Sequence) or isinstance(targets, str) or not targets:
        return _("a provider")
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


def _an(name: str) -> bool:
    """Whether English says ``an`` before the name (``an AusyncLab``, ``a Kling``)."""
    return name[:1].upper() in "AEIOU"


def _title(title: object) -> str:
    return f" · “{plain(title)}”" if isinstance(title, str) and title else ""


def _changes(changes: object) -> str:
    if not isinstance(changes, Mapping) or not changes:
        return _("no value")
    parts = []
    for name, pair in changes.items():
        before, after = _pair(pair, None)
        label = _(FIELD_WORDS[str(name)]) if str(name) in FIELD_WORDS else str(name)
        parts.append(f"{label} {value_words(before)} → {value_words(after)}")
    return plain("; ".join(parts))
