"""Kling's lip sync through the 302.ai gateway (seed ``003``): identify-face, then a task.

Every answer is ``{code, message, request_id, data}``; errors use Kling's official codes with
their HTTP statuses (1000 auth 401, 1201 bad parameter 400, 1203 not found 404, ...).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from lipsync_core.errors import MediaValidationError
from lipsync_core.media import MediaInfo, probe
from lipsync_core.sandbox import render
from lipsync_core.sandbox.kling_rules import audio_problem, timing_problem, video_problem
from lipsync_core.sandbox.media_fetch import (
    MediaFetchError,
    decode_base64,
    fetch,
    reuse_or_fetch,
)
from lipsync_core.sandbox.state import Job, ProviderStore, SandboxState, Transition, TransitionTable

if TYPE_CHECKING:
    from lipsync_core.media.faces import FaceTrack

PROVIDER = "kling"
TABLE = TransitionTable(
    (Transition("submitted", 0.0), Transition("processing", 0.25), Transition("succeed", 1.0)),
    failure="failed",
)
MAX_VIDEO_BYTES = 100 * 1024 * 1024
MAX_SOUND_BYTES = 5 * 1024 * 1024
SESSION_INVALID = "session_id is invalid or has expired"


class KlingError(Exception):
    def __init__(self, code: int, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


class IdentifyFaceBody(BaseModel):
    video_url: str


class FaceChoice(BaseModel):
    # The document's own example sends face_id as the number 0.
    model_config = ConfigDict(coerce_numbers_to_str=True)

    face_id: str
    sound_file: str
    sound_start_time: int
    sound_end_time: int
    sound_insert_time: int
    sound_volume: float = Field(1.0, ge=0, le=2)
    original_audio_volume: float = Field(1.0, ge=0, le=2)


class AdvancedLipSyncBody(BaseModel):
    session_id: str
    face_choose: list[FaceChoice] = Field(min_length=1)
    external_task_id: str | None = None


@dataclass(frozen=True)
class FaceInterval:
    start_ms: int
    end_ms: int


@dataclass(eq=False)
class Session:
    id: str
    video_url: str
    video_path: Path
    duration_ms: int
    faces: dict[str, FaceInterval]
    created_at: float
    parent_video_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_dict(self, state: SandboxState) -> dict[str, Any]:
        return {
            "id": self.id,
            "video_url": self.video_url,
            "video_path": state.relative(self.video_path),
            "duration_ms": self.duration_ms,
            "faces": {key: [f.start_ms, f.end_ms] for key, f in self.faces.items()},
            "created_at": self.created_at,
            "parent_video_id": self.parent_video_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], state: SandboxState) -> Session:
        video_path = state.resolve(data["video_path"])
        if video_path is None:
            raise ValueError("a Kling session without its video")
        faces = {str(k): FaceInterval(int(a), int(b)) for k, (a, b) in data["faces"].items()}
        return cls(
            id=str(data["id"]),
            video_url=str(data["video_url"]),
            video_path=video_path,
            duration_ms=int(data["duration_ms"]),
            faces=faces,
            created_at=float(data["created_at"]),
            parent_video_id=str(data["parent_video_id"]),
        )


@dataclass(eq=False)
class Task:
    """A lip-sync task: the chosen face and its sound (kept on disk), then the served video."""

    id: str
    external_task_id: str | None
    session: Session
    job: Job
    face: FaceChoice
    sound_path: Path
    video_id: str | None = None
    video_file: str | None = None
    video_duration: str | None = None

    def to_dict(self, state: SandboxState) -> dict[str, Any]:
        return {
            "id": self.id,
            "external_task_id": self.external_task_id,
            "session_id": self.session.id,
            "job": self.job.to_dict(),
            "face": self.face.model_dump(),
            "sound_path": state.relative(self.sound_path),
            "video_id": self.video_id,
            "video_file": self.video_file,
            "video_duration": self.video_duration,
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], state: SandboxState, sessions: dict[str, Session]
    ) -> Task:
        sound_path = state.resolve(data["sound_path"])
        if sound_path is None:
            raise ValueError("a Kling task without its sound")
        return cls(
            id=str(data["id"]),
            external_task_id=data["external_task_id"],
            session=sessions[data["session_id"]],
            job=Job.from_dict(data["job"]),
            face=FaceChoice.model_validate(data["face"]),
            sound_path=sound_path,
            video_id=data["video_id"],
            video_file=data["video_file"],
            video_duration=data["video_duration"],
        )

    def info(self) -> dict[str, Any]:
        """``task_info``: ``external_task_id`` is a string in the schema, so it is left out, never
        ``null``, when the task was created without one."""
        return {"external_task_id": self.external_task_id} if self.external_task_id else {}

    def created_json(self) -> dict[str, Any]:
        return {
            "task_id": self.id,
            "task_info": self.info(),
            "task_status": TABLE.steps[0].state,
            "created_at": _ms(self.job.created_at),
            "updated_at": _ms(self.job.created_at),
        }

    def json(self, now: float, state: SandboxState) -> dict[str, Any]:
        status = TABLE.state(self.job, now)
        parent = self.session
        videos = []
        if status == TABLE.success and self.video_file:
            url = state.file_url(self.video_file)
            videos = [{"id": self.video_id, "url": url, "duration": self.video_duration}]
        return {
            "task_id": self.id,
            "task_status": status,
            "task_status_msg": (self.job.error or "") if status == TABLE.failure else "",
            "task_info": {
                "parent_video": {
                    "id": parent.parent_video_id,
                    "url": parent.video_url,
                    "duration": _seconds_text(parent.duration_ms / 1000),
                },
                **self.info(),
            },
            "task_result": {"videos": videos},
            "created_at": _ms(self.job.created_at),
            "updated_at": _ms(TABLE.changed_at(self.job, now)),
        }


class KlingStore(ProviderStore):
    name = PROVIDER

    def reset(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.tasks: dict[str, Task] = {}
        self.by_external_id: dict[str, Task] = {}

    def snapshot(self) -> dict[str, Any]:
        return {
            "sessions": [s.to_dict(self.state) for s in self.sessions.values()],
            "tasks": [t.to_dict(self.state) for t in self.tasks.values()],
        }

    def restore(self, data: dict[str, Any]) -> None:
        sessions = [Session.from_dict(s, self.state) for s in data["sessions"]]
        self.sessions = {s.id: s for s in sessions}
        tasks = [Task.from_dict(t, self.state, self.sessions) for t in data["tasks"]]
        self.tasks = {t.id: t for t in tasks}
        self.by_external_id = {t.external_task_id: t for t in tasks if t.external_task_id}

    def resume(self) -> None:
        for task in self.tasks.values():
            self.state.resume_job(task.job, TABLE, [task.video_file], _render(self, task))

    def session(self, session_id: str) -> Session:
        """A live session, or Kling's 1201 for one never issued or older than its TTL."""
        session = self.sessions.get(session_id)
        ttl = self.state.config.kling_session_ttl_seconds
        if session is None or self.state.clock.now() - session.created_at > ttl:
            raise KlingError(1201, SESSION_INVALID)
        return session

    def task(self, task_id: str) -> Task:
        task = self.tasks.get(task_id) or self.by_external_id.get(task_id)
        if task is None:
            raise KlingError(1203, f"Task {task_id} not found", 404)
        return task


