"""AusyncLab's Lipsync API as its document describes it (seed ``000``), base ``/api/v1/lipsync``.

AusyncLab runs FastAPI, so this emulator is a FastAPI app whose errors are FastAPI's own:
``{"detail": ...}`` for 401/403/404 and the ``{"detail": [{loc, msg, type}]}`` list for 422.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel

from lipsync_core.media import probe
from lipsync_core.sandbox import render
from lipsync_core.sandbox.media_fetch import MediaFetchError, check_url, reuse_or_fetch
from lipsync_core.sandbox.state import (
    Job,
    JobFailure,
    PendingCallback,
    ProviderStore,
    SandboxState,
    Transition,
    TransitionTable,
)

PROVIDER = "ausynclab"
TABLE = TransitionTable(
    (Transition("PENDING", 0.0), Transition("PROCESSING", 0.25), Transition("COMPLETED", 1.0)),
    failure="FAILED",
)
CREDITS_PER_SECOND = {"prime": 50, "nova": 5000}
REGISTRATION_CREDITS = 0  # the document gives no registration price
REGISTERED_DELETED = "The registered video is successfully deleted."
GENERATED_DELETED = "The generated video is successfully deleted."
LIPSYNC_ACCEPTED = "Your lipsync request is being processed"
REGISTRATION_DONE = "Your video registration is completed successfully"
LIPSYNC_DONE = "Your lipsync video is generated successfully"


class RegisterVideoBody(BaseModel):
    name: str | None = None
    video_url: str
    callback_url: str | None = None


class GenerateLipsyncBody(BaseModel):
    name: str | None = None
    registered_video_id: int
    audio_url: str
    callback_url: str | None = None


class GenerateLipsyncV2Body(BaseModel):
    name: str | None = None
    video_url: str
    audio_url: str
    model: Literal["prime", "nova"] = "prime"
    sync_mode: Literal["cut_off", "loop", "bounce", "silence", "remap"] = "loop"
    callback_url: str | None = None


@dataclass(eq=False)
class RegisteredVideo:
    """A registration; ``thumbnail_file`` names a served file, ``source_path`` the fetched input."""

    id: int
    name: str | None
    video_url: str
    callback_url: str | None
    job: Job
    thumbnail_file: str | None = None
    source_path: Path | None = None
    notified: bool = False

    def row(self, now: float, state: SandboxState) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "video_url": self.video_url,
            "thumbnail_url": state.optional_url(self.thumbnail_file),
            "created_at": naive_utc(self.job.created_at),
            "state": TABLE.state(self.job, now),
        }

    def callback(self, state: str) -> PendingCallback:
        failed = f"Your video registration failed: {self.job.error}"
        payload = {
            "video_id": self.id,
            "credits_used": REGISTRATION_CREDITS,
            "status": state,
            "message": REGISTRATION_DONE if state == TABLE.success else failed,
        }
        return PendingCallback(self.callback_url or "", payload)

    def to_dict(self, state: SandboxState) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "video_url": self.video_url,
            "callback_url": self.callback_url,
            "job": self.job.to_dict(),
            "thumbnail_file": self.thumbnail_file,
            "source_path": state.relative(self.source_path),
            "notified": self.notified,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], state: SandboxState) -> RegisteredVideo:
        return cls(
            id=int(data["id"]),
            name=data["name"],
            video_url=str(data["video_url"]),
            callback_url=data["callback_url"],
            job=Job.from_dict(data["job"]),
            thumbnail_file=data["thumbnail_file"],
            source_path=state.resolve(data["source_path"]),
            notified=bool(data["notified"]),
        )


@dataclass(eq=False)
class GeneratedVideo:
    """A generation; ``*_file`` name served files, ``*_path`` the inputs fetched for it."""

    id: int
    registered_video_id: int | None
    name: str | None
    video_url: str | None
    audio_url: str
    model: str
    sync_mode: str
    callback_url: str | None
    job: Job
    output_file: str | None = None
    thumbnail_file: str | None = None
    credits_used: int = 0
    notified: bool = False
    video_path: Path | None = None
    audio_path: Path | None = None

    def row(self, now: float, state: SandboxState) -> dict[str, Any]:
        status = TABLE.state(self.job, now)
        done = status == TABLE.success
        return {
            "id": self.id,
            "registered_video_id": self.registered_video_id,
            "name": self.name,
            "audio_url": self.audio_url,
            "output_video_url": state.optional_url(self.output_file) if done else None,
            "thumbnail_url": state.optional_url(self.thumbnail_file) if done else None,
            "created_at": naive_utc(self.job.created_at),
            "state": status,
        }

    def callback(self, state: str) -> PendingCallback:
        done = state == TABLE.success
        payload = {
            "video_id": self.id,
            "video_url": None,
            "credits_used": self.credits_used if done else 0,
            "status": state,
            "message": LIPSYNC_DONE if done else f"Your lipsync video failed: {self.job.error}",
        }
        files = {"video_url": self.output_file} if done and self.output_file else {}
        return PendingCallback(self.callback_url or "", payload, files)

    def to_dict(self, state: SandboxState) -> dict[str, Any]:
        return {
            "id": self.id,
            "registered_video_id": self.registered_video_id,
            "name": self.name,
            "video_url": self.video_url,
            "audio_url": self.audio_url,
            "model": self.model,
            "sync_mode": self.sync_mode,
            "callback_url": self.callback_url,
            "job": self.job.to_dict(),
            "output_file": self.output_file,
            "thumbnail_file": self.thumbnail_file,
            "credits_used": self.credits_used,
            "notified": self.notified,
            "video_path": state.relative(self.video_path),
            "audio_path": state.relative(self.audio_path),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], state: SandboxState) -> GeneratedVideo:
        registered_video_id = data["registered_video_id"]
        model = str(data["model"])
        if model not in CREDITS_PER_SECOND:
            raise ValueError(f"unknown AusyncLab model {model!r}")
        return cls(
            id=int(data["id"]),
            registered_video_id=None if registered_video_id is None else int(registered_video_id),
            name=data["name"],
            video_url=data["video_url"],
            audio_url=str(data["audio_url"]),
            model=model,
            sync_mode=str(data["sync_mode"]),
            callback_url=data["callback_url"],
            job=Job.from_dict(data["job"]),
            output_file=data["output_file"],
            thumbnail_file=data["thumbnail_file"],
            credits_used=int(data["credits_used"]),
            notified=bool(data["notified"]),
            video_path=state.resolve(data["video_path"]),
            audio_path=state.resolve(data["audio_path"]),
        )


Video = TypeVar("Video", RegisteredVideo, GeneratedVideo)


def naive_utc(timestamp: float) -> str:
    """AusyncLab's ``created_at``: UTC without an offset, to the second."""
    moment = datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def ok(result: Any) -> dict[str, Any]:
    return {"status": 200, "result": result}


