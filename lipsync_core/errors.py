"""One error hierarchy for every provider.

Every error's ``str()`` is a sentence a non-technical person can act on; the raw facts (provider,
HTTP status, provider code and message, request id) travel as attributes for logs and support.
No error text ever contains an API key: the transport redacts keys before an error is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PROVIDER_NAMES = {"ausynclab": "AusyncLab", "kling": "Kling", "twinsync": "TwinSync"}


def provider_display_name(provider: str) -> str:
    """The name a person knows a provider by ("kling" -> "Kling")."""
    return PROVIDER_NAMES.get(provider, provider)


class LipsyncError(Exception):
    """Base class of every error raised by ``lipsync_core``."""


class ProviderError(LipsyncError):
    """A provider refused a request, failed, or answered something we cannot use."""

    default_sentence = "{name} reported a problem"

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

    def _default_message(self) -> str:
        sentence = self.default_sentence.format(name=provider_display_name(self.provider))
        if self.provider_message:
            sentence += f": {self.provider_message.rstrip('.')}"
        return sentence + self._code_suffix() + "."

    def _code_suffix(self) -> str:
        if self.provider_code is not None:
            return f" (code {self.provider_code})"
        if self.http_status is not None:
            return f" (HTTP {self.http_status})"
        return ""

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

    default_sentence = "{name} did not accept the API key; check it in the settings"


class InvalidRequestError(ProviderError):
    """The provider rejected the request's parameters or media."""

    default_sentence = "{name} rejected the request"


class NotFoundError(ProviderError):
    """The video, task or resource asked for does not exist at the provider."""

    default_sentence = "{name} could not find what was asked for"


class RateLimitError(ProviderError):
    """Too many requests, too many concurrent tasks, or no credits left on the account."""

    default_sentence = "{name} is refusing more work for now"

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kw):
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ProviderUnavailableError(ProviderError):
    """The provider is down, failed internally, or could not be reached in time."""

    default_sentence = "{name} is not available right now; try again in a few minutes"


class ProviderTimeoutError(ProviderUnavailableError, TimeoutError):
    """The provider did not answer within the time allowed."""

    default_sentence = "{name} did not answer in time; try again in a few minutes"


class UnexpectedResponseError(ProviderError):
    """The provider answered with something that is not its documented JSON."""

    default_sentence = "{name} sent an answer this app does not understand"


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
