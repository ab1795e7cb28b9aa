"""The shared transport: one ``requests.Session`` per client, timeouts, safe retries, redaction.

Retries are urllib3's ``Retry`` mounted on the session's adapter for the client's base URL only:
GET and DELETE are retried on 429/502/503/504 and on connection errors, with exponential backoff,
jitter, and ``Retry-After`` honoured up to a cap. A POST that reached the server is never sent
again (it may have created a paid job); a POST whose connection could not even be opened may be,
because nothing was sent.

Whatever a provider sends comes back as an ``Answer`` (status, headers, the whole body, at most
``MAX_ANSWER_BYTES``), which the provider modules read. ``Transport.body`` is the one place a body
becomes data (``lipsync_core.wire``: JSON only, finite numbers, bounded depth), every string made
storable and cleared of the API key. Every error built here (``Transport.error``) has its texts
redacted and shortened.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
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
from lipsync_core.i18n import N_, _
from lipsync_core.redaction import REDACTED, Secret
from lipsync_core.wire import clean_tree, decode_json, storable_text

logger = logging.getLogger(__name__)
ErrorT = TypeVar("ErrorT", bound=ProviderError)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
RETRY_METHODS = frozenset({"GET", "DELETE"})
MAX_ANSWER_BYTES = 32 * 1024 * 1024
RETRY_AFTER_MAX_SECONDS = 3600.0
MAX_PROVIDER_TEXT = 300
MAX_REQUEST_ID = 120
__all__ = ["REDACTED", "Answer", "RetryPolicy", "Secret", "Transport"]


@dataclass(frozen=True)
class Answer:
    """What a provider sent back: HTTP status, headers (any case) and the whole body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", CaseInsensitiveDict(self.headers))

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def header(self, name: str) -> str:
        return self.headers.get(name) or ""


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now (a number or an HTTP date), capped; ``None`` if odd."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        seconds = RETRY_AFTER_MAX_SECONDS if len(text) > 9 else float(int(text))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        try:
            seconds = (when - datetime.now(UTC)).total_seconds()
        except OverflowError:
            return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX_SECONDS)


class _TolerantRetry(Retry):
    """urllib3's ``Retry`` reading ``Retry-After`` our way: an odd value means "no advice"."""

    def parse_retry_after(self, retry_after: str) -> float:
        seconds = retry_after_seconds(retry_after)
        return 0.0 if seconds is None else min(seconds, float(self.retry_after_max))


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
        return _TolerantRetry(
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
_HTML_READ = 64 * 1024


def looks_like_html(answer: Answer) -> bool:
    return "html" in answer.header("Content-Type") or answer.content.lstrip()[:1] == b"<"


def html_summary(answer: Answer, clean: Callable[[str], str] = str) -> str:
    """A short description of an HTML error page: its title, never the page itself."""
    page = answer.content[:_HTML_READ].decode("utf-8", errors="replace")
    match = _TITLE.search(page)
    text = clean(match.group(1) if match else _TAGS.sub(" ", page))
    words = " ".join(text.split())[:80]
    return words or f"HTTP {answer.status}"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str) -> str:
    """Text as one line of words: runs of spaces, tabs and line breaks become one space."""
    return " ".join(text.split())


def _is_timeout(exc: requests.RequestException) -> bool:
    """requests reports a read timeout that exhausted its retries as a ConnectionError."""
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    if isinstance(reason, urllib3_exceptions.NewConnectionError):
        return False  # a subclass of ConnectTimeoutError in urllib3, but a refusal
    return isinstance(reason, urllib3_exceptions.TimeoutError)


