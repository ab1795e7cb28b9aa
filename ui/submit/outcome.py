"""What a send made, in one sentence, with the way to it: the status cards, and for a comparison
its Side by side view."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lipsync_core.flows.model import Job
from lipsync_core.i18n import _, ngettext
from ui.compare.linked import side_by_side_link
from ui.labels import and_list, target_label

STATUS_PAGE = "views/status_page.py"


def made_sentence(jobs: Sequence[Job]) -> str:
    """``Sent 3 jobs as a new comparison: A, B and C.`` or ``Sent 1 job to A.``"""
    names = and_list([target_label(job.provider, job.model) for job in jobs])
    if len(jobs) == 1:
        return _("Sent 1 job to {names}.").format(names=names)
    return ngettext(
        "Sent {count} job as a new comparison: {names}.",
        "Sent {count} jobs as a new comparison: {names}.",
        len(jobs),
    ).format(count=len(jobs), names=names)


def again_sentence(job: Job) -> str:
    """A card's Submit again: one new job, of its own."""
    label = target_label(job.provider, job.model)
    return _(
        "Sent 1 new job to {label}, on its own: the comparison it came from is unchanged. "
        "Its card is the newest."
    ).format(label=label)


def links_to(jobs: Sequence[Job]) -> None:
    """The way to what was sent: its cards, and a comparison's Side by side view."""
    row = st.container(horizontal=True, gap="medium")
    with row:
        st.page_link(STATUS_PAGE, label=_("Open the status cards"), icon=":material/view_agenda:")
        group = jobs[0].group_id if jobs else None
        if len(jobs) > 1 and group is not None:
            side_by_side_link(group)
