"""The shared transport: one ``requests.Session`` per client, timeouts, safe retries, redaction.

Retries are urllib3's ``Retry`` mounted on the session's adapter for the client's base URL only:
GET and DELETE are retried on 429/502/503/504 and on connection errors, with exponential backoff,
jitter, and ``Retry-After`` honoured up to a cap. A POST that reached the server is never sent
again (it may have created a paid job); a POST whose connection could not even be opened may be,
because nothing was sent.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.util.retry import Retry

from lipsync_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    UnexpectedResponseError,
    provider_display_name,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
RETRY_METHODS = frozenset({"GET", "DELETE"})
REDACTED = "***"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the transport tries again; the worst case is bounded by these numbers."""

    attempts: int = 3
    backoff_factor: float = 0.5
    backoff_max: float = 8.0
    backoff_jitter: float = 0.25
    retry_after_max: int = 10
    connect_timeout: float = 5.0

    def to_urllib3(self) -> Retry:
        return Retry(
            total=self.attempts,
            connect=self.attempts,
            read=self.attempts,
            status=self.attempts,
            other=0,
            redirect=3,
            allowed_methods=RETRY_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff_jitter,
            respect_retry_after_header=True,
            retry_after_max=self.retry_after_max,
            raise_on_status=False,
        )


class Secret:
    """An API key that never shows itself in ``repr``, ``str`` or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """Replace every occurrence of the key in ``text``."""
        if not self._value:
            return text
        return text.replace(self._value, REDACTED)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def status_error_class(status: int) -> type[ProviderError]:
    """The error class for an HTTP status when the body says nothing more useful."""
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ProviderUnavailableError
    return InvalidRequestError


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def looks_like_html(response: requests.Response) -> bool:
    content_type = response.headers.get("Content-Type", "")
    return "html" in content_type or response.text.lstrip()[:1] == "<"


def html_summary(response: requests.Response) -> str:
    """A short description of an HTML error page: its title, never the page itself."""
    match = _TITLE.search(response.text)
    text = match.group(1) if match else _TAGS.sub(" ", response.text)
    words = " ".join(text.split())[:80]
    return words or f"HTTP {response.status_code}"


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


def _is_timeout(exc: requests.RequestException) -> bool:
    """requests reports a read timeout that exhausted its retries as a ConnectionError."""
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    if isinstance(reason, urllib3_exceptions.NewConnectionError):
        return False  # a subclass of ConnectTimeoutError in urllib3, but a refusal
    return isinstance(reason, urllib3_exceptions.TimeoutError)


class Transport:
    """Sends requests to one provider's base URL and turns transport failures into our errors."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        secret: Secret,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        adapter = HTTPAdapter(max_retries=self.retry.to_urllib3())
        self.session.mount(self.base_url + "/", adapter)

    def __repr__(self) -> str:
        return f"Transport(provider={self.provider!r}, base_url={self.base_url!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request (with the policy's retries) and return the final response."""
        url = self.base_url + path
        timeout = (min(self.retry.connect_timeout, self.timeout), self.timeout)
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, params=params, json=json, data=data, headers=headers, timeout=timeout
            )
        except requests.RequestException as exc:
            cls = ProviderTimeoutError if _is_timeout(exc) else ProviderUnavailableError
            raise self._unavailable(cls, exc) from exc
        logger.debug(
            "%s %s %s -> %s in %.2fs",
            self.provider,
            method,
            path,
            response.status_code,
            time.monotonic() - started,
        )
        return response

    def _unavailable(self, cls: type[ProviderError], exc: Exception) -> ProviderError:
        name = provider_display_name(self.provider)
        reason = "did not answer in time" if cls is ProviderTimeoutError else "could not be reached"
        logger.info("%s %s: %s", self.provider, reason, self.secret.redact(type(exc).__name__))
        return cls(
            f"{name} {reason}; check your connection or try again in a few minutes.",
            provider=self.provider,
        )

    def json_body(self, response: requests.Response) -> Any:
        """The decoded JSON body, or an ``UnexpectedResponseError`` that says what came instead."""
        try:
            return response.json()
        except ValueError as exc:
            raise self.unexpected(response) from exc

    def unexpected(self, response: requests.Response, detail: str = "") -> UnexpectedResponseError:
        name = provider_display_name(self.provider)
        if looks_like_html(response):
            what = f"a web page instead of data ({html_summary(response)})"
        elif not response.content:
            what = "an empty answer"
        else:
            what = detail or "an answer this app does not understand"
        message = self.secret.redact(f"{name} sent {what} (HTTP {response.status_code}).")
        return UnexpectedResponseError(
            message, provider=self.provider, http_status=response.status_code
        )

    def error_page(self, response: requests.Response) -> ProviderError:
        """An error status whose body is not JSON (an HTML page from a gateway, or nothing)."""
        cls = status_error_class(response.status_code)
        name = provider_display_name(self.provider)
        if looks_like_html(response):
            what = f"an error page ({html_summary(response)})"
        else:
            what = "an error with no details"
        message = self.secret.redact(f"{name} answered with {what} (HTTP {response.status_code}).")
        if cls is ProviderUnavailableError:
            message += " Try again in a few minutes."
        extra = {"retry_after": retry_after_seconds(response)} if cls is RateLimitError else {}
        return cls(message, provider=self.provider, http_status=response.status_code, **extra)
