"""The address guard's trust: the app's own servers while they run, the deployment's
``LIPSYNC_FETCH_ALLOW`` (environment or secrets.toml), and nothing else on private networks."""

from __future__ import annotations

from pathlib import Path

import pytest

from lipsync_core.address_guard import AddressRefusedError, checked_addresses, checked_target
from lipsync_core.config import load_settings, parse_fetch_allow
from lipsync_core.errors import ConfigurationError
from lipsync_core.receiver import Receiver
from lipsync_core.sandbox import SandboxConfig, SandboxServer


def test_a_public_address_is_connected_to_as_it_is() -> None:
    """A public address passes, and is the one to connect to."""
    assert checked_addresses("8.8.8.8", 443) == ["8.8.8.8"]


def test_the_sandbox_is_trusted_while_it_runs_and_only_then(tmp_path: Path) -> None:
    """A started sandbox registers its own address; once stopped, that address is refused."""
    server = SandboxServer(SandboxConfig(data_dir=tmp_path)).start()
    url = server.base_url + "/samples/face.mp4"
    try:
        assert checked_target(url).address == "127.0.0.1"
    finally:
        server.stop()
    with pytest.raises(AddressRefusedError, match="local or private network address"):
        checked_target(url)


def test_the_receiver_is_trusted_while_it_runs_and_only_then(tmp_path: Path) -> None:
    """The receiver (where the embedded sandbox sends AusyncLab's callbacks) is trusted too."""
    receiver = Receiver(tmp_path, lambda job_id, payload: None, lambda: b"test-secret").start()
    url = receiver.callback_url
    try:
        assert checked_target(url).port == receiver.port
    finally:
        receiver.stop()
    with pytest.raises(AddressRefusedError, match="local or private network address"):
        checked_target(url)


def test_the_setting_is_read_from_secrets_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``LIPSYNC_FETCH_ALLOW`` in ``.streamlit/secrets.toml`` counts, read at each fetch."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIPSYNC_FETCH_ALLOW", raising=False)
    url = "http://127.0.0.1:8765/clip.mp4"
    with pytest.raises(AddressRefusedError):
        checked_target(url)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        'LIPSYNC_FETCH_ALLOW = "127.0.0.1:8765"\n'
    )
    assert checked_target(url).address == "127.0.0.1"


@pytest.mark.parametrize(
    ("value", "entries"),
    [
        ("", ()),
        ("media.lan", ("media.lan",)),
        (" Media.LAN:8080 , 10.0.0.5,[::1]:9000,", ("media.lan:8080", "10.0.0.5", "[::1]:9000")),
    ],
)
def test_the_setting_is_a_comma_separated_list(value: str, entries: tuple[str, ...]) -> None:
    """Entries are ``host`` or ``host:port`` (IPv6 in brackets), trimmed and lower-cased."""
    assert parse_fetch_allow(value) == entries


@pytest.mark.parametrize("value", ["http://media.lan", "::1", "host:99999", "a b", "/etc"])
def test_a_malformed_setting_is_refused_in_plain_words(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad entry stops the start-up with a sentence, and refuses fetches rather than guess."""
    with pytest.raises(ConfigurationError, match="LIPSYNC_FETCH_ALLOW has the entry"):
        load_settings({"LIPSYNC_FETCH_ALLOW": value}, secrets_path=None)
    monkeypatch.setenv("LIPSYNC_FETCH_ALLOW", value)
    with pytest.raises(AddressRefusedError, match="LIPSYNC_FETCH_ALLOW has the entry"):
        checked_target("https://8.8.8.8/clip.mp4")