class AusyncLabStore(ProviderStore):
    """Registered and generated videos; one id sequence for both, as ids are never reused."""

    name = PROVIDER

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        state.register_callback_source(self.due_callbacks)

    def reset(self) -> None:
        self.registered: dict[int, RegisteredVideo] = {}
        self.generated: dict[int, GeneratedVideo] = {}
        self._next_id = 1

    def next_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "next_id": self._next_id,
            "registered": [v.to_dict(self.state) for v in self.registered.values()],
            "generated": [v.to_dict(self.state) for v in self.generated.values()],
        }

    def restore(self, data: dict[str, Any]) -> None:
        registered = [RegisteredVideo.from_dict(v, self.state) for v in data["registered"]]
        generated = [GeneratedVideo.from_dict(v, self.state) for v in data["generated"]]
        self.registered = {v.id: v for v in registered}
        self.generated = {v.id: v for v in generated}
        used = [v.id for v in [*registered, *generated]]
        self._next_id = max([int(data["next_id"]), *(i + 1 for i in used)])

    def resume(self) -> None:
        for video in self.registered.values():
            work = partial(_prepare_registration, self, video)
            self.state.resume_job(video.job, TABLE, [video.thumbnail_file], work)
        for generated in self.generated.values():
            outputs = [generated.output_file, generated.thumbnail_file]
            work = _render_generation(self, generated)
            self.state.resume_job(generated.job, TABLE, outputs, work)

    def due_callbacks(self, now: float) -> list[PendingCallback]:
        due = []
        for item in [*self.registered.values(), *self.generated.values()]:
            state = TABLE.state(item.job, now)
            if item.callback_url and not item.notified and TABLE.is_final(state):
                item.notified = True
                due.append(item.callback(state))
        return due


