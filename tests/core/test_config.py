"""Settings: an API key too short to be real is refused at start-up, without showing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lipsync_core.config import Connection, load_settings
from lipsync_core.errors import ConfigurationError


@pytest.mark.parametrize("name", ["AUSYNCLAB_API_KEY", "KLING_API_KEY", "TWINSYNC_API_KEY"])
@pytest.mark.parametrize("key", ["Zq9", "abc1234", " seven7 "])
def test_a_key_under_eight_characters_is_refused_with_a_plain_sentence(name, key):
    """The error names the setting in a sentence and never repeats the key."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings({name: key}, secrets_path=None)
    message = str(caught.value)
    assert message.startswith(f"{name} is too short to be a real API key")
    assert key.strip() not in message.replace(name, "")


def test_a_short_key_in_secrets_toml_is_refused_too(tmp_path: Path):
    """The same rule holds for the secrets file."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('KLING_API_KEY = "short"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="KLING_API_KEY is too short"):
        load_settings({}, secrets_path=secrets)


@pytest.mark.parametrize("key", ["12345678", "sk-live-0123456789abcdef"])
def test_a_key_of_eight_or_more_characters_makes_the_provider_live(key):
    """Eight characters is enough; the provider goes live with its key kept as a Secret."""
    settings = load_settings({"TWINSYNC_API_KEY": key}, secrets_path=None)
    assert settings.connection("twinsync") is Connection.LIVE
    entry = settings.providers["twinsync"].api_key
    assert entry is not None and entry.reveal() == key


def test_an_empty_key_means_no_key():
    """An empty or blank setting is no key at all: the sandbox in auto mode."""
    settings = load_settings({"AUSYNCLAB_API_KEY": "  "}, secrets_path=None)
    assert settings.connection("ausynclab") is Connection.SANDBOX
