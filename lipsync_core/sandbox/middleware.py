"""The outermost ASGI layer: logs every request, applies injected faults, surfaces exceptions.

Raw ASGI rather than a Starlette ``BaseHTTPMiddleware`` because two faults need the wire itself:
a truncated body with a matching ``Content-Length``, and a TCP connection closed without any
response (through the transport that ``server.SandboxH11Protocol`` puts in the scope).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from lipsync_core.sandbox.config import BASE_PATHS
from lipsync_core.sandbox.faults import Fault, FaultKind, fault_response
from lipsync_core.sandbox.state import RequestRecord, SandboxState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ADMIN_PREFIX = "/_sandbox"
TRANSPORT_EXTENSION = "lipsync.sandbox.transport"
SANDBOX_HEADER = (b"x-lipsync-sandbox", b"emulated; no real lip movement is generated")
SECRET_FIELDS = {"key", "api_key"}


def provider_of(path: str) -> str | None:
    for provider, base in BASE_PATHS.items():
        if path == base or path.startswith(base + "/"):
            return provider
    return None


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, _with_sandbox_header(send))
            return
        arrived = self.state.clock.now()
        body = await _read_body(receive)
        provider = provider_of(scope["path"])
        fault = self.state.faults.take(provider, scope["method"], scope["path"])
        log = _RequestLog(
            self.state,
            provider=provider,
            method=scope["method"],
            path=scope["path"],
            query=_redacted_query(scope.get("query_string", b"")),
            body_keys=await _body_keys(scope, body),
            time=arrived,
            fault=fault.kind.value if fault else None,
        )
        try:
            await self._answer(scope, _replay(body, receive), _logging(send, log), fault, log)
        except Exception as exc:
            self.state.record_error(exc)
            raise
        finally:
            log.write(None)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, fault: Fault | None, log: _RequestLog
    ) -> None:
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.latency and fault.kind is not FaultKind.LATE_ANSWER:
            await asyncio.sleep(fault.latency)
        if fault.kind is FaultKind.LATENCY:
            await self.app(scope, receive, send)
        elif fault.kind is FaultKind.LATE_ANSWER:
            await self.app(scope, receive, _held_back(send, fault.latency))
        elif fault.kind is FaultKind.DROP_CONNECTION:
            log.write(None)
            await _drop_connection(scope, receive)
        else:
            response = fault_response(fault, provider_of(scope["path"]))
            headers = [*response.headers, (b"content-length", str(len(response.body)).encode())]
            await send(
                {"type": "http.response.start", "status": response.status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": response.body})


def _held_back(send: Send, seconds: float) -> Send:
    """A send that waits ``seconds`` before the answer starts (the work is already done)."""

    async def held(message: Message) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(seconds)
        await send(message)

    return held


async def _drop_connection(scope: Scope, receive: Receive) -> None:
    """Close the TCP connection without a byte of response, then wait for the server to notice."""
    transport = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
    if transport is None:
        raise RuntimeError("drop_connection needs the sandbox's own HTTP protocol (server.py)")
    transport.close()
    async with asyncio.timeout(2):
        while (await receive())["type"] != "http.disconnect":
            pass


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that yields the already-read body once, then defers to the server's."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


class _RequestLog:
    """Writes a request's record once: when its answer starts (so a client that has the answer
    finds it in the log), or with no status when none was sent."""

    def __init__(self, state: SandboxState, **fields: Any) -> None:
        self.state = state
        self.fields = fields
        self.written = False

    def write(self, status: int | None) -> None:
        if not self.written:
            self.written = True
            self.state.record_request(RequestRecord(status=status, **self.fields))


def _logging(send: Send, log: _RequestLog | None) -> Send:
    async def logged(message: Message) -> None:
        if message["type"] == "http.response.start":
            if log is not None:
                log.write(message["status"])
            message = {**message, "headers": [*message.get("headers", []), SANDBOX_HEADER]}
        await send(message)

    return logged


def _with_sandbox_header(send: Send) -> Send:
    return _logging(send, None)


def _redacted_query(query_string: bytes) -> str:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return urlencode([(k, "***" if k in SECRET_FIELDS else v) for k, v in pairs])


async def _body_keys(scope: Scope, body: bytes) -> tuple[str, ...]:
    """The field names of a JSON object or form body; values are never kept."""
    if not body:
        return ()
    content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1")
    if "json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            return ()
        return tuple(data) if isinstance(data, dict) else ()
    if "form" in content_type:
        request = Request(dict(scope), _replay(body, _no_more_body))
        try:
            async with request.form() as form:
                return tuple(dict.fromkeys(form.keys()))
        except (HTTPException, MultiPartException):
            return ()
    return ()


async def _no_more_body() -> Message:
    return {"type": "http.disconnect"}
