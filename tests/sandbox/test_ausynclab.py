"""The AusyncLab emulator answers raw HTTP exactly as AusyncLab's document describes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from lipsync_core.sandbox import SandboxConfig, SandboxServer

from .support import TinyMedia

KEY = {"X-API-Key": "sandbox"}
REGISTERED_KEYS = {"id", "name", "video_url", "thumbnail_url", "created_at", "state"}
GENERATED_KEYS = {
    "id",
    "registered_video_id",
    "name",
    "audio_url",
    "output_video_url",
    "thumbnail_url",
    "created_at",
    "state",
}
PRIME = {"registered_video_id": 1, "audio_url": "https://example.com/a.wav"}
V2 = {"video_url": "https://example.com/v.mp4", "audio_url": "https://example.com/a.wav"}
NAIVE_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


class AusyncLab:
    """Raw HTTP calls on the sandbox's AusyncLab base URL."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.base = server.base_urls["ausynclab"]

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("headers", KEY)
        return requests.request(method, self.base + path, timeout=10, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"status", "result"} and body["status"] == 200
        return body["result"]

    def finish_jobs(self) -> None:
        """Let every render end, then move the clock past the job time."""
        assert self.server.wait_idle(30)
        self.server.clock.advance(self.server.config.job_seconds)

    def registered(self, media: TinyMedia) -> int:
        video_id = self.ok("POST", "/register-video", json={"video_url": media.video_url})
        self.finish_jobs()
        return video_id["video_id"]


@pytest.fixture
def api(sandbox: SandboxServer) -> AusyncLab:
    return AusyncLab(sandbox)


def test_registration_moves_from_pending_to_completed_with_a_served_thumbnail(
    api: AusyncLab, tiny: TinyMedia
) -> None:
    """A registered video is PENDING, then PROCESSING, then COMPLETED with a real thumbnail."""
    body = {"name": "Sample Video", "video_url": tiny.video_url}
    result = api.ok("POST", "/register-video", json=body)
    assert set(result) == {"video_id"} and isinstance(result["video_id"], int)
    video_id = result["video_id"]
    assert api.ok("GET", f"/register/{video_id}")["state"] == "PENDING"
    api.server.clock.advance(0.3)
    assert api.ok("GET", f"/register/{video_id}")["state"] == "PROCESSING"
    api.finish_jobs()
    row = api.ok("GET", f"/register/{video_id}")
    assert set(row) == REGISTERED_KEYS
    assert row["state"] == "COMPLETED" and row["name"] == "Sample Video"
    assert NAIVE_ISO.match(row["created_at"])
    assert row["thumbnail_url"].startswith(api.server.base_url + "/files/")
    thumb = requests.get(row["thumbnail_url"], timeout=10)
    assert thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"
    assert api.ok("GET", "/register") == [row]


def test_prime_generation_from_a_registered_video_ends_completed_with_an_output(
    api: AusyncLab, tiny: TinyMedia
) -> None:
    """Prime: generate-lipsync from a COMPLETED registration gives a playable MP4 and thumbnail."""
    registered_id = api.registered(tiny)
    body = {
        "name": "Lipsync Video",
        "registered_video_id": registered_id,
        "audio_url": tiny.audio_url,
    }
    result = api.ok("POST", "/generate-lipsync", json=body)
    assert set(result) == {"video_id"} and result["video_id"] != registered_id
    early = api.ok("GET", f"/generate/{result['video_id']}")
    assert early["state"] == "PENDING" and early["output_video_url"] is None
    api.finish_jobs()
    row = api.ok("GET", f"/generate/{result['video_id']}")
    assert set(row) == GENERATED_KEYS
    assert row["state"] == "COMPLETED" and row["registered_video_id"] == registered_id
    assert row["audio_url"] == tiny.audio_url
    output = requests.get(row["output_video_url"], timeout=10)
    assert output.status_code == 200 and output.content[4:8] == b"ftyp"
    assert requests.get(row["thumbnail_url"], timeout=10).status_code == 200
    assert api.ok("GET", "/generate") == [row]


