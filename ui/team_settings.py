"""The team's prices and limits, set once for everyone: the editor on the Submit page (prices and
the two limits above which sending asks first) and on the Compare page (prices).

What the pages and every cost check use is what is saved in the database
(:class:`lipsync_core.team.TeamSettings`, read by :func:`team_settings`). An editor is a form:
what a person types is a draft until they press "Save for the whole team" and confirm, in a
dialog, that the change applies to everyone. A save names the version the editor was filled
from; if someone saved in between, nothing is saved and the editor says so, shows the values
now saved, and lists the person's own.

Each page has its own widget keys (:data:`ON_SUBMIT`, :data:`ON_COMPARE`): Streamlit drops a
page's widget values once another page has run, so the widgets are filled from the saved
settings whenever they are missing, and again when someone else saved while this person had
changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from lipsync_core import formats
from lipsync_core.i18n import N_, _
from lipsync_core.pricing import RATE_SOURCES
from lipsync_core.team import SavedSettings, SettingsChanged, TeamSettings
from ui import keys
from ui.people import actor, signed_in, who
from ui.plain import plain
from ui.runtime import Runtime
from ui.timezones import short_moment

DEFAULTS = TeamSettings()
WRONG_CURRENCY = N_("The currency must be a three-letter code such as USD, EUR or VND.")
NOT_SAVABLE = N_("Every limit needs a number (0 or more): these values cannot be saved.")
FIELD_WORDS = {  # English, marked for the catalogue: shown as ``_(FIELD_WORDS[name])``
    "currency": N_("Currency"),
    "ptc": N_("Price of 1 PTC"),
    "ausynclab_credit": N_("Price of 1 AusyncLab credit"),
    "twinsync_per_second": N_("TwinSync price per second"),
    "currency_limit": N_("Ask first above this total"),
    "credit_limit": N_("Ask first above this many credits"),
}


@dataclass(frozen=True)
class Editor:
    """One page's editor: its widget keys (``None``: not edited there) and session keys."""

    page: str
    currency: str
    ptc: str
    credit: str
    twinsync: str
    limit: str | None
    credit_limit: str | None
    save: str
    base: str  # session key: (version, TeamSettings) the widgets were filled from

    def widgets(self, values: TeamSettings) -> dict[str, object]:
        """Each widget key and its value for ``values``."""
        shown: dict[str | None, object] = {
            self.currency: values.currency,
            self.ptc: values.ptc,
            self.credit: values.ausynclab_credit,
            self.twinsync: values.twinsync_per_second,
            self.limit: values.currency_limit,
            self.credit_limit: values.credit_limit,
        }
        return {key: value for key, value in shown.items() if key is not None}


ON_SUBMIT = Editor(
    "submit", keys.SUBMIT_CURRENCY, keys.SUBMIT_PTC_RATE, keys.SUBMIT_CREDIT_RATE,
    keys.SUBMIT_TWINSYNC_PRICE, keys.SUBMIT_THRESHOLD, keys.SUBMIT_CREDIT_THRESHOLD,
    keys.SUBMIT_SETTINGS_SAVE, keys.SUBMIT_SETTINGS_BASE,
)  # fmt: skip
ON_COMPARE = Editor(
    "compare", keys.COMPARE_CURRENCY, keys.COMPARE_PTC_RATE, keys.COMPARE_CREDIT_RATE,
    keys.COMPARE_TWINSYNC_PRICE, None, None, keys.COMPARE_SETTINGS_SAVE,
    keys.COMPARE_SETTINGS_BASE,
)  # fmt: skip
EDITORS = {editor.page: editor for editor in (ON_SUBMIT, ON_COMPARE)}


@dataclass(frozen=True)
class PendingSave:
    """A draft the person asked to save, waiting for the confirmation dialog."""

    page: str
    values: TeamSettings
    base_version: int


def team_settings(runtime: Runtime) -> TeamSettings:
    """The prices and limits every page and cost check uses: the team's, as saved."""
    return runtime.service.team.settings().values


