"""Who is using the dashboard: the person signed in with Streamlit's ``st.login`` (OpenID
Connect), when sign-in is set up under ``[auth]`` in ``.streamlit/secrets.toml``.

``st.user`` holds the claims of the person's identity token; it has an ``is_logged_in`` entry
only when sign-in is set up. The history records a person by :attr:`Person.id` (the e-mail
address, else the provider's user name, else the name, else the subject id), and the pages call
them by :attr:`Person.name`. Tests set the person through ``AppTest.user``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from lipsync_core.i18n import N_, _
from lipsync_core.schema import PERSON

# The claims that identify a person, best first (Microsoft Entra may give no e-mail but always a
# user name; every provider gives a subject id).
ID_CLAIMS = ("email", "preferred_username", "name", "sub")
NOBODY = N_("someone (no sign-in)")


@dataclass(frozen=True)
class Person:
    """A signed-in person: ``id`` is what the history records, ``name`` what pages say."""

    id: str
    name: str


def person_from_claims(claims: Mapping[str, object]) -> Person | None:
    """The person an identity token's claims name, if they are signed in and named at all."""
    if claims.get("is_logged_in") is not True:
        return None
    found = [str(claims[c]).strip() for c in ID_CLAIMS if isinstance(claims.get(c), str)]
    found = [value for value in found if value]
    if not found:
        return None
    name = claims.get("name")
    shown = name.strip() if isinstance(name, str) and name.strip() else found[0]
    return Person(id=found[0][:PERSON], name=shown)


def sign_in_configured() -> bool:
    """Whether this dashboard has sign-in set up (``[auth]`` in its secrets)."""
    return "is_logged_in" in st.user


def signed_in() -> Person | None:
    """The person signed in in this browser session, if any."""
    return person_from_claims(st.user.to_dict())


def actor() -> str | None:
    """What the history records as having done an action now: the person's id, or ``None``."""
    person = signed_in()
    return person.id if person else None


def who(recorded: str | None, me: str | None) -> str:
    """A recorded person in words: ``you``, the person as recorded, or ``someone (no sign-in)``."""
    if recorded is None:
        return _(NOBODY)
    return _("you") if recorded == me else recorded