@pytest.mark.parametrize("model", ["prime", "nova"])
def test_generate_v2_takes_urls_directly(api: AusyncLab, tiny: TinyMedia, model: str) -> None:
    """generate-lipsync-v2 needs no registration and answers video_id, operation_id, message."""
    body = {"video_url": tiny.video_url, "audio_url": tiny.audio_url, "model": model}
    result = api.ok("POST", "/generate-lipsync-v2", json={**body, "sync_mode": "bounce"})
    assert set(result) == {"video_id", "operation_id", "message"}
    assert result["message"] == "Your lipsync request is being processed"
    api.finish_jobs()
    row = api.ok("GET", f"/generate/{result['video_id']}")
    assert row["state"] == "COMPLETED" and row["registered_video_id"] is None
    assert row["output_video_url"].startswith(api.server.base_url + "/files/")


def test_generate_v2_defaults_to_prime_and_loop(api: AusyncLab, tiny: TinyMedia) -> None:
    """Without model and sync_mode the job still runs (prime, loop)."""
    body = {"video_url": tiny.video_url, "audio_url": tiny.audio_url}
    video_id = api.ok("POST", "/generate-lipsync-v2", json=body)["video_id"]
    api.finish_jobs()
    assert api.ok("GET", f"/generate/{video_id}")["state"] == "COMPLETED"


def test_prime_needs_a_registration_that_exists(api: AusyncLab, tiny: TinyMedia) -> None:
    """An unknown registered_video_id is a 404 with a FastAPI detail."""
    body = {"registered_video_id": 999, "audio_url": tiny.audio_url}
    response = api.call("POST", "/generate-lipsync", json=body)
    assert response.status_code == 404
    assert response.json() == {"detail": "Registered video 999 not found"}


def test_prime_needs_a_completed_registration(api: AusyncLab, tiny: TinyMedia) -> None:
    """A registration still PENDING cannot be used yet: 404 saying so."""
    video_id = api.ok("POST", "/register-video", json={"video_url": tiny.video_url})["video_id"]
    body = {"registered_video_id": video_id, "audio_url": tiny.audio_url}
    response = api.call("POST", "/generate-lipsync", json=body)
    assert response.status_code == 404
    assert (
        response.json()["detail"] == f"Registered video {video_id} is not ready yet (state PENDING)"
    )


def test_prime_refuses_a_failed_registration(api: AusyncLab, tiny: TinyMedia) -> None:
    """A registration that FAILED (its video is missing) cannot be used: 404 saying so."""
    missing = (tiny.video.parent / "missing.mp4").as_uri()
    video_id = api.ok("POST", "/register-video", json={"video_url": missing})["video_id"]
    api.finish_jobs()
    assert api.ok("GET", f"/register/{video_id}")["state"] == "FAILED"
    body = {"registered_video_id": video_id, "audio_url": tiny.audio_url}
    response = api.call("POST", "/generate-lipsync", json=body)
    assert response.json() == {"detail": f"Registered video {video_id} failed to register"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/register-video", {"video_url": "https://example.com/v.mp4"}),
        ("GET", "/register", None),
        ("GET", "/register/1", None),
        ("DELETE", "/register/1", None),
        ("POST", "/generate-lipsync", {"registered_video_id": 1, "audio_url": "https://e.com/a"}),
        ("POST", "/generate-lipsync-v2", {"video_url": "https://e.com/v", "audio_url": "x"}),
        ("GET", "/generate", None),
        ("GET", "/generate/1", None),
        ("DELETE", "/generate/1", None),
    ],
)
@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 403, "Not authenticated"),
        ({"X-API-Key": "wrong"}, 401, "Invalid API key"),
    ],
)
def test_every_endpoint_refuses_a_missing_or_wrong_key(
    api: AusyncLab,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    headers: dict[str, str],
    status: int,
    detail: str,
) -> None:
    """No X-API-Key is FastAPI's 403 "Not authenticated"; a wrong one is 401."""
    response = api.call(method, path, json=body, headers=headers)
    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert api.server.requests("ausynclab")[-1].status == status


