"""The deployment's own small HTTP server: uploads for providers to fetch, callbacks to receive.

Streamlit serves pages, not arbitrary GETs and POSTs, yet live providers fetch media by URL and
AusyncLab reports the credits a job used only in its callback. This server, started beside the
dashboard, serves ``<data_dir>/uploads/`` at ``/uploads/`` and takes AusyncLab callbacks at
``POST /callbacks/ausynclab/<job id>/<token>``. ``LIPSYNC_PUBLIC_BASE_URL`` is the public address
that reaches it, so everything it takes in is treated as coming from anyone:

* A callback is refused with a plain status, changing nothing, when its token is not the job's
  (403, compared in constant time), its content type is not ``application/json`` (415: a web
  page on another origin cannot send that without a CORS preflight, which this server never
  grants), its body is over :data:`MAX_CALLBACK_BYTES` (413, read in chunks and never past the
  limit), it is not a JSON object (400, deep nesting included), or a value is out of range or
  about another video (422, 409; see :mod:`lipsync_core.callbacks`).
* An uploaded file is served with the media type of its extension, ``nosniff``, a sandboxing
  content security policy, and as an attachment unless it is audio or video, so no file is ever
  run as a web page. Hidden files (uploads being written) are not served.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from uvicorn.protocols.http.h11_impl import H11Protocol

from lipsync_core.address_guard import add_own_service, remove_own_service
from lipsync_core.callback_secret import token_matches
from lipsync_core.callbacks import CallbackRefused
from lipsync_core.errors import ConfigurationError
from lipsync_core.uploads import media_type

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/callbacks/ausynclab"
START_TIMEOUT = 10.0
# An AusyncLab callback is a few hundred bytes (ids, a status, a message, an output link).
MAX_CALLBACK_BYTES = 16 * 1024
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
UPLOAD_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}

CallbackHandler = Callable[[str, Mapping[str, Any]], object]
SecretSource = Callable[[], bytes]


def create_app(uploads: Path, on_callback: CallbackHandler, secret: SecretSource) -> FastAPI:
    """The receiver's routes; ``secret`` gives the server secret the job tokens are made with."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    uploads.mkdir(parents=True, exist_ok=True)

    @app.api_route("/uploads/{name:path}", methods=["GET", "HEAD"])
    async def uploaded(name: str) -> Response:
        return serve_upload(uploads, name)

    @app.post(CALLBACK_PATH)
    async def without_secret() -> JSONResponse:
        return refusal(403, "This callback address has no job secret; it is not one this app gave.")

    @app.post(CALLBACK_PATH + "/{job_id}/{token}")
    async def ausynclab_callback(job_id: str, token: str, request: Request) -> JSONResponse:
        checked = await _checked_request(request, job_id, token, secret)
        if isinstance(checked, JSONResponse):
            return checked
        try:
            job = await run_in_threadpool(on_callback, job_id, checked)
        except CallbackRefused as exc:
            logger.info("AusyncLab callback for job %s refused: %s", job_id, exc)
            return refusal(exc.status, str(exc))
        return JSONResponse({"received": True, "matched": job is not None})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _checked_request(
    request: Request, job_id: str, token: str, secret: SecretSource
) -> dict[str, Any] | JSONResponse:
    """The callback's JSON object, or the refusal to answer with (in the order checked)."""
    try:
        server_secret = await run_in_threadpool(secret)
    except ConfigurationError as exc:
        logger.error("AusyncLab callbacks cannot be checked: %s", exc)
        return refusal(503, "This app cannot check callbacks now.")
    if not JOB_ID.fullmatch(job_id) or not token_matches(server_secret, job_id, token):
        return refusal(403, "This callback address is not one this app gave.")
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        return refusal(415, "A callback must be sent as application/json.")
    body = await read_limited(request, MAX_CALLBACK_BYTES)
    if body is None:
        return refusal(413, "The callback is too large.", close=True)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return refusal(400, "The body is not JSON.")
    if not isinstance(payload, dict):
        return refusal(400, "The body is not a JSON object.")
    return payload


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or ``None`` as soon as it is known to be over ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        return None
    return b"".join(chunks)


def refusal(status: int, detail: str, *, close: bool = False) -> JSONResponse:
    """A plain refusal; ``close`` ends the connection (the rest of a body is not read)."""
    headers = {"Connection": "close"} if close else None
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def serve_upload(folder: Path, name: str) -> Response:
    """A file of the uploads folder, served so that no browser ever runs it as a page."""
    path = _upload_path(folder, name)
    if path is None:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    kind = media_type(path)
    headers = dict(UPLOAD_HEADERS)
    if not kind.startswith(("audio/", "video/")):
        headers["Content-Disposition"] = "attachment"
    return FileResponse(path, media_type=kind, headers=headers)


def _upload_path(folder: Path, name: str) -> Path | None:
    """The file ``name`` names inside ``folder``; ``None`` for hidden, missing or outside ones."""
    parts = PurePosixPath(name).parts
    if not parts or any(part.startswith(".") for part in parts):
        return None
    try:
        root = folder.resolve()
        path = (root / name).resolve()
        found = path.is_relative_to(root) and path.is_file()
    except (OSError, ValueError):
        return None
    return path if found else None


class _NoDelayH11(H11Protocol):
    """uvicorn's h11 protocol with Nagle's algorithm off: uvicorn writes headers and body
    separately, and with the client's delayed ACK each small answer would wait ~40 ms."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Receiver:
    """Runs :func:`create_app` on a real port in a daemon thread."""

    def __init__(
        self,
        uploads: Path,
        on_callback: CallbackHandler,
        secret: SecretSource,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        self._app = create_app(uploads, on_callback, secret)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def callback_url(self) -> str:
        """The callback base; each job's own address is ``<this>/<job id>/<token>``."""
        return self.base_url + CALLBACK_PATH

    def start(self) -> Receiver:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app, http=_NoDelayH11, log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="receiver"
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the upload and callback receiver did not start")
            time.sleep(0.01)
        add_own_service(self.host, self.port)  # the embedded sandbox may call it back
        return self

    def stop(self) -> None:
        if self._server is not None:
            remove_own_service(self.host, self.port)
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
