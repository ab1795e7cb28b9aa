"""One error hierarchy for every provider.

Every error's ``str()`` is a sentence a non-technical person can act on; the raw facts (provider,
HTTP status, provider code and message, request id) travel as attributes for logs and support.
No error text ever contains an API key: the transport redacts keys before an error is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from lipsync_core.i18n import N_, _

PROVIDER_NAMES = {"ausynclab": "AusyncLab", "kling": "Kling", "twinsync": "TwinSync"}


def provider_display_name(provider: str) -> str:
    """The name a person knows a provider by ("kling" -> "Kling")."""
    return PROVIDER_NAMES.get(provider, provider)


class LipsyncError(Exception):
    """Base class of every error raised by ``lipsync_core``."""


@dataclass(frozen=True)
class Wording:
    """An error class's sentence as whole messages, one per shape: alone, with the provider's
    code or HTTP status, and each of these with the provider's own words (``{details}``).

    Text kept with a job is matched whole against the catalogue, so every shape an error's
    words can take is a message of its own.
    """

    plain: str
    code: str
    http: str
    detailed: str
    detailed_code: str
    detailed_http: str


class ProviderError(LipsyncError):
    """A provider refused a request, failed, or answered something we cannot use."""

    wording: ClassVar[Wording] = Wording(
        N_("{name} reported a problem."),
        N_("{name} reported a problem (code {code})."),
        N_("{name} reported a problem (HTTP {status})."),
        N_("{name} reported a problem: {details}."),
        N_("{name} reported a problem: {details} (code {code})."),
        N_("{name} reported a problem: {details} (HTTP {status})."),
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str,
        http_status: int | None = None,
        provider_code: int | str | None = None,
        provider_message: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.provider = provider
        self.http_status = http_status
        self.provider_code = provider_code
        self.provider_message = provider_message
        self.request_id = request_id
        self.message = message or self._default_message()
        super().__init__(self.message)

    @classmethod
    def sentence(
        cls,
        name: str,
        details: str | None = None,
        *,
        code: int | str | None = None,
        http_status: int | None = None,
    ) -> str:
        """The class's words about provider ``name`` in the current language: with ``details``
        (the provider's own message, never translated), then its code, else the HTTP status."""
        wording = cls.wording
        if code is not None:
            template = wording.detailed_code if details else wording.code
        elif http_status is not None:
            template = wording.detailed_http if details else wording.http
        else:
            template = wording.detailed if details else wording.plain
        return _(template).format(
            name=name, details=(details or "").rstrip("."), code=code, status=http_status
        )

    def _default_message(self) -> str:
        return self.sentence(
            provider_display_name(self.provider),
            self.provider_message,
            code=self.provider_code,
            http_status=self.http_status,
        )

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider!r}, http_status={self.http_status!r}, "
            f"provider_code={self.provider_code!r}, request_id={self.request_id!r}, "
            f"message={self.message!r})"
        )


class AuthenticationError(ProviderError):
    """The API key is missing, wrong, or lacks permission."""

    wording = Wording(
        N_("{name} did not accept the API key; check it in the settings."),
        N_("{name} did not accept the API key; check it in the settings (code {code})."),
        N_("{name} did not accept the API key; check it in the settings (HTTP {status})."),
        N_("{name} did not accept the API key; check it in the settings: {details}."),
        N_("{name} did not accept the API key; check it in the settings: {details} (code {code})."),
        N_(
            "{name} did not accept the API key; check it in the settings: "
            "{details} (HTTP {status})."
        ),
    )


class InvalidRequestError(ProviderError):
    """The provider rejected the request's parameters or media."""

    wording = Wording(
        N_("{name} rejected the request."),
        N_("{name} rejected the request (code {code})."),
        N_("{name} rejected the request (HTTP {status})."),
        N_("{name} rejected the request: {details}."),
        N_("{name} rejected the request: {details} (code {code})."),
        N_("{name} rejected the request: {details} (HTTP {status})."),
    )


class NotFoundError(ProviderError):
    """The video, task or resource asked for does not exist at the provider."""

    wording = Wording(
        N_("{name} could not find what was asked for."),
        N_("{name} could not find what was asked for (code {code})."),
        N_("{name} could not find what was asked for (HTTP {status})."),
        N_("{name} could not find what was asked for: {details}."),
        N_("{name} could not find what was asked for: {details} (code {code})."),
        N_("{name} could not find what was asked for: {details} (HTTP {status})."),
    )


class RateLimitError(ProviderError):
    """Too many requests, too many concurrent tasks, or no credits left on the account."""

    wording = Wording(
        N_("{name} is refusing more work for now."),
        N_("{name} is refusing more work for now (code {code})."),
        N_("{name} is refusing more work for now (HTTP {status})."),
        N_("{name} is refusing more work for now: {details}."),
        N_("{name} is refusing more work for now: {details} (code {code})."),
        N_("{name} is refusing more work for now: {details} (HTTP {status})."),
    )

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kw):
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ProviderUnavailableError(ProviderError):
    """The provider is down, failed internally, or could not be reached in time."""

    wording = Wording(
        N_("{name} is not available right now; try again in a few minutes."),
        N_("{name} is not available right now; try again in a few minutes (code {code})."),
        N_("{name} is not available right now; try again in a few minutes (HTTP {status})."),
        N_("{name} is not available right now; try again in a few minutes: {details}."),
        N_(
            "{name} is not available right now; try again in a few minutes: "
            "{details} (code {code})."
        ),
        N_(
            "{name} is not available right now; try again in a few minutes: "
            "{details} (HTTP {status})."
        ),
    )


class ProviderTimeoutError(ProviderUnavailableError, TimeoutError):
    """The provider did not answer within the time allowed."""

    wording = Wording(
        N_("{name} did not answer in time; try again in a few minutes."),
        N_("{name} did not answer in time; try again in a few minutes (code {code})."),
        N_("{name} did not answer in time; try again in a few minutes (HTTP {status})."),
        N_("{name} did not answer in time; try again in a few minutes: {details}."),
        N_("{name} did not answer in time; try again in a few minutes: {details} (code {code})."),
        N_("{name} did not answer in time; try again in a few minutes: {details} (HTTP {status})."),
    )


class UnexpectedResponseError(ProviderError):
    """The provider answered with something that is not its documented JSON."""

    wording = Wording(
        N_("{name} sent an answer this app does not understand."),
        N_("{name} sent an answer this app does not understand (code {code})."),
        N_("{name} sent an answer this app does not understand (HTTP {status})."),
        N_("{name} sent an answer this app does not understand: {details}."),
        N_("{name} sent an answer this app does not understand: {details} (code {code})."),
        N_("{name} sent an answer this app does not understand: {details} (HTTP {status})."),
    )


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One plain-words result of checking media against a provider's limits."""

    message: str
    severity: Severity = Severity.BLOCKING
    rule: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING


class MediaValidationError(LipsyncError):
    """Media breaks a provider's limits, or cannot be read, before any request is sent."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        self.findings = findings or [Finding(message)]
        super().__init__(message)


class ConfigurationError(LipsyncError):
    """A setting (environment variable or secrets.toml entry) has a value we cannot use."""