@pytest.mark.parametrize(
    ("path", "body", "field", "error_type"),
    [
        ("/register-video", {"name": "x"}, "video_url", "missing"),
        ("/generate-lipsync", {"audio_url": "a"}, "registered_video_id", "missing"),
        (
            "/generate-lipsync",
            {**PRIME, "registered_video_id": "x"},
            "registered_video_id",
            "int_parsing",
        ),
        ("/generate-lipsync-v2", {**V2, "model": "turbo"}, "model", "literal_error"),
        ("/generate-lipsync-v2", {**V2, "sync_mode": "x"}, "sync_mode", "literal_error"),
    ],
)
def test_invalid_bodies_get_fastapis_422_shape(
    api: AusyncLab, path: str, body: dict[str, Any], field: str, error_type: str
) -> None:
    """A body that breaks the schema is 422 with FastAPI's detail list (loc, msg, type)."""
    response = api.call("POST", path, json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"] == ["body", field]
    assert detail[0]["type"] == error_type and detail[0]["msg"]


def test_a_non_integer_id_in_the_path_is_a_422(api: AusyncLab) -> None:
    """Ids are integers: /generate/abc fails validation like any FastAPI path parameter."""
    response = api.call("GET", "/generate/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "video_id"]


@pytest.mark.parametrize(
    ("path", "detail"),
    [("/register", "No registered videos found"), ("/generate", "No generated videos found")],
)
def test_empty_lists_are_404(api: AusyncLab, path: str, detail: str) -> None:
    """The document lists 404 for the list endpoints: an empty list answers it."""
    response = api.call("GET", path)
    assert (response.status_code, response.json()) == (404, {"detail": detail})


@pytest.fixture
def lenient_server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(job_seconds=1.0, empty_list_404=False)) as server:
        yield server
        assert not server.errors


@pytest.mark.parametrize("path", ["/register", "/generate"])
def test_empty_lists_can_be_an_empty_result(lenient_server: SandboxServer, path: str) -> None:
    """With empty_list_404 off, an empty list is a 200 with an empty result."""
    response = AusyncLab(lenient_server).call("GET", path)
    assert (response.status_code, response.json()) == (200, {"status": 200, "result": []})


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("register", "The registered video is successfully deleted."),
        ("generate", "The generated video is successfully deleted."),
    ],
)
def test_delete_answers_the_documented_message_then_the_video_is_gone(
    api: AusyncLab, tiny: TinyMedia, kind: str, message: str
) -> None:
    """DELETE answers {id, message}; afterwards the id is a 404 for get and delete."""
    if kind == "register":
        video_id = api.ok("POST", "/register-video", json={"video_url": tiny.video_url})
    else:
        body = {"video_url": tiny.video_url, "audio_url": tiny.audio_url}
        video_id = api.ok("POST", "/generate-lipsync-v2", json=body)
    path = f"/{kind}/{video_id['video_id']}"
    assert api.ok("DELETE", path) == {"id": video_id["video_id"], "message": message}
    assert api.call("GET", path).status_code == 404
    assert api.call("DELETE", path).status_code == 404


def test_an_unreadable_input_fails_the_job_with_a_plain_reason(
    api: AusyncLab, tiny: TinyMedia
) -> None:
    """Audio that is not media ends FAILED, with no output."""
    not_media = tiny.video.parent / "notes.wav"
    not_media.write_text("not audio")
    body = {"video_url": tiny.video_url, "audio_url": not_media.as_uri()}
    video_id = api.ok("POST", "/generate-lipsync-v2", json=body)["video_id"]
    api.finish_jobs()
    row = api.ok("GET", f"/generate/{video_id}")
    assert row["state"] == "FAILED" and row["output_video_url"] is None


@pytest.mark.parametrize("url", ["ftp://example.com/v.mp4", "video.mp4", "https://", "http://[::1"])
def test_a_url_that_can_never_be_fetched_is_refused_at_once(api: AusyncLab, url: str) -> None:
    """A video_url that is not http(s) or file is a 404 before any job exists."""
    response = api.call("POST", "/register-video", json={"video_url": url})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Could not register the video: ")


def test_a_render_slower_than_the_clock_keeps_the_job_processing(
    api: AusyncLab, sample_video_path: Path, sample_audio_path: Path
) -> None:
    """The clock alone cannot complete a job: it stays PROCESSING until the output exists."""
    body = {"video_url": sample_video_path.as_uri(), "audio_url": sample_audio_path.as_uri()}
    video_id = api.ok("POST", "/generate-lipsync-v2", json=body)["video_id"]
    api.server.clock.advance(60)  # long past the job time; a 5 s 720p render takes ~1 s
    assert api.ok("GET", f"/generate/{video_id}")["state"] == "PROCESSING"
    assert api.server.wait_idle(30)
    assert api.ok("GET", f"/generate/{video_id}")["state"] == "COMPLETED"