def store_of(request: Request) -> AusyncLabStore:
    return request.app.state.store


def require_api_key(
    request: Request, x_api_key: Annotated[str | None, Header(alias="X-API-Key")] = None
) -> None:
    """FastAPI's APIKeyHeader behaviour: 403 without the header, 401 with a wrong key."""
    if not x_api_key:
        raise HTTPException(403, "Not authenticated")
    if x_api_key != store_of(request).state.config.api_key:
        raise HTTPException(401, "Invalid API key")


Store = Annotated[AusyncLabStore, Depends(store_of)]
router = APIRouter(dependencies=[Depends(require_api_key)])


@router.post("/register-video")
def register_video(body: RegisterVideoBody, store: Store, request: Request) -> dict[str, Any]:
    _check_url(body.video_url, "video", "Could not register the video")
    with store.state.lock:
        video = RegisteredVideo(
            id=store.next_id(),
            name=body.name,
            video_url=body.video_url,
            callback_url=body.callback_url,
            job=store.state.new_job(),
        )
        store.registered[video.id] = video
        fail = store.state.faults.take_fail_job(PROVIDER, "POST", request.url.path)
        store.state.start_job(video.job, partial(_prepare_registration, store, video), fail=fail)
    store.state.changed()
    return ok({"video_id": video.id})


@router.get("/register")
def list_registered_videos(store: Store) -> dict[str, Any]:
    return _list(store, store.registered, "No registered videos found")


@router.get("/register/{video_id}")
def get_registered_video(video_id: int, store: Store) -> dict[str, Any]:
    with store.state.lock:
        return ok(_registered(store, video_id).row(store.state.clock.now(), store.state))


@router.delete("/register/{id}")
def delete_registered_video(id: int, store: Store) -> dict[str, Any]:
    with store.state.lock:
        del store.registered[_registered(store, id).id]
    store.state.changed()
    return ok({"id": id, "message": REGISTERED_DELETED})


@router.post("/generate-lipsync")
def generate_lipsync(body: GenerateLipsyncBody, store: Store, request: Request) -> dict[str, Any]:
    _check_url(body.audio_url, "audio", "Could not create the lipsync video")
    with store.state.lock:
        source = _completed_source(store, body.registered_video_id)
        video = _new_generation(store, body.registered_video_id, body, model="prime")
        video.video_path = source
        fail = store.state.faults.take_fail_job(PROVIDER, "POST", request.url.path)
        store.state.start_job(video.job, _render_generation(store, video), fail=fail)
    store.state.changed()
    return ok({"video_id": video.id})


@router.post("/generate-lipsync-v2")
def generate_lipsync_v2(
    body: GenerateLipsyncV2Body, store: Store, request: Request
) -> dict[str, Any]:
    _check_url(body.video_url, "video", "Could not create the lipsync video")
    _check_url(body.audio_url, "audio", "Could not create the lipsync video")
    with store.state.lock:
        video = _new_generation(store, None, body, model=body.model)
        fail = store.state.faults.take_fail_job(PROVIDER, "POST", request.url.path)
        store.state.start_job(video.job, _render_generation(store, video), fail=fail)
    store.state.changed()
    operation_id = str(uuid.uuid4())
    return ok({"video_id": video.id, "operation_id": operation_id, "message": LIPSYNC_ACCEPTED})


@router.get("/generate")
def list_generated_videos(store: Store) -> dict[str, Any]:
    return _list(store, store.generated, "No generated videos found")


@router.get("/generate/{video_id}")
def get_generated_video(video_id: int, store: Store) -> dict[str, Any]:
    with store.state.lock:
        return ok(_generated(store, video_id).row(store.state.clock.now(), store.state))


@router.delete("/generate/{id}")
def delete_generated_video(id: int, store: Store) -> dict[str, Any]:
    with store.state.lock:
        del store.generated[_generated(store, id).id]
    store.state.changed()
    return ok({"id": id, "message": GENERATED_DELETED})