def render_settings(runtime: Runtime, editor: Editor, tz: tzinfo) -> TeamSettings:
    """The editor (a form), who last changed the settings and when; returns the saved ones."""
    saved = runtime.service.team.settings()
    _fill(editor, saved)
    with st.form(f"{editor.page}_team_settings", border=False):
        _inputs(editor)
        pressed = st.form_submit_button(
            _("Save for the whole team"), key=editor.save, icon=":material/group:"
        )
    st.caption(changed_words(saved, tz))
    _show_message(editor)
    draft = _draft(editor, saved.values)
    if draft is None:
        st.error(_(WRONG_CURRENCY) if _wrong_currency(editor) else _(NOT_SAVABLE))
    elif draft != saved.values:
        st.caption(_("✏️ Not saved: the pages use the team's values until you save these."))
        if pressed:
            base = st.session_state[editor.base][0]
            st.session_state[keys.SETTINGS_PENDING] = PendingSave(editor.page, draft, base)
    elif pressed:
        st.caption(_("Nothing to save: these are the team's values already."))
    pending = st.session_state.get(keys.SETTINGS_PENDING)
    if isinstance(pending, PendingSave) and pending.page == editor.page:
        _confirm(runtime, pending, saved.values)
    return saved.values


def _inputs(editor: Editor) -> None:
    currency_col, ptc_col, credit_col, twinsync_col = st.columns(4)
    currency_col.text_input(
        _("Currency"), max_chars=3, key=editor.currency,
        help=_("A three-letter code such as USD, EUR or VND: the prices set here are in it."),
    )  # fmt: skip
    ptc_col.number_input(
        _("Price of 1 PTC (302.ai, for Kling)"), min_value=0.0, step=0.01, format="%.4f",
        key=editor.ptc, help=_(RATE_SOURCES["ptc"]),
    )  # fmt: skip
    credit_col.number_input(
        _("Price of 1 AusyncLab credit"), min_value=0.0, step=0.0001, format="%.6f",
        key=editor.credit, placeholder=_("not set: your plan's price"),
        help=_(RATE_SOURCES["ausynclab_credit"]),
    )  # fmt: skip
    twinsync_col.number_input(
        _("TwinSync price per second"), min_value=0.0, step=0.01, format="%.4f",
        key=editor.twinsync, placeholder=_("not set: TwinSync publishes none"),
        help=_(RATE_SOURCES["twinsync_price_per_second"]),
    )  # fmt: skip
    if editor.limit is None or editor.credit_limit is None:
        return
    left, right = st.columns(2)
    currency = st.session_state.get(editor.currency) or ""
    left.number_input(
        _("Ask first above this total ({currency})").format(currency=currency.strip().upper()),
        min_value=0.0, step=1.0, key=editor.limit,
    )  # fmt: skip
    right.number_input(
        _("Ask first above this many AusyncLab credits"), min_value=0.0, step=1000.0,
        key=editor.credit_limit,
    )  # fmt: skip


def _fill(editor: Editor, saved: SavedSettings) -> None:
    """Fill the widgets from the saved settings when they are missing or were refilled on
    purpose, and when someone else saved while this person had typed nothing new."""
    state = st.session_state
    base = state.get(editor.base)
    missing = any(key not in state for key in editor.widgets(saved.values))
    untouched = base is not None and _draft(editor, base[1]) == base[1]
    if base is None or missing or (base[0] != saved.version and untouched):
        for key, value in editor.widgets(saved.values).items():
            state[key] = value
        state[editor.base] = (saved.version, saved.values)


def _wrong_currency(editor: Editor) -> bool:
    currency = (st.session_state.get(editor.currency) or "").strip().upper()
    return not (len(currency) == 3 and currency.isascii() and currency.isalpha())


def _draft(editor: Editor, saved: TeamSettings) -> TeamSettings | None:
    """What the widgets hold (the fields this page does not edit as saved); ``None`` if that
    cannot be saved (a currency that is not a three-letter code, a limit left empty)."""
    state = st.session_state
    values = saved.model_dump()
    values.update(
        currency=(state.get(editor.currency) or "").strip().upper(),
        ptc=state.get(editor.ptc),
        ausynclab_credit=state.get(editor.credit),
        twinsync_per_second=state.get(editor.twinsync),
    )
    if editor.limit is not None and editor.credit_limit is not None:
        values.update(
            currency_limit=state.get(editor.limit), credit_limit=state.get(editor.credit_limit)
        )
    try:
        return TeamSettings.model_validate(values)
    except ValidationError:
        return None


def changed_words(saved: SavedSettings, tz: tzinfo) -> str:
    """Who set the team's values and when, or that they are the defaults."""
    if saved.version == 0 or saved.updated_at is None:
        return _("👥 The team's values: the defaults, which nobody has changed yet.")
    me = signed_in()
    person = who(saved.updated_by, me.id if me else None)
    when = short_moment(saved.updated_at, tz, "%d %b %Y, %H:%M")
    return _("👥 The team's values, last changed by {person} on {when}.").format(
        person=plain(person), when=when
    )


