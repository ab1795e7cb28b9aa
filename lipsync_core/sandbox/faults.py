"""Faults a test can inject per endpoint: latency, late answers, 429, HTML 5xx, truncated JSON,
answers of the wrong shape, auth and business errors, drops, failures.

A fault matches a provider (``None``: any), an HTTP method (``"*"``: any) and a regular
expression searched in the request's full path, and applies to that many matching requests.
``latency`` waits before the emulated API handles the request; ``late_answer`` lets the API
handle it at once (a job is created) and holds the answer back ``latency`` seconds, like a
provider that answers after the client gave up. ``fail_job`` makes the next job created on a
matching endpoint fail. Every other kind answers the request in place of the emulated API (see
``middleware.py``), in the provider's own shapes.
"""

from __future__ import annotations

import json
import math
import re
import threading
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    LATENCY = "latency"
    STATUS_429 = "status_429"
    HTML_500 = "html_500"
    HTML_502 = "html_502"
    MALFORMED_JSON = "malformed_json"
    DROP_CONNECTION = "drop_connection"
    LATE_ANSWER = "late_answer"
    WRONG_SHAPE = "wrong_shape"
    AUTH_ERROR = "auth_error"
    BUSINESS_ERROR = "business_error"
    FAIL_JOB = "fail_job"


@dataclass(eq=False)
class Fault:
    provider: str | None
    method: str
    path_regex: str
    kind: FaultKind
    count: int = 1
    latency: float = 0.0
    retry_after: float | None = None
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)
        self.method = (self.method or "*").upper()
        self._pattern = re.compile(self.path_regex)
        if self.count < 1:
            raise ValueError("a fault's count must be at least 1")
        if self.latency < 0:
            raise ValueError("a fault's latency must not be negative")

    def matches(self, provider: str | None, method: str, path: str) -> bool:
        return (
            self.provider in (None, provider)
            and self.method in ("*", method.upper())
            and self._pattern.search(path) is not None
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "method": self.method,
            "path_regex": self.path_regex,
            "kind": self.kind.value,
            "count": self.count,
            "latency": self.latency,
            "retry_after": self.retry_after,
        }


class FaultRegistry:
    """Faults in the order they were added; each match uses up one of a fault's ``count``."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, provider: str | None, method: str, path: str) -> Fault | None:
        """The first request-level fault matching this request, used up by one."""
        return self._take(provider, method, path, job=False)

    def take_fail_job(self, provider: str, method: str, path: str) -> bool:
        """Whether the job being created on this endpoint must fail (uses the fault up)."""
        return self._take(provider, method, path, job=True) is not None

    def _take(self, provider: str | None, method: str, path: str, *, job: bool) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                is_job = fault.kind is FaultKind.FAIL_JOB
                if is_job == job and fault.matches(provider, method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None


@dataclass(frozen=True)
class FaultResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

# The first bytes of each provider's success envelope: a body cut off mid-way.
TRUNCATED_JSON = {
    "ausynclab": '{"status": 200, "result": {"video_id": 1',
    "kling": '{"code": 0, "message": "SUCCEED", "request_id": "',
    "twinsync": '{"task_id": "20230423_11_23_05',
    None: '{"detail": "',
}


def rate_limit_body(provider: str | None) -> dict[str, Any]:
    """Each provider's own way of saying "too many requests"."""
    if provider == "kling":
        return {
            "code": 1302,
            "message": "Too many requests: the API rate limit was exceeded, retry later",
            "request_id": str(uuid.uuid4()),
            "data": None,
        }
    if provider == "twinsync":
        return {"result_code": 203, "msg": "Too many requests, please retry later."}
    return {"detail": "Too Many Requests"}


# A well-formed success envelope around a payload of the wrong shape.
WRONG_SHAPES: dict[str | None, Any] = {
    "ausynclab": {"status": 200, "result": "ok"},
    "kling": {"code": 0, "message": "SUCCEED", "request_id": "req-shape", "data": [1, 2, 3]},
    "twinsync": {"result_code": "done", "task_id": ["t"], "msg": {"a": 1}},
    None: {"ok": True},
}
# Each provider's own refusal of a key, as its documents and the sandbox's auth checks say.
AUTH_ERRORS: dict[str | None, tuple[int, Any]] = {
    "ausynclab": (401, {"detail": "Invalid API key"}),
    "kling": (401, {"code": 1000, "message": "Authentication failed", "request_id": "req-auth"}),
    "twinsync": (200, {"result_code": 201, "msg": "key error"}),
    None: (401, {"detail": "Invalid API key"}),
}
# Each provider's own "bad request" in its business shape.
BUSINESS_ERRORS: dict[str | None, tuple[int, Any]] = {
    "ausynclab": (
        422,
        {"detail": [{"loc": ["body", "audio_url"], "msg": "invalid url", "type": "value_error"}]},
    ),
    "kling": (
        400,
        {"code": 1201, "message": "Invalid parameter", "request_id": "req-bad", "data": None},
    ),
    "twinsync": (200, {"result_code": 202, "msg": "url error"}),
    None: (422, {"detail": "invalid"}),
}


def fault_response(fault: Fault, provider: str | None) -> FaultResponse:
    """The response a request-level fault answers with (not for latency or drops)."""
    if fault.kind is FaultKind.STATUS_429:
        headers = [(b"content-type", b"application/json")]
        if fault.retry_after is not None:
            headers.append((b"retry-after", _seconds(fault.retry_after).encode()))
        return FaultResponse(429, headers, json.dumps(rate_limit_body(provider)).encode())
    if fault.kind in (FaultKind.HTML_500, FaultKind.HTML_502):
        code, reason = (
            (500, "Internal Server Error")
            if fault.kind is FaultKind.HTML_500
            else (502, "Bad Gateway")
        )
        body = NGINX_PAGE.format(code=code, reason=reason).encode()
        return FaultResponse(code, [(b"content-type", b"text/html")], body)
    if fault.kind is FaultKind.MALFORMED_JSON:
        body = TRUNCATED_JSON.get(provider, TRUNCATED_JSON[None]).encode()
        return FaultResponse(200, [(b"content-type", b"application/json")], body)
    if fault.kind is FaultKind.WRONG_SHAPE:
        return _json(200, WRONG_SHAPES.get(provider, WRONG_SHAPES[None]))
    if fault.kind is FaultKind.AUTH_ERROR:
        return _json(*AUTH_ERRORS.get(provider, AUTH_ERRORS[None]))
    if fault.kind is FaultKind.BUSINESS_ERROR:
        return _json(*BUSINESS_ERRORS.get(provider, BUSINESS_ERRORS[None]))
    raise ValueError(f"{fault.kind} is not answered with a response")


def _json(status: int, body: Any) -> FaultResponse:
    return FaultResponse(
        status, [(b"content-type", b"application/json")], json.dumps(body).encode()
    )


def _seconds(value: float) -> str:
    """Retry-After is whole seconds (RFC 9110); a fraction is rounded up."""
    return str(math.ceil(value))
