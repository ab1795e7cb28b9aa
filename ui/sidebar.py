"""The sidebar: who is signed in (and signing out), or that this dashboard has no sign-in;
each provider's connection in plain words, the sandbox badge, and the team's recent activity.
The language picker comes first, with a warning under it when ``LIPSYNC_LANGUAGE`` is wrong."""

from __future__ import annotations

import streamlit as st

from lipsync_core.config import PROVIDERS, Connection, default_language, share_without_sign_in
from lipsync_core.errors import ConfigurationError, provider_display_name
from lipsync_core.i18n import N_, _
from ui import keys
from ui.activity import render_activity
from ui.language import render_language_picker
from ui.people import Person
from ui.plain import plain
from ui.runtime import Runtime
from ui.timezones import viewer_timezone

CONNECTION_WORDS = {
    Connection.LIVE: ("🟢", N_("Live"), N_("API key set: jobs are real and cost money.")),
    Connection.SANDBOX: (
        "🟡",
        N_("Sandbox"),
        N_("No key: emulated locally, free, no real lip movement."),
    ),
    Connection.OFF: ("⚪", N_("Off"), N_("No key and the sandbox is turned off.")),
}


def render_sidebar(runtime: Runtime, person: Person | None) -> None:
    with st.sidebar:
        render_language_picker(runtime.service.preferences, person)
        _language_setting()
        render_person(person)
        st.subheader(_("Connections"))
        for provider in PROVIDERS:
            icon, word, help_text = CONNECTION_WORDS[runtime.connection(provider)]
            line = _("{icon} **{provider}**: {connection}").format(
                icon=icon, provider=provider_display_name(provider), connection=_(word)
            )
            st.markdown(line, help=_(help_text))
        if runtime.uses_sandbox:
            st.info(
                _(
                    "**Sandbox mode** for the providers marked Sandbox: jobs run on a local "
                    "emulator. Outputs are real videos, but no lip movement is generated."
                ),
                icon="🧪",
            )
        render_activity(runtime, viewer_timezone())


def render_person(person: Person | None) -> None:
    """``Signed in as …`` and a way out; without sign-in, who the dashboard serves."""
    if person is not None:
        st.markdown(
            _("Signed in as **{name}**").format(name=plain(person.name)), help=plain(person.id)
        )
        if st.button(_("Sign out"), key=keys.SIGN_OUT, icon=":material/logout:", type="tertiary"):
            st.logout()
        st.divider()
        return
    if _shared():
        st.warning(
            _("Shared without sign-in: anyone who can reach this dashboard can use it."),
            icon=":material/lock_open:",
        )
    else:
        st.caption(
            _(
                "🔒 This computer only: the dashboard has no sign-in. To share it with your "
                "team, set up sign-in (see Sign-in in the README)."
            )
        )
    st.divider()


def _language_setting() -> None:
    """A wrong ``LIPSYNC_LANGUAGE`` is said under the picker (the dashboard uses English)."""
    try:
        default_language()
    except ConfigurationError as exc:
        st.warning(plain(exc), icon=":material/settings:")


def _shared() -> bool:
    """The sharing setting; a wrong value is said here (other computers are refused anyway)."""
    try:
        return share_without_sign_in()
    except ConfigurationError as exc:
        st.warning(plain(exc), icon=":material/settings:")
        return False
