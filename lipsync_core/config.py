"""Settings from the environment or ``.streamlit/secrets.toml`` (same names; environment wins).

The core reads the TOML file itself (``tomllib``) so that scripts get the same settings as the
dashboard without importing Streamlit.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from lipsync_core.errors import ConfigurationError, provider_display_name
from lipsync_core.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, ngettext
from lipsync_core.providers import ausynclab, kling, twinsync
from lipsync_core.redaction import MIN_SECRET_LENGTH, Secret

PROVIDERS = ("ausynclab", "kling", "twinsync")
DEFAULT_RECEIVER_PORT = 8502
DEFAULT_SANDBOX_JOB_SECONDS = 8.0
DEFAULT_BASE_URLS = {
    "ausynclab": ausynclab.DEFAULT_BASE_URL,
    "kling": kling.DEFAULT_BASE_URL,
    "twinsync": twinsync.DEFAULT_BASE_URL,
}
DEFAULT_SECRETS_PATH = Path(".streamlit/secrets.toml")
FETCH_ALLOW = "LIPSYNC_FETCH_ALLOW"
DATA_DIR = "LIPSYNC_DATA_DIR"
SHARE_WITHOUT_SIGN_IN = "LIPSYNC_SHARE_WITHOUT_SIGN_IN"
LANGUAGE = "LIPSYNC_LANGUAGE"
_YES, _NO = ("yes", "true", "on", "1"), ("no", "false", "off", "0")
DEFAULT_DATA_DIR = "data"
# A ``host`` or ``host:port`` entry: a name or IPv4 address, or an IPv6 address in brackets.
_HOST_ENTRY = re.compile(r"^(?:\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(?::\d{1,5})?$")
KEY_ISSUERS = {"kling": "302.ai"}  # Kling is reached through 302.ai, whose key it takes


class SandboxMode(StrEnum):
    AUTO = "auto"  # providers without a key use the sandbox
    ON = "on"  # every provider uses the sandbox, keys or not
    OFF = "off"  # never; providers without a key are off


class Connection(StrEnum):
    LIVE = "live"
    SANDBOX = "sandbox"
    OFF = "off"


@dataclass(frozen=True)
class ProviderSettings:
    api_key: Secret | None
    base_url: str


@dataclass(frozen=True)
class Settings:
    providers: Mapping[str, ProviderSettings]
    data_dir: Path
    database_url: str
    sandbox: SandboxMode
    public_base_url: str | None
    fetch_allow: tuple[str, ...] = ()  # LIPSYNC_FETCH_ALLOW: hosts trusted on private networks
    receiver_port: int | None = DEFAULT_RECEIVER_PORT  # LIPSYNC_RECEIVER_PORT; None: "off"
    sandbox_job_seconds: float = DEFAULT_SANDBOX_JOB_SECONDS  # LIPSYNC_SANDBOX_JOB_SECONDS

    def connection(self, provider: str) -> Connection:
        """Live (key set), Sandbox (emulated), or Off, by ``LIPSYNC_SANDBOX``."""
        has_key = self.providers[provider].api_key is not None
        if self.sandbox is SandboxMode.ON:
            return Connection.SANDBOX
        if has_key:
            return Connection.LIVE
        return Connection.SANDBOX if self.sandbox is SandboxMode.AUTO else Connection.OFF

    def sandboxed_providers(self) -> list[str]:
        return [p for p in PROVIDERS if self.connection(p) is Connection.SANDBOX]


def load_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = DEFAULT_SECRETS_PATH
) -> Settings:
    values = {
        **_read_secrets(secrets_path),
        **_nonempty(os.environ if environ is None else environ),
    }
    data_dir = Path(values.get(DATA_DIR, DEFAULT_DATA_DIR)).expanduser().resolve()
    return Settings(
        providers={p: _provider_settings(p, values) for p in PROVIDERS},
        data_dir=data_dir,
        database_url=values.get("LIPSYNC_DATABASE_URL") or f"sqlite:///{data_dir / 'lipsync.db'}",
        sandbox=_sandbox_mode(values.get("LIPSYNC_SANDBOX", "auto")),
        public_base_url=(values.get("LIPSYNC_PUBLIC_BASE_URL") or "").rstrip("/") or None,
        fetch_allow=parse_fetch_allow(values.get(FETCH_ALLOW, "")),
        receiver_port=_receiver_port(values.get("LIPSYNC_RECEIVER_PORT")),
        sandbox_job_seconds=_seconds(
            "LIPSYNC_SANDBOX_JOB_SECONDS", values.get("LIPSYNC_SANDBOX_JOB_SECONDS")
        ),
    )


def _receiver_port(value: str | None) -> int | None:
    """``LIPSYNC_RECEIVER_PORT``: a port (0: any free one), or ``off`` for no receiver here."""
    if value is None:
        return DEFAULT_RECEIVER_PORT
    if value.strip().lower() == "off":
        return None
    if value.strip().isdigit() and int(value) < 65536:
        return int(value)
    raise ConfigurationError(
        _("{setting} is {value}; use a port number such as 8502, or off.").format(
            setting="LIPSYNC_RECEIVER_PORT", value=repr(value)
        )
    )


def _seconds(name: str, value: str | None) -> float:
    if value is None:
        return DEFAULT_SANDBOX_JOB_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ConfigurationError(
            _("{setting} is {value}; use a number of seconds from 0 to 3600.").format(
                setting=name, value=repr(value)
            )
        )
    return seconds


@dataclass(frozen=True)
class FetchSettings:
    """What the address guard reads at each fetch: the trusted hosts and the data folder."""

    allow: tuple[str, ...]
    data_dir: Path


def fetch_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = DEFAULT_SECRETS_PATH
) -> FetchSettings:
    """``LIPSYNC_FETCH_ALLOW`` and ``LIPSYNC_DATA_DIR`` as this process is configured now.

    Read afresh at each call (environment first, then ``secrets.toml``), without the other
    settings, so that a fetch never fails over a setting it does not use.
    """
    values = {
        **_read_secrets(secrets_path),
        **_nonempty(os.environ if environ is None else environ),
    }
    return FetchSettings(
        allow=parse_fetch_allow(values.get(FETCH_ALLOW, "")),
        data_dir=Path(values.get(DATA_DIR, DEFAULT_DATA_DIR)),
    )


def share_without_sign_in(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = DEFAULT_SECRETS_PATH
) -> bool:
    """``LIPSYNC_SHARE_WITHOUT_SIGN_IN``: whether a dashboard without sign-in serves other
    computers too (default no: only the one it runs on). Read afresh at each call.

    Raises :class:`ConfigurationError` for a value that is neither yes nor no.
    """
    values = {
        **_read_secrets(secrets_path),
        **_nonempty(os.environ if environ is None else environ),
    }
    value = values.get(SHARE_WITHOUT_SIGN_IN, "no").strip().lower()
    if value not in _YES + _NO:
        raise ConfigurationError(
            _(
                "{setting} is {value}; use yes (serve other computers without sign-in) or no."
            ).format(setting=SHARE_WITHOUT_SIGN_IN, value=repr(value))
        )
    return value in _YES


def default_language(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = DEFAULT_SECRETS_PATH
) -> str:
    """``LIPSYNC_LANGUAGE``: the language (``en``, ``vi``, ``zh``) of a person whose browser asks
    for none of the three, until they choose one. Read afresh at each call.

    Raises :class:`ConfigurationError` for another value.
    """
    values = {
        **_read_secrets(secrets_path),
        **_nonempty(os.environ if environ is None else environ),
    }
    value = values.get(LANGUAGE, DEFAULT_LANGUAGE).strip().lower()
    if value not in LANGUAGES:
        raise ConfigurationError(
            _("{setting} is {value}; use one of {choices}.").format(
                setting=LANGUAGE, value=repr(value), choices=", ".join(LANGUAGES)
            )
        )
    return value


def parse_fetch_allow(value: str) -> tuple[str, ...]:
    """``LIPSYNC_FETCH_ALLOW``: comma-separated ``host`` or ``host:port`` entries, lower-cased.

    Raises :class:`ConfigurationError` naming the first entry that is not one.
    """
    entries = tuple(entry.strip().lower() for entry in value.split(",") if entry.strip())
    for entry in entries:
        port = entry.rsplit(":", 1)[1] if re.search(r":\d+$", entry) else None
        if not _HOST_ENTRY.match(entry) or (port is not None and not 0 < int(port) < 65536):
            raise ConfigurationError(
                _(
                    "{setting} has the entry {entry}; each entry must be a host name or address, "
                    "optionally with a port (media.example.lan, 10.0.0.5:8080, [::1]:9000), "
                    "separated by commas."
                ).format(setting=FETCH_ALLOW, entry=repr(entry))
            )
    return entries


def _provider_settings(provider: str, values: Mapping[str, str]) -> ProviderSettings:
    prefix = provider.upper()
    key = values.get(f"{prefix}_API_KEY", "").strip()
    if key and len(key) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            ngettext(
                "{setting} is too short to be a real API key (fewer than {count} character); "
                "copy the whole key from your {issuer} account, or leave the setting empty to use "
                "the sandbox.",
                "{setting} is too short to be a real API key (fewer than {count} characters); "
                "copy the whole key from your {issuer} account, or leave the setting empty to use "
                "the sandbox.",
                MIN_SECRET_LENGTH,
            ).format(
                setting=f"{prefix}_API_KEY",
                count=MIN_SECRET_LENGTH,
                issuer=KEY_ISSUERS.get(provider, provider_display_name(provider)),
            )
        )
    base_url = values.get(f"{prefix}_BASE_URL") or DEFAULT_BASE_URLS[provider]
    return ProviderSettings(api_key=Secret(key) if key else None, base_url=base_url.rstrip("/"))


def _sandbox_mode(value: str) -> SandboxMode:
    try:
        return SandboxMode(value.strip().lower())
    except ValueError:
        raise ConfigurationError(
            _("{setting} is {value}; use auto, on or off.").format(
                setting="LIPSYNC_SANDBOX", value=repr(value)
            )
        ) from None


def _nonempty(values: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if isinstance(v, str) and v.strip()}


def _read_secrets(path: Path | None) -> dict[str, str]:
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            _(
                "{path} is not valid TOML (line {line}); compare it with secrets.toml.example."
            ).format(path=path, line=getattr(exc, "lineno", "?"))
        ) from None
    return {k: str(v) for k, v in data.items() if not isinstance(v, dict)}
