"""Who may open the dashboard and who a person is: the visitor's address and proxy headers, the
identity token's claims, and the sharing setting, each as a table."""

from __future__ import annotations

from pathlib import Path

import pytest

from lipsync_core.config import share_without_sign_in
from lipsync_core.errors import ConfigurationError
from ui.access import is_this_computer
from ui.people import NOBODY, Person, person_from_claims, who


@pytest.mark.parametrize(
    ("address", "headers", "local"),
    [
        (None, {}, True),
        ("127.0.0.2", {}, True),
        ("::1", {}, True),
        ("::ffff:127.0.0.1", {}, True),
        ("::ffff:192.168.1.20", {}, False),
        ("192.168.1.20", {}, False),
        ("10.0.0.7", {}, False),
        ("203.0.113.9", {}, False),
        ("fe80::1%eth0", {}, False),
        ("not an address", {}, False),
        (None, {"X-Forwarded-For": "198.51.100.7"}, False),
        (None, {"Forwarded": "for=198.51.100.7"}, False),
        (None, {"X-Real-IP": "198.51.100.7"}, False),
        (None, {"X-Forwarded-For": ""}, True),
    ],
)
def test_a_visit_is_from_this_computer_only_over_loopback_and_not_forwarded(
    address: str | None, headers: dict[str, str], local: bool
) -> None:
    """Loopback connections with no proxy's forwarding header are this computer; any other
    address, an unreadable one, or a visit a proxy passed on, is not."""
    assert is_this_computer(address, headers) is local


@pytest.mark.parametrize(
    ("claims", "person"),
    [
        ({}, None),
        ({"email": "test@example.com"}, None),
        ({"is_logged_in": False, "email": "ana@example.com"}, None),
        (
            {"is_logged_in": True, "email": "ana@example.com", "name": "Ana Lima"},
            Person("ana@example.com", "Ana Lima"),
        ),
        (
            {"is_logged_in": True, "preferred_username": "bao@corp.example", "sub": "x1"},
            Person("bao@corp.example", "bao@corp.example"),
        ),
        ({"is_logged_in": True, "name": "  Chi  ", "sub": "42"}, Person("Chi", "Chi")),
        ({"is_logged_in": True, "sub": "42", "email": ""}, Person("42", "42")),
        ({"is_logged_in": True}, None),
        ({"is_logged_in": "true", "email": "ana@example.com"}, None),
    ],
)
def test_a_person_is_named_by_the_best_claim_their_provider_gives(
    claims: dict[str, object], person: Person | None
) -> None:
    """The e-mail first, then the user name, the name, the subject id; nobody unless signed in."""
    assert person_from_claims(claims) == person


def test_a_very_long_id_is_cut_to_what_the_history_keeps() -> None:
    """An id is kept to 320 characters (the longest e-mail address)."""
    person = person_from_claims({"is_logged_in": True, "sub": "s" * 500})
    assert person is not None and person.id == "s" * 320


@pytest.mark.parametrize(
    ("recorded", "me", "words"),
    [
        (None, None, NOBODY),
        (None, "ana@example.com", NOBODY),
        ("ana@example.com", "ana@example.com", "you"),
        ("ana@example.com", "bao@example.com", "ana@example.com"),
        ("ana@example.com", None, "ana@example.com"),
    ],
)
def test_a_recorded_person_is_you_or_their_name(
    recorded: str | None, me: str | None, words: str
) -> None:
    """The viewer reads "you" for themselves, others as recorded, "someone" without sign-in."""
    assert who(recorded, me) == words


@pytest.mark.parametrize(
    ("value", "shared"),
    [
        (None, False),
        ("yes", True),
        ("YES", True),
        ("true", True),
        ("on", True),
        ("1", True),
        ("no", False),
        ("off", False),
        ("0", False),
        ("  ", False),
    ],
)
def test_sharing_without_sign_in_takes_an_explicit_yes(value: str | None, shared: bool) -> None:
    """LIPSYNC_SHARE_WITHOUT_SIGN_IN is off unless set to a yes."""
    environ = {} if value is None else {"LIPSYNC_SHARE_WITHOUT_SIGN_IN": value}
    assert share_without_sign_in(environ, secrets_path=None) is shared


def test_sharing_is_read_from_the_secrets_file_too(tmp_path: Path) -> None:
    """Like every setting, the same name in secrets.toml works; the environment wins."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('LIPSYNC_SHARE_WITHOUT_SIGN_IN = "yes"\n[auth]\nclient_id = "x"\n')
    assert share_without_sign_in({}, secrets_path=secrets) is True
    environ = {"LIPSYNC_SHARE_WITHOUT_SIGN_IN": "no"}
    assert share_without_sign_in(environ, secrets_path=secrets) is False


def test_a_sharing_value_that_is_neither_yes_nor_no_is_a_sentence() -> None:
    """A typo does not silently open (or close) the dashboard: it says what to write."""
    with pytest.raises(ConfigurationError) as refused:
        share_without_sign_in({"LIPSYNC_SHARE_WITHOUT_SIGN_IN": "maybe"}, secrets_path=None)
    assert str(refused.value) == (
        "LIPSYNC_SHARE_WITHOUT_SIGN_IN is 'maybe'; use yes (serve other computers without "
        "sign-in) or no."
    )