def envelope(code: int, message: str, data: Any, status: int = 200) -> JSONResponse:
    body = {"code": code, "message": message, "request_id": str(uuid.uuid4()), "data": data}
    return JSONResponse(body, status_code=status)


def succeed(data: Any) -> JSONResponse:
    return envelope(0, "SUCCEED", data)


def store_of(request: Request) -> KlingStore:
    return request.app.state.store


def require_bearer(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or key.strip() != store_of(request).state.config.api_key:
        raise KlingError(1000, "Authentication failed", 401)


Store = Annotated[KlingStore, Depends(store_of)]
router = APIRouter(prefix="/klingai/v1/videos", dependencies=[Depends(require_bearer)])


@router.post("/identify-face")
def identify_face(body: IdentifyFaceBody, store: Store) -> JSONResponse:
    from lipsync_core.media.faces import preflight_faces

    path = _fetch_input(store, body.video_url, "video_url", MAX_VIDEO_BYTES)
    info = _probe(path, "video_url")
    problem = video_problem(info, path.stat().st_size)
    if problem:
        raise KlingError(1201, problem)
    try:
        preflight = preflight_faces(path)
    except MediaValidationError as exc:
        raise KlingError(1201, f"video_url could not be searched for faces: {exc}") from None
    session_id = str(uuid.uuid4())
    face_data = [_face_entry(store, track) for track in preflight.tracks]
    faces = {f["face_id"]: FaceInterval(f["start_time"], f["end_time"]) for f in face_data}
    with store.state.lock:
        store.sessions[session_id] = Session(
            id=session_id,
            video_url=body.video_url,
            video_path=path,
            duration_ms=round((info.video_duration or info.duration or 0) * 1000),
            faces=faces,
            created_at=store.state.clock.now(),
        )
    store.state.changed()
    return succeed({"session_id": session_id, "face_data": face_data})


@router.post("/advanced-lip-sync")
def advanced_lip_sync(body: AdvancedLipSyncBody, store: Store, request: Request) -> JSONResponse:
    with store.state.lock:
        session = store.session(body.session_id)
        _check_faces(session, body.face_choose)
        _check_external_id(store, body.external_task_id)
    sounds = [_sound_path(store, face) for face in body.face_choose]
    with store.state.lock:
        _check_external_id(store, body.external_task_id)
        job = store.state.new_job()
        face = _without_inline_sound(body.face_choose[0])
        task = Task(str(uuid.uuid4()), body.external_task_id, session, job, face, sounds[0])
        store.tasks[task.id] = task
        if task.external_task_id:
            store.by_external_id[task.external_task_id] = task
        fail = store.state.faults.take_fail_job(PROVIDER, "POST", request.url.path)
        store.state.start_job(task.job, _render(store, task), fail=fail)
    store.state.changed()
    return succeed(task.created_json())


@router.get("/advanced-lip-sync/{task_id}")
def get_advanced_lip_sync(task_id: str, store: Store) -> JSONResponse:
    with store.state.lock:
        return succeed(store.task(task_id).json(store.state.clock.now(), store.state))


def create_app(state: SandboxState) -> FastAPI:
    app = FastAPI(title="Kling via 302.ai (sandbox)", openapi_url=None, docs_url=None)
    app.state.store = KlingStore(state)
    app.include_router(router)
    app.add_exception_handler(KlingError, _kling_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    return app


async def _kling_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KlingError)
    return envelope(exc.code, exc.message, None, exc.http_status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    if first.get("type") == "json_invalid":
        return envelope(1200, "Invalid request: the body is not valid JSON", None, 400)
    where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "body"
    return envelope(1201, f"Invalid parameter {where}: {first.get('msg', 'invalid')}", None, 400)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        return envelope(1202, "The request method is not allowed for this endpoint", None, 400)
    return envelope(1203, "The requested resource does not exist", None, exc.status_code)


def _face_entry(store: KlingStore, track: FaceTrack) -> dict[str, Any]:
    """One ``face_data`` item, its face picture saved as a served file."""
    image_path = store.state.new_file(f"kling-face-{track.face_id}", ".jpg")
    image_path.write_bytes(track.crop_jpeg)
    return {
        "face_id": track.face_id,
        "face_image": store.state.file_url(image_path.name),
        "start_time": track.start_ms,
        "end_time": track.end_ms,
    }


def _check_faces(session: Session, faces: list[FaceChoice]) -> None:
    for face in faces:
        interval = session.faces.get(face.face_id)
        if interval is None:
            raise KlingError(1201, f"face_id {face.face_id} does not belong to this session")
        problem = timing_problem(
            sound_start=face.sound_start_time,
            sound_end=face.sound_end_time,
            sound_insert=face.sound_insert_time,
            video_ms=session.duration_ms,
            face_start=interval.start_ms,
            face_end=interval.end_ms,
        )
        if problem:
            raise KlingError(1201, problem)


def _check_external_id(store: KlingStore, external_task_id: str | None) -> None:
    if external_task_id and external_task_id in store.by_external_id:
        raise KlingError(1201, "external_task_id already exists")


def _sound_path(store: KlingStore, face: FaceChoice) -> Path:
    """The face's audio on disk, checked against Kling's audio rules (URL or base64)."""
    if _is_url(face.sound_file):
        path = _fetch_input(store, face.sound_file, "sound_file", MAX_SOUND_BYTES)
    else:
        try:
            path = decode_base64(
                face.sound_file,
                store.state.inputs_dir,
                what="sound_file",
                max_bytes=MAX_SOUND_BYTES,
            )
        except MediaFetchError as exc:
            raise KlingError(1201, str(exc)) from None
    problem = audio_problem(_probe(path, "sound_file"), path.stat().st_size, face.sound_end_time)
    if problem:
        raise KlingError(1201, problem)
    return path


def _fetch_input(store: KlingStore, url: str, what: str, max_bytes: int) -> Path:
    try:
        return fetch(
            url,
            store.state.inputs_dir,
            what=what,
            max_bytes=max_bytes,
            timeout=store.state.config.download_timeout_seconds,
            folders=store.state.config.media_folders,
        )
    except MediaFetchError as exc:
        raise KlingError(1201, str(exc)) from None


def _probe(path: Path, what: str) -> MediaInfo:
    try:
        return probe(path)
    except MediaValidationError:
        raise KlingError(1201, f"{what} could not be read as a media file") from None


def _is_url(sound_file: str) -> bool:
    return sound_file.lower().startswith(("http://", "https://", "file://"))


def _without_inline_sound(face: FaceChoice) -> FaceChoice:
    """The choice as a task keeps it: base64 sound lives on as its copy in the data folder."""
    return face if _is_url(face.sound_file) else face.model_copy(update={"sound_file": ""})


def _render(store: KlingStore, task: Task) -> Callable[[], None]:
    """The task's render; after a restart its inputs come from the data folder again."""

    def work() -> None:
        state, session, face = store.state, task.session, task.face
        video = reuse_or_fetch(
            state, session.video_path, session.video_url, what="video", max_bytes=MAX_VIDEO_BYTES
        )
        sound = reuse_or_fetch(
            state, task.sound_path, face.sound_file, what="sound_file", max_bytes=MAX_SOUND_BYTES
        )
        out_path = state.new_file("kling-lipsync", ".mp4")
        result = render.kling_mix(
            video,
            sound,
            out_path,
            sound_start_ms=face.sound_start_time,
            sound_end_ms=face.sound_end_time,
            sound_insert_ms=face.sound_insert_time,
            sound_volume=face.sound_volume,
            original_audio_volume=face.original_audio_volume,
        )
        with state.lock:
            task.video_id = str(uuid.uuid4())
            task.video_file = out_path.name
            task.video_duration = _seconds_text(result.duration)

    return work


def _ms(timestamp: float) -> int:
    return int(timestamp * 1000)


def _seconds_text(seconds: float) -> str:
    """Kling's durations are strings of seconds ("5.034")."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".")
