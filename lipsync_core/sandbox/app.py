"""The one ASGI app: three provider APIs under their prefixes, files, samples and admin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from starlette.staticfiles import StaticFiles

from lipsync_core.sandbox import admin, ausynclab, kling, twinsync
from lipsync_core.sandbox.config import BASE_PATHS
from lipsync_core.sandbox.middleware import ASGIApp, SandboxMiddleware
from lipsync_core.sandbox.state import SandboxState

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
NOTICE = "Lipsync sandbox: an emulator of three lip-sync APIs; no real lip movement is generated."


def create_app(state: SandboxState) -> ASGIApp:
    app = FastAPI(title="Lipsync sandbox", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.sandbox = state
    app.include_router(admin.router)
    app.add_api_route("/", _index, methods=["GET"])
    app.mount(BASE_PATHS["ausynclab"], ausynclab.create_app(state))
    app.mount(BASE_PATHS["kling"], kling.create_app(state))
    app.mount(BASE_PATHS["twinsync"], twinsync.create_app(state))
    app.mount("/files", StaticFiles(directory=state.files_dir))
    app.mount("/samples", StaticFiles(directory=SAMPLES_DIR, check_dir=False))
    return SandboxMiddleware(app, state)


def _index(request: Request) -> dict[str, Any]:
    state: SandboxState = request.app.state.sandbox
    return {
        "notice": NOTICE,
        "base_urls": {name: state.base_url + path for name, path in BASE_PATHS.items()},
    }
