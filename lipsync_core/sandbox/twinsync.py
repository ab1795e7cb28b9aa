"""TwinSync's lip replacement API (seed ``004``): ``POST`` and ``GET /videotalking``.

TwinSync answers everything with HTTP 200 and a ``result_code``: 100 queued, 101 waiting,
102 running, 103 (or the document example's 100) done, 104 failed; 200 bad parameters or
unknown task, 201 bad key, 202 bad media URL, 203 internal error.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from lipsync_core.sandbox import render
from lipsync_core.sandbox.media_fetch import MediaFetchError, reuse_or_fetch
from lipsync_core.sandbox.state import Job, ProviderStore, SandboxState, Transition, TransitionTable

PROVIDER = "twinsync"
TABLE = TransitionTable(
    (Transition("waiting", 0.0), Transition("running", 0.25), Transition("success", 1.0)),
    failure="failed",
)
QUEUED = "SUCCESS! The video is currently in the queue waiting to be processed."
BAD_PARAMETERS = "Request parameter error or incomplete"
BAD_KEY = "Invalid or missing access key"
BAD_MEDIA = "Invalid or missing cloud address of audio or video file"
UNKNOWN_TASK = "taskID field is missing or the field is not in the service queue."


@dataclass(eq=False)
class Task:
    """A task: its inputs as fetched into the data folder, then the served ``result_file``."""

    id: str
    audio_url: str
    video_url: str
    job: Job
    audio_path: Path
    video_path: Path
    result_file: str | None = None

    def status(self, now: float, state: SandboxState) -> dict[str, Any]:
        status = TABLE.state(self.job, now)
        if status == TABLE.success:
            result_url = state.optional_url(self.result_file)
            return {
                "result_url": result_url,
                "result_code": state.config.twinsync_success_code,
                "msg": f"taskID:{self.id} has been completed, and the output video url is: "
                f"{result_url}",
            }
        if status == TABLE.failure:
            return {"result_code": 104, "msg": f"taskID:{self.id} has failed: {self.job.error}"}
        if status == "running":
            return {"result_code": 102, "msg": f"taskID:{self.id} is in a running state."}
        return {"result_code": 101, "msg": f"taskID:{self.id} is in a waiting state."}

    def to_dict(self, state: SandboxState) -> dict[str, Any]:
        return {
            "id": self.id,
            "audio_url": self.audio_url,
            "video_url": self.video_url,
            "job": self.job.to_dict(),
            "audio_path": state.relative(self.audio_path),
            "video_path": state.relative(self.video_path),
            "result_file": self.result_file,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], state: SandboxState) -> Task:
        audio_path, video_path = (
            state.resolve(data["audio_path"]),
            state.resolve(data["video_path"]),
        )
        if audio_path is None or video_path is None:
            raise ValueError("a TwinSync task without its inputs")
        return cls(
            id=str(data["id"]),
            audio_url=str(data["audio_url"]),
            video_url=str(data["video_url"]),
            job=Job.from_dict(data["job"]),
            audio_path=audio_path,
            video_path=video_path,
            result_file=data["result_file"],
        )


class TwinSyncStore(ProviderStore):
    name = PROVIDER

    def reset(self) -> None:
        self.tasks: dict[str, Task] = {}

    def snapshot(self) -> dict[str, Any]:
        return {"tasks": [task.to_dict(self.state) for task in self.tasks.values()]}

    def restore(self, data: dict[str, Any]) -> None:
        tasks = [Task.from_dict(task, self.state) for task in data["tasks"]]
        self.tasks = {task.id: task for task in tasks}

    def resume(self) -> None:
        for task in self.tasks.values():
            self.state.resume_job(task.job, TABLE, [task.result_file], _render(self, task))

    def new_task_id(self) -> str:
        """Like the document's ``20230423_11_23_05_10279``: UTC time and five digits."""
        stamp = time.strftime("%Y%m%d_%H_%M_%S", time.gmtime(self.state.clock.now()))
        while True:
            task_id = f"{stamp}_{random.randint(0, 99999):05d}"
            if task_id not in self.tasks:
                return task_id


def answer(result_code: int, msg: str, **extra: Any) -> JSONResponse:
    return JSONResponse({**extra, "result_code": result_code, "msg": msg})


def store_of(request: Request) -> TwinSyncStore:
    return request.app.state.store


Store = Annotated[TwinSyncStore, Depends(store_of)]
OptionalForm = Annotated[str | None, Form()]
router = APIRouter()


@router.post("/videotalking")
def submit(
    store: Store,
    request: Request,
    audio_url: OptionalForm = None,
    video_url: OptionalForm = None,
    key: OptionalForm = None,
) -> JSONResponse:
    if key != store.state.config.api_key:
        return answer(201, BAD_KEY)
    fields = (("audio_url", audio_url), ("video_url", video_url))
    missing = [name for name, value in fields if not value]
    if missing or audio_url is None or video_url is None:
        return answer(200, f"{BAD_PARAMETERS}: {', '.join(missing)} missing.")
    try:
        audio = reuse_or_fetch(store.state, None, audio_url, what="audio")
        video = reuse_or_fetch(store.state, None, video_url, what="video")
    except MediaFetchError as exc:
        return answer(202, f"{BAD_MEDIA}: {exc}")
    with store.state.lock:
        job = store.state.new_job()
        task = Task(store.new_task_id(), audio_url, video_url, job, audio, video)
        store.tasks[task.id] = task
        fail = store.state.faults.take_fail_job(PROVIDER, "POST", request.url.path)
        store.state.start_job(task.job, _render(store, task), fail=fail)
    store.state.changed()
    return answer(100, QUEUED, task_id=task.id)


@router.get("/videotalking")
def get_status(
    store: Store, task_id: Annotated[str | None, Query(alias="taskID")] = None
) -> JSONResponse:
    with store.state.lock:
        task = store.tasks.get(task_id or "")
        if task is None:
            return answer(200, UNKNOWN_TASK)
        return JSONResponse(task.status(store.state.clock.now(), store.state))


def create_app(state: SandboxState) -> FastAPI:
    app = FastAPI(title="TwinSync (sandbox)", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.store = TwinSyncStore(state)
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, _validation_error)
    return app


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    return answer(200, f"{BAD_PARAMETERS}.")


def _render(store: TwinSyncStore, task: Task) -> Callable[[], None]:
    """The task's render; after a restart its inputs come from the data folder again."""

    def work() -> None:
        video = reuse_or_fetch(store.state, task.video_path, task.video_url, what="video")
        audio = reuse_or_fetch(store.state, task.audio_path, task.audio_url, what="audio")
        out_path = store.state.new_file(f"twinsync-{task.id}", ".mp4")
        render.fit_to_audio(video, audio, out_path, sync_mode="loop")
        with store.state.lock:
            task.result_file = out_path.name

    return work