def _read_capped(response: requests.Response, limit: int) -> bytes | None:
    """The whole (decompressed) body, or ``None`` once it grows past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


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
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.max_answer_bytes = max_answer_bytes
        self.session = session or requests.Session()
        adapter = HTTPAdapter(max_retries=self.retry.to_urllib3())
        self.session.mount(self.base_url + "/", adapter)

    def __repr__(self) -> str:
        return f"Transport(provider={self.provider!r}, base_url={self.base_url!r})"

    @property
    def name(self) -> str:
        return provider_display_name(self.provider)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send one request (with the policy's retries) and return what finally came back."""
        url = self.base_url + path
        timeout = (min(self.retry.connect_timeout, self.timeout), self.timeout)
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=headers,
                timeout=timeout,
                stream=True,
            )
            with response:
                content = _read_capped(response, self.max_answer_bytes)
        except requests.RequestException as exc:
            cls = ProviderTimeoutError if _is_timeout(exc) else ProviderUnavailableError
            raise self._unavailable(cls, exc) from exc
        answer = Answer(response.status_code, response.headers, content or b"")
        logger.debug(
            "%s %s %s -> %s in %.2fs",
            self.provider,
            method,
            path,
            answer.status,
            time.monotonic() - started,
        )
        if content is None:
            message = _("{name} sent an answer larger than {limit} MB (HTTP {status}).").format(
                name=self.name,
                limit=self.max_answer_bytes // (1024 * 1024),
                status=answer.status,
            )
            raise self.error(UnexpectedResponseError, message, answer)
        return answer

    def _unavailable(self, cls: type[ProviderError], exc: Exception) -> ProviderError:
        timed_out = cls is ProviderTimeoutError
        reason = "did not answer in time" if timed_out else "could not be reached"
        logger.info("%s %s: %s", self.provider, reason, type(exc).__name__)
        if timed_out:
            words = _(
                "{name} did not answer in time; check your connection or try again in a few "
                "minutes."
            )
        else:
            words = _(
                "{name} could not be reached; check your connection or try again in a few minutes."
            )
        return cls(words.format(name=self.name), provider=self.provider)

    # -- reading answers ----------------------------------------------------------------------

    def clean_text(self, text: str) -> str:
        """A provider's text, storable and without the key."""
        return self.secret.redact(storable_text(text))

    def provider_text(self, value: Any, limit: int = MAX_PROVIDER_TEXT) -> str | None:
        """A provider's message or id as one short line of clean text; ``None`` if there is none."""
        if value is None or isinstance(value, bool) or value == "":
            return None
        if not isinstance(value, str | int | float):
            return None
        return shorten(one_line(self.clean_text(str(value))), limit) or None

    def body(self, answer: Answer) -> Any:
        """The decoded, cleaned JSON body. A body that is not usable JSON becomes the error its
        status calls for: an error page for an error status, else ``UnexpectedResponseError``."""
        try:
            return clean_tree(decode_json(answer.content), self.clean_text)
        except ValueError as exc:
            raise (self.error_page(answer) if not answer.ok else self.unexpected(answer)) from exc

    # -- errors ---------------------------------------------------------------------------------

    def error(
        self,
        cls: type[ErrorT],
        message: str | None,
        answer: Answer | None = None,
        *,
        provider_code: Any = None,
        provider_message: Any = None,
        request_id: Any = None,
    ) -> ErrorT:
        """The one constructor of provider errors: every text redacted, shortened and storable."""
        extra: dict[str, Any] = {}
        if issubclass(cls, RateLimitError) and answer is not None:
            extra["retry_after"] = retry_after_seconds(answer.header("Retry-After"))
        return cls(
            one_line(self.clean_text(message)) if message else None,
            provider=self.provider,
            http_status=answer.status if answer is not None else None,
            provider_code=self._code(provider_code),
            provider_message=self.provider_text(provider_message),
            request_id=self.provider_text(request_id, MAX_REQUEST_ID),
            **extra,
        )

    def _code(self, value: Any) -> int | str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value if abs(value) < 10**9 else None
        return self.provider_text(value, 40) if isinstance(value, str) else None

    def unexpected(
        self, answer: Answer, words: str | None = None, **values: Any
    ) -> UnexpectedResponseError:
        """An answer that is not what the provider documents. ``words`` says what was wrong with
        a body that was read: a whole message (marked with ``N_``) with ``{name}``, ``{status}``
        and the ``values`` (each shortened)."""
        if looks_like_html(answer):
            words = N_("{name} sent a web page instead of data ({title}) (HTTP {status}).")
            values = {"title": html_summary(answer, self.clean_text)}
        elif not answer.content:
            words, values = N_("{name} sent an empty answer (HTTP {status})."), {}
        elif words is None:
            words = N_("{name} sent an answer this app does not understand (HTTP {status}).")
        shortened = {key: shorten(str(value), MAX_PROVIDER_TEXT) for key, value in values.items()}
        message = _(words).format(name=self.name, status=answer.status, **shortened)
        return self.error(UnexpectedResponseError, message, answer)

    def error_page(self, answer: Answer) -> ProviderError:
        """An error status whose body is not JSON (an HTML page from a gateway, or nothing)."""
        cls = status_error_class(answer.status)
        later = cls is ProviderUnavailableError
        if looks_like_html(answer) and later:
            words = _(
                "{name} answered with an error page ({title}) (HTTP {status}). "
                "Try again in a few minutes."
            )
        elif looks_like_html(answer):
            words = _("{name} answered with an error page ({title}) (HTTP {status}).")
        elif later:
            words = _(
                "{name} answered with an error with no details (HTTP {status}). "
                "Try again in a few minutes."
            )
        else:
            words = _("{name} answered with an error with no details (HTTP {status}).")
        title = html_summary(answer, self.clean_text) if looks_like_html(answer) else ""
        message = words.format(name=self.name, title=title, status=answer.status)
        return self.error(cls, message, answer)