def change_lines(old: TeamSettings, new: TeamSettings) -> list[str]:
    """``Currency: USD → EUR``, one line per changed field."""
    return [
        _("{field}: {before} → {after}").format(
            field=_(FIELD_WORDS[name]), before=value_words(before), after=value_words(after)
        )
        for name, (before, after) in old.changes(new).items()
    ]


def value_words(value: object) -> str:
    """A setting's value: ``not set``, ``0.002``, ``25000``, ``USD``."""
    if value is None:
        return _("not set")
    return figure(value) if isinstance(value, float) else str(value)


def figure(value: float) -> str:
    """A price or limit as typed (``25000``, ``0.002``), the language's decimal sign."""
    return formats.figure(value, 6, grouped=False)


def forget_pending() -> None:
    st.session_state.pop(keys.SETTINGS_PENDING, None)


def _confirm(runtime: Runtime, pending: PendingSave, saved: TeamSettings) -> None:
    """The dialog asking before the team's values change (made on each run, for its title to be
    in the reader's language)."""
    title = _("Change the prices for the whole team?")
    st.dialog(title, on_dismiss=forget_pending)(_confirmation)(runtime, pending, saved)


def _confirmation(runtime: Runtime, pending: PendingSave, saved: TeamSettings) -> None:
    st.write(
        _(
            "These prices and limits are the team's: saving them changes them for everyone, on "
            "every page and in every cost check."
        )
    )
    st.markdown("\n".join(f"- {plain(line)}" for line in change_lines(saved, pending.values)))
    yes, no = st.columns(2)
    if yes.button(_("Yes, change them for everyone"), key=keys.SETTINGS_YES, type="primary"):
        _save(runtime, pending)
        st.rerun()
    if no.button(_("Cancel"), key=keys.SETTINGS_NO):
        forget_pending()
        st.rerun()


def _save(runtime: Runtime, pending: PendingSave) -> None:
    """Save, or say that someone else saved first; either way the widgets are filled anew."""
    state = st.session_state
    state.pop(keys.SETTINGS_PENDING, None)
    editor = EDITORS[pending.page]
    try:
        runtime.service.team.save_settings(
            pending.values, expected_version=pending.base_version, actor=actor()
        )
    except SettingsChanged as exc:
        yours = "; ".join(change_lines(exc.current.values, pending.values)) or _("the same values")
        _tell(
            editor, "warning", _("{news} Yours were: {yours}.").format(news=str(exc), yours=yours)
        )
    else:
        _tell(editor, "success", _("Saved: the whole team now uses these prices and limits."))
    state.pop(editor.base, None)


def _tell(editor: Editor, kind: str, sentence: str) -> None:
    st.session_state[keys.SETTINGS_MESSAGE] = (editor.page, kind, sentence)


def _show_message(editor: Editor) -> None:
    told = st.session_state.get(keys.SETTINGS_MESSAGE)
    if told and told[0] == editor.page:
        del st.session_state[keys.SETTINGS_MESSAGE]
        (st.warning if told[1] == "warning" else st.success)(plain(told[2]))


def render_defaults(editor: Editor) -> None:
    """The defaults, the sentence saying where each comes from, and a way back to them."""
    st.dataframe(defaults_table(), hide_index=True, width="stretch")
    st.button(
        _("Fill in the defaults"), key=keys.COMPARE_RATES_RESET, on_click=_fill_defaults,
        args=(editor,), help=_("Puts the defaults in the form above; save them to use them."),
    )  # fmt: skip


def _fill_defaults(editor: Editor) -> None:
    for key, value in editor.widgets(DEFAULTS).items():
        st.session_state[key] = value


def defaults_table() -> pd.DataFrame:
    default = DEFAULTS
    return pd.DataFrame(
        [
            (_("Currency"), default.currency, _("The currency the rates are given in.")),
            (_("1 PTC (302.ai)"), _money(default.ptc, default.currency), _(RATE_SOURCES["ptc"])),
            (
                _("1 AusyncLab credit"),
                _money(default.ausynclab_credit, default.currency),
                _(RATE_SOURCES["ausynclab_credit"]),
            ),
            (
                _("TwinSync, per second of audio"),
                _("not set"),
                _(RATE_SOURCES["twinsync_price_per_second"]),
            ),
        ],
        columns=[_("Rate"), _("Default"), _("Source")],
    )


def _money(value: float | None, currency: str) -> str:
    return _("not set") if value is None else f"{figure(value)} {currency}"
