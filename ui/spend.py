"""Asking before money is spent, the same way on every page (the core's check, one dialog).

Every path that spends — Submit, sending the same again, a card's Submit again, the library's
Generate — computes the core's cost check with the team's prices and limits (saved in the
database, :mod:`ui.team_settings`), shows the cost, and opens :func:`confirmation`'s dialog when
the cost asks for it.
The dialog is opened from session state (``SPEND_ASKING`` names the action), so it survives
reruns, opens at page level (a dialog inside a self-refreshing fragment would be lost), and a
test can reach it.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from lipsync_core.i18n import _, translate_stored
from lipsync_core.spending import Spend
from ui import keys
from ui.runtime import Runtime
from ui.team_settings import team_settings


def spend_for(
    runtime: Runtime, targets: Sequence[tuple[str, str]], audio_seconds: float | None
) -> Spend:
    """What sending one job per target for this audio costs, at the team's prices."""
    return team_settings(runtime).check(targets, audio_seconds)


def ask(action: str) -> None:
    """Open the cost dialog for ``action`` (a key naming what would be sent)."""
    st.session_state[keys.SPEND_ASKING] = action


def asking(action: str) -> bool:
    return st.session_state.get(keys.SPEND_ASKING) == action


def forget() -> None:
    st.session_state.pop(keys.SPEND_ASKING, None)


def confirmation(action: str, spend: Spend, what: str, yes: str | None = None) -> bool:
    """Call on every run where ``action`` may be asked: shows the dialog while it is asked, and
    returns ``True`` once, on the run right after the person said yes (``yes`` labels that
    button: "Yes, send it" unless said)."""
    if st.session_state.get(keys.SPEND_CONFIRMED) == action:
        del st.session_state[keys.SPEND_CONFIRMED]
        return True
    if asking(action):
        # The dialog is made on each run, for its title to be in the reader's language.
        dialog = st.dialog(_("Confirm the cost"), on_dismiss=forget)(_dialog)
        dialog(action, spend, what, yes or _("Yes, send it"))
    return False


def _dialog(action: str, spend: Spend, what: str, yes: str) -> None:
    if any(item.amount is not None for item in spend.estimates):
        st.text(_("{what} This will cost about {cost}.").format(what=what, cost=spend.words))
    else:
        why = "; ".join(translate_stored(item.explanation) or "" for item in spend.estimates)
        why = why or spend.words
        st.text(_("{what} Its cost is not known: {why}.").format(what=what, why=why))
    for reason in spend.reasons:
        st.warning(reason, icon=":material/payments:")
    left, right = st.columns(2)
    if left.button(yes, key=keys.SPEND_YES, type="primary"):
        st.session_state[keys.SPEND_CONFIRMED] = action
        forget()
        st.rerun()
    if right.button(_("Cancel"), key=keys.SPEND_NO):
        forget()
        st.rerun()