def create_app(state: SandboxState) -> FastAPI:
    app = FastAPI(title="AusyncLab (sandbox)", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.store = AusyncLabStore(state)
    app.include_router(router)
    return app


def _list(
    store: AusyncLabStore, videos: Mapping[int, RegisteredVideo | GeneratedVideo], empty: str
) -> dict[str, Any]:
    """Every video's row as of now; an empty list is a 404 saying ``empty`` if so configured."""
    with store.state.lock:
        now = store.state.clock.now()
        rows = [video.row(now, store.state) for video in videos.values()]
    if not rows and store.state.config.empty_list_404:
        raise HTTPException(404, empty)
    return ok(rows)


def _check_url(url: str, what: str, refusal: str) -> None:
    try:
        check_url(url, what)
    except MediaFetchError as exc:
        raise HTTPException(404, f"{refusal}: {exc}") from None


def _registered(store: AusyncLabStore, video_id: int) -> RegisteredVideo:
    return _find(store.registered, video_id, "Registered")


def _generated(store: AusyncLabStore, video_id: int) -> GeneratedVideo:
    return _find(store.generated, video_id, "Generated")


def _find(videos: Mapping[int, Video], video_id: int, kind: str) -> Video:
    video = videos.get(video_id)
    if video is None:
        raise HTTPException(404, f"{kind} video {video_id} not found")
    return video


def _completed_source(store: AusyncLabStore, video_id: int) -> Path:
    """Prime works from a registered video, and only once its registration is COMPLETED."""
    video = _registered(store, video_id)
    state = TABLE.state(video.job, store.state.clock.now())
    if state == TABLE.failure:
        raise HTTPException(404, f"Registered video {video_id} failed to register")
    if state != TABLE.success or video.source_path is None:
        raise HTTPException(404, f"Registered video {video_id} is not ready yet (state {state})")
    return video.source_path


def _new_generation(
    store: AusyncLabStore,
    registered_video_id: int | None,
    body: GenerateLipsyncBody | GenerateLipsyncV2Body,
    *,
    model: str,
) -> GeneratedVideo:
    video = GeneratedVideo(
        id=store.next_id(),
        registered_video_id=registered_video_id,
        name=body.name,
        video_url=getattr(body, "video_url", None),
        audio_url=body.audio_url,
        model=model,
        sync_mode=getattr(body, "sync_mode", "loop"),
        callback_url=body.callback_url,
        job=store.state.new_job(),
    )
    store.generated[video.id] = video
    return video


def _prepare_registration(store: AusyncLabStore, video: RegisteredVideo) -> None:
    """Fetch the source video and make its thumbnail (registration costs no render)."""
    source = reuse_or_fetch(store.state, video.source_path, video.video_url, what="video")
    with store.state.lock:
        video.source_path = source
    store.state.changed()
    thumb_path = store.state.new_file("ausynclab-registered", ".jpg")
    render.thumbnail(source, thumb_path)
    with store.state.lock:
        video.thumbnail_file = thumb_path.name


def _render_generation(store: AusyncLabStore, video: GeneratedVideo) -> Callable[[], None]:
    """The render of a generation; its fetched inputs are kept (and saved) for a re-run."""

    def work() -> None:
        video_path = reuse_or_fetch(store.state, video.video_path, video.video_url, what="video")
        audio_path = reuse_or_fetch(store.state, video.audio_path, video.audio_url, what="audio")
        with store.state.lock:
            video.video_path, video.audio_path = video_path, audio_path
        store.state.changed()
        seconds = probe(audio_path).audio_duration
        if not seconds:
            raise JobFailure("The audio file has no sound track.")
        out_path = store.state.new_file("ausynclab-lipsync", ".mp4")
        render.fit_to_audio(video_path, audio_path, out_path, sync_mode=video.sync_mode)
        thumb_path = store.state.new_file("ausynclab-lipsync", ".jpg")
        render.thumbnail(out_path, thumb_path)
        with store.state.lock:
            video.output_file = out_path.name
            video.thumbnail_file = thumb_path.name
            video.credits_used = math.ceil(seconds) * CREDITS_PER_SECOND[video.model]

    return work
