"""The deployment's own small HTTP server: uploads for providers to fetch, callbacks to receive.

Streamlit serves pages, not arbitrary GETs and POSTs, yet live providers fetch media by URL and
AusyncLab reports the credits a job used only in its callback. This server, started beside the
dashboard, serves ``<data_dir>/uploads/`` at ``/uploads/`` and takes AusyncLab callbacks at
``POST /callbacks/ausynclab``. ``LIPSYNC_PUBLIC_BASE_URL`` is the public address that reaches it.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from lipsync_core.address_guard import add_own_service, remove_own_service
from lipsync_core.errors import LipsyncError

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/callbacks/ausynclab"
START_TIMEOUT = 10.0

CallbackHandler = Callable[[Mapping[str, Any]], object]


def create_app(uploads: Path, on_callback: CallbackHandler) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    uploads.mkdir(parents=True, exist_ok=True)
    app.mount("/uploads", StaticFiles(directory=uploads), name="uploads")

    @app.post(CALLBACK_PATH)
    async def ausynclab_callback(request: Request) -> JSONResponse:
        try:
            payload = await request.json()
        except ValueError:
            return JSONResponse({"detail": "The body is not JSON."}, status_code=400)
        if not isinstance(payload, dict):
            return JSONResponse({"detail": "The body is not a JSON object."}, status_code=400)
        try:
            job = await run_in_threadpool(on_callback, payload)
        except (LipsyncError, ValidationError, ValueError) as exc:
            logger.info("AusyncLab callback refused: %s", type(exc).__name__)
            return JSONResponse({"detail": "Not an AusyncLab callback."}, status_code=422)
        return JSONResponse({"received": True, "matched": job is not None})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


class Receiver:
    """Runs :func:`create_app` on a real port in a daemon thread."""

    def __init__(
        self, uploads: Path, on_callback: CallbackHandler, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.host = host
        self.port = port
        self._app = create_app(uploads, on_callback)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def callback_url(self) -> str:
        return self.base_url + CALLBACK_PATH

    def start(self) -> Receiver:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app, log_level="warning", lifespan="off")
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
