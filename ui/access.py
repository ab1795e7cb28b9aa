"""Who may open the dashboard, decided before any page runs (``app.py`` calls
:func:`require_access`).

- Sign-in set up (``[auth]`` in the secrets): every page needs a signed-in person; until then a
  sign-in screen is all there is.
- No sign-in: the dashboard serves only the computer it runs on. A visit from another computer
  gets a page saying how to share it, unless ``LIPSYNC_SHARE_WITHOUT_SIGN_IN=yes``. A visit is
  from this computer when its connection comes from a loopback address and it carries no
  reverse proxy's forwarding header (a proxy on this machine forwards other computers' visits;
  Streamlit's server already takes the visitor's address from ``X-Forwarded-For`` when the proxy
  is on this machine).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import NoReturn

import streamlit as st
from streamlit.errors import StreamlitAuthError

from lipsync_core.config import SHARE_WITHOUT_SIGN_IN, share_without_sign_in
from lipsync_core.errors import ConfigurationError
from lipsync_core.i18n import N_, _
from ui import keys
from ui.navigation import stand_ins
from ui.people import Person, sign_in_configured, signed_in
from ui.plain import plain

FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
SETUP_FAILED = N_(
    "Sign-in is set up incompletely in this dashboard's secrets, so nobody can sign in yet: "
    "{error} Ask whoever runs the dashboard to check the [auth] part (see Sign-in in the README)."
)
SHARE_HELP = N_(
    "To share it with your team, set up sign-in: see **Sign-in** in the README "
    "(an `[auth]` part in `.streamlit/secrets.toml`, for Google Workspace, Microsoft Entra, Okta "
    "or any OpenID Connect provider). On a network you fully trust, starting it with "
    "`{setting}=yes` serves other computers without sign-in."
)


def is_this_computer(address: str | None, headers: Mapping[str, str]) -> bool:
    """Whether a visit comes from the computer the dashboard runs on.

    ``address`` is the visitor's as Streamlit gives it (``None`` for a loopback connection or
    none at all); a forwarding header means a proxy passed on someone else's visit.
    """
    if any(headers.get(name) for name in FORWARDING_HEADERS):
        return False
    if address is None:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # 127.0.0.1 as a dual-stack socket sees it
    return ip.is_loopback


def require_access() -> Person | None:
    """The signed-in person, ``None`` on a dashboard without sign-in opened from this computer
    (or shared on purpose); otherwise the sign-in screen or the refusal, and the run stops.

    ``app.py`` calls it before any page, and each page calls it again first: Streamlit may run a
    page file alone (see :mod:`ui.navigation`), and then only the page's own call stands guard.
    """
    if sign_in_configured():
        person = signed_in()
        if person is None:
            _only(render_sign_in, _("Sign in"))
        return person
    if not is_this_computer(_address(), _headers()) and not _sharing():
        _only(render_refusal, "Lipsync Dashboard")
    return None


def _only(screen: Callable[[], None], title: str) -> NoReturn:
    """Draw ``screen`` at whatever page address was asked for, and nothing else."""
    st.navigation(stand_ins(screen, title), position="hidden").run()
    st.stop()
    raise AssertionError("st.stop() returned")


def _address() -> str | None:
    """The visitor's address; Streamlit gives ``None`` for loopback (and a test harness gives
    no address at all, which is read as ``None`` too)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def _headers() -> dict[str, str]:
    return {name: st.context.headers.get(name, "") for name in FORWARDING_HEADERS}


def _sharing() -> bool:
    """``LIPSYNC_SHARE_WITHOUT_SIGN_IN``; a wrong value stops every page with its sentence."""
    try:
        return share_without_sign_in()
    except ConfigurationError as exc:
        sentence = plain(exc)
        _only(lambda: st.error(sentence), "Lipsync Dashboard")


def providers() -> list[str]:
    """The named sign-in providers (``[auth.<name>]``), or none when ``[auth]`` holds one."""
    try:
        section = st.secrets.get("auth", {})
    except FileNotFoundError:  # no secrets file at all (Streamlit's error is one)
        return []
    return [
        name
        for name, value in section.items()
        if isinstance(value, Mapping) and "client_id" in value
    ]


def render_sign_in() -> None:
    """The screen before the app: what it is, and a button per way to sign in."""
    _left, middle, _right = st.columns([1, 2, 1])
    with middle:
        st.title("🎬 Lipsync Dashboard")
        st.subheader(_("Sign in to continue"))
        st.write(
            _(
                "This dashboard is shared by your team: sign in with your work account. Your "
                "name is shown on the jobs you send and the changes you make."
            )
        )
        named = providers()
        choices = [
            (_("Sign in with {provider}").format(provider=name.capitalize()), name)
            for name in named
        ] or [(_("Sign in"), None)]
        for label, provider in choices:
            if st.button(label, key=f"{keys.SIGN_IN}_{provider or 'default'}", type="primary"):
                _login(provider)


def _login(provider: str | None) -> None:
    try:
        st.login(provider) if provider else st.login()
    except StreamlitAuthError as exc:
        st.error(_(SETUP_FAILED).format(error=plain(" ".join(str(exc).split()))))


def render_refusal() -> None:
    """The page another computer gets from a dashboard without sign-in."""
    st.title("🎬 Lipsync Dashboard")
    st.error(
        _(
            "This dashboard serves only the computer it runs on: it has no sign-in, and whoever "
            "can open it can spend on the team's paid API keys."
        ),
        icon=":material/lock:",
    )
    st.markdown(_(SHARE_HELP).format(setting=SHARE_WITHOUT_SIGN_IN))
