"""A provider that answers a state this app does not know: the job waits it out, then stops.

The sandbox only speaks documented states, so these tests put each provider's documented
envelope, with an undocumented state inside, on a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from lipsync_core.config import Settings, load_settings
from lipsync_core.flows.clients import client_factories
from lipsync_core.flows.common import name_tag
from lipsync_core.jobs import Job, JobInputs, JobService, JobState, JobStore, PollPolicy, Stage

INPUTS = JobInputs(
    video_url="https://media.example.test/face.mp4",
    audio_url="https://media.example.test/speech.wav",
    audio_duration=4.0,
    video_duration=5.0,
)
KLING_TASK = "/klingai/v1/videos/advanced-lip-sync"


class ManualClock:
    """The service's time, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def live_settings(tmp_path: Path, base_url: str, database_url: str) -> Settings:
    environ = {
        "LIPSYNC_SANDBOX": "off",
        "LIPSYNC_DATA_DIR": str(tmp_path),
        "LIPSYNC_DATABASE_URL": database_url,
    }
    for provider in ("AUSYNCLAB", "KLING", "TWINSYNC"):
        environ[f"{provider}_API_KEY"] = "live-key"
        environ[f"{provider}_BASE_URL"] = base_url
    return load_settings(environ, secrets_path=None)


def kling_envelope(data: dict) -> dict:
    return {"code": 0, "message": "SUCCEED", "request_id": "req-1", "data": data}


def serve_ausynclab(server: HTTPServer) -> None:
    ticket = {"video_id": 7, "operation_id": "op-7", "message": "being processed"}
    video = {"id": 7, "name": "x", "created_at": "2025-05-01T09:00:00", "state": "CANCELLED"}
    server.expect_request("/generate-lipsync-v2", method="POST").respond_with_json(
        {"status": 200, "result": ticket}
    )
    server.expect_request("/generate", method="GET").respond_with_json(
        {"status": 200, "result": [video]}
    )
    server.expect_request("/generate/7", method="GET").respond_with_json(
        {"status": 200, "result": video}
    )


def serve_twinsync(server: HTTPServer) -> None:
    server.expect_request("/videotalking", method="POST").respond_with_json(
        {"task_id": "t-1", "result_code": 100, "msg": "queued"}
    )
    server.expect_request("/videotalking", method="GET").respond_with_json(
        {"result_code": 150, "msg": "paused by operator"}
    )


def serve_kling(server: HTTPServer) -> None:
    face = {"face_id": "0", "face_image": "https://x.test/f.jpg", "start_time": 0, "end_time": 5000}
    task = {"task_id": "k-1", "task_status": "submitted", "created_at": 1, "updated_at": 1}
    server.expect_request("/klingai/v1/videos/identify-face", method="POST").respond_with_json(
        kling_envelope({"session_id": "s-1", "face_data": [face]})
    )
    server.expect_request(KLING_TASK, method="POST").respond_with_json(kling_envelope(task))
    server.expect_request(f"{KLING_TASK}/k-1", method="GET").respond_with_json(
        kling_envelope({**task, "task_status": "paused", "task_status_msg": ""})
    )


POLICY = PollPolicy(give_up_after=1800.0)


@pytest.mark.parametrize(
    ("provider", "model", "serve", "provider_id"),
    [
        ("ausynclab", "nova", serve_ausynclab, "7"),
        ("kling", "advanced-lip-sync", serve_kling, "k-1"),
        ("twinsync", "videotalking", serve_twinsync, "t-1"),
    ],
)
def test_an_unknown_state_is_waited_out_then_stops_the_job_in_plain_words(
    httpserver: HTTPServer,
    tmp_path: Path,
    database_url: str,
    provider: str,
    model: str,
    serve,
    provider_id: str,
) -> None:
    """An unknown state is checked again with back-off, saying so on the card; only after the
    give-up time does the job fail, saying the provider may still be running it, with its id."""
    serve(httpserver)
    settings = live_settings(tmp_path, httpserver.url_for("").rstrip("/"), database_url)
    clock = ManualClock()
    service = JobService(
        JobStore(settings.database_url), client_factories(settings), settings, clock=clock,
        policy=POLICY,
    )  # fmt: skip
    job = service.submit(provider, model, INPUTS)
    if provider == "kling":
        job = service.choose_face(job.id, "0")
    clock.advance(3)
    service.refresh_due()
    waiting = service.get(job.id)
    assert not waiting.is_final
    assert waiting.note.startswith("Could not check on this job just now:")
    assert "this app does not" in waiting.note
    gaps = []
    while not service.get(job.id).is_final:
        before = service.get(job.id).next_poll_at
        gaps.append((before - clock()).total_seconds())
        clock.now = before
        service.refresh_due()
        assert len(gaps) < 100, "the job was never given up"
    assert gaps == sorted(gaps) and max(gaps) <= POLICY.error_backoff_max
    failed = service.get(job.id)
    assert failed.state is JobState.FAILED
    assert failed.provider_job_id == provider_id
    assert "never gave a usable answer about it" in failed.error
    assert f"It may still be running at {failed.provider_name}" in failed.error
    assert f"(its id there is {provider_id})" in failed.error
    assert failed.next_poll_at is None
    asked = len(httpserver.log)
    clock.advance(600)
    assert service.refresh_due().due == 0
    assert len(httpserver.log) == asked
    service.close()


def test_an_unreadable_list_entry_that_may_be_the_job_is_never_taken_for_not_found(
    httpserver: HTTPServer, tmp_path: Path, database_url: str
) -> None:
    """An interrupted Nova submission is looked for in AusyncLab's list; the list holds an entry
    with the job's tag that cannot be read (an absurd date). Past the whole settle window the
    job still waits, saying the list could not be read — it is never declared "never started"
    while it may exist."""
    settings = live_settings(tmp_path, httpserver.url_for("").rstrip("/"), database_url)
    clock = ManualClock()
    service = JobService(
        JobStore(settings.database_url), client_factories(settings), settings, clock=clock,
        policy=POLICY,
    )  # fmt: skip
    job = Job(
        id="f" * 32, provider="ausynclab", model="nova", inputs=INPUTS, stage=Stage.SUBMITTING,
        created_at=clock(), updated_at=clock(), next_poll_at=clock(),
    )  # fmt: skip
    service.store.insert(job)
    hidden = {"id": 9, "name": f"clip {name_tag(job)}", "created_at": "99999-01-01",
              "state": "PROCESSING"}  # fmt: skip
    httpserver.expect_request("/generate", method="GET").respond_with_json(
        {"status": 200, "result": [hidden]}
    )
    for _ in range(20):  # twice the settle window, within the give-up time
        clock.advance(60)
        service.refresh_due()
    waiting = service.get(job.id)
    assert not waiting.is_final, waiting.error
    assert "list of videos could not be read" in waiting.note
    for _ in range(20):
        clock.advance(60)
        service.refresh_due()
    given_up = service.get(job.id)
    assert given_up.is_final and "It may still be running at AusyncLab" in given_up.error
    assert "never started" not in given_up.error
    assert not [r for r in httpserver.log if r[0].method == "POST"]
    service.close()
