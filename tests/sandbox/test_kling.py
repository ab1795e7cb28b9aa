"""The Kling (302.ai) emulator answers raw HTTP exactly as the Kling document describes.

Face detection on the sample takes a moment, so these tests share one server and one
identified session per module (tasks use unique external ids); expiry gets its own server.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from lipsync_core.sandbox import SandboxConfig, SandboxServer

from .support import TinyMedia

BEARER = {"Authorization": "Bearer sandbox"}
ENVELOPE_KEYS = {"code", "message", "request_id", "data"}
UUID = re.compile(r"^[0-9a-f-]{36}$")
IDENTIFY = "/klingai/v1/videos/identify-face"
LIP_SYNC = "/klingai/v1/videos/advanced-lip-sync"


def call(server: SandboxServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("headers", BEARER)
    return requests.request(method, server.base_urls["kling"] + path, timeout=30, **kwargs)


def succeed(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ENVELOPE_KEYS and UUID.match(body["request_id"])
    assert (body["code"], body["message"]) == (0, "SUCCEED")
    return body["data"]


def refused(response: requests.Response, code: int, status: int) -> str:
    body = response.json()
    assert (response.status_code, body["code"], body["data"]) == (status, code, None), body
    assert set(body) == ENVELOPE_KEYS
    return body["message"]


@dataclass(frozen=True)
class FaceSession:
    session_id: str
    face_id: str
    start_ms: int
    end_ms: int


def identify(server: SandboxServer) -> tuple[FaceSession, dict[str, Any]]:
    data = succeed(call(server, "POST", IDENTIFY, json={"video_url": sample_url(server)}))
    face = data["face_data"][0]
    session = FaceSession(data["session_id"], face["face_id"], face["start_time"], face["end_time"])
    return session, data


def sample_url(server: SandboxServer) -> str:
    return server.base_url + "/samples/face.mp4"


@pytest.fixture(scope="module")
def kling_server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(job_seconds=1.0)) as server:
        yield server
        assert server.wait_idle(60) and not server.errors


@pytest.fixture(scope="module")
def identified(kling_server: SandboxServer) -> tuple[FaceSession, dict[str, Any]]:
    return identify(kling_server)


@pytest.fixture
def face(identified: tuple[FaceSession, dict[str, Any]]) -> FaceSession:
    return identified[0]


def lip_sync_body(
    face: FaceSession, sound_file: str, external_task_id: str | None = None, **timing: Any
) -> dict[str, Any]:
    choice = {
        "face_id": face.face_id,
        "sound_file": sound_file,
        "sound_start_time": 0,
        "sound_end_time": 3000,
        "sound_insert_time": face.start_ms,
        **timing,
    }
    body: dict[str, Any] = {"session_id": face.session_id, "face_choose": [choice]}
    if external_task_id:
        body["external_task_id"] = external_task_id
    return body


def test_identify_face_finds_the_sample_face_with_a_served_image(
    kling_server: SandboxServer, identified: tuple[FaceSession, dict[str, Any]]
) -> None:
    """identify-face answers session_id and face_data [{face_id, face_image, start/end ms}]."""
    face, data = identified
    assert set(data) == {"session_id", "face_data"}
    first = data["face_data"][0]
    assert set(first) == {"face_id", "face_image", "start_time", "end_time"}
    assert face.face_id == "0" and 0 <= face.start_ms < face.end_ms <= 5100
    image = requests.get(first["face_image"], timeout=10)
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"


def test_a_task_goes_from_submitted_to_succeed_with_a_video(
    kling_server: SandboxServer, face: FaceSession, sample_audio_path: Path
) -> None:
    """A task is submitted, processing, then succeed with one served video."""
    external_id = f"ext-{uuid.uuid4()}"
    body = lip_sync_body(face, sample_audio_path.as_uri(), external_id)
    created = succeed(call(kling_server, "POST", LIP_SYNC, json=body))
    assert set(created) == {"task_id", "task_info", "task_status", "created_at", "updated_at"}
    assert created["task_status"] == "submitted"
    assert created["task_info"] == {"external_task_id": external_id}
    task_path = f"{LIP_SYNC}/{created['task_id']}"
    first = succeed(call(kling_server, "GET", task_path))
    assert first["task_status"] == "submitted" and first["task_result"] == {"videos": []}
    kling_server.clock.advance(0.3)
    assert succeed(call(kling_server, "GET", task_path))["task_status"] == "processing"
    assert kling_server.wait_idle(30)
    kling_server.clock.advance(1)
    done = succeed(call(kling_server, "GET", task_path))
    assert set(done) == {
        "task_id",
        "task_status",
        "task_status_msg",
        "task_info",
        "task_result",
        "created_at",
        "updated_at",
    }
    assert (done["task_status"], done["task_status_msg"]) == ("succeed", "")
    assert done["task_info"]["parent_video"] == {
        "id": done["task_info"]["parent_video"]["id"],
        "url": sample_url(kling_server),
        "duration": "5",
    }
    [video] = done["task_result"]["videos"]
    assert set(video) == {"id", "url", "duration"} and float(video["duration"]) > 0
    assert requests.get(video["url"], timeout=10).content[4:8] == b"ftyp"
    assert done["updated_at"] > done["created_at"] == created["created_at"]


def test_a_task_without_external_task_id_never_answers_null(
    kling_server: SandboxServer, face: FaceSession, sample_audio_path: Path
) -> None:
    """external_task_id is a string in the schema: left out of task_info when none was given."""
    body = lip_sync_body(face, sample_audio_path.as_uri())
    created = succeed(call(kling_server, "POST", LIP_SYNC, json=body))
    assert created["task_info"] == {}
    queried = succeed(call(kling_server, "GET", f"{LIP_SYNC}/{created['task_id']}"))
    assert "external_task_id" not in queried["task_info"]
    assert None not in (*created.values(), *queried["task_info"].values())


def test_a_task_can_be_read_by_its_external_task_id(
    kling_server: SandboxServer, face: FaceSession, sample_audio_path: Path
) -> None:
    """GET accepts the external_task_id in place of the task_id."""
    external_id = f"ext-{uuid.uuid4()}"
    body = lip_sync_body(face, sample_audio_path.as_uri(), external_id)
    task_id = succeed(call(kling_server, "POST", LIP_SYNC, json=body))["task_id"]
    by_external = succeed(call(kling_server, "GET", f"{LIP_SYNC}/{external_id}"))
    assert by_external["task_id"] == task_id
    assert by_external["task_info"]["external_task_id"] == external_id


def test_an_external_task_id_is_unique(
    kling_server: SandboxServer, face: FaceSession, sample_audio_path: Path
) -> None:
    """A second task with the same external_task_id is 1201 "external_task_id already exists"."""
    body = lip_sync_body(face, sample_audio_path.as_uri(), f"ext-{uuid.uuid4()}")
    succeed(call(kling_server, "POST", LIP_SYNC, json=body))
    again = call(kling_server, "POST", LIP_SYNC, json=body)
    assert refused(again, 1201, 400) == "external_task_id already exists"


@pytest.mark.parametrize("prefix", ["", "data:audio/wav;base64,"])
def test_sound_file_may_be_base64(
    kling_server: SandboxServer, face: FaceSession, sample_audio_path: Path, prefix: str
) -> None:
    """sound_file accepts base64 audio, with or without a data: prefix."""
    encoded = prefix + base64.b64encode(sample_audio_path.read_bytes()).decode()
    created = succeed(call(kling_server, "POST", LIP_SYNC, json=lip_sync_body(face, encoded)))
    assert created["task_status"] == "submitted"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sound_end_time": 1500}, "The trimmed audio must be at least 2000 ms long, not 1500 ms"),
        ({"sound_start_time": 3000, "sound_end_time": 6000}, "sound_end_time 6000 ms is after"),
        ({"sound_insert_time": 2500}, "must lie inside the video (0-5000 ms)"),
        ({"sound_insert_time": -1}, "must lie inside the video"),
        ({"sound_volume": 2.5}, "Invalid parameter face_choose.0.sound_volume"),
        ({"original_audio_volume": -0.1}, "Invalid parameter face_choose.0.original_audio_volume"),
        ({"face_id": "7"}, "face_id 7 does not belong to this session"),
        ({"sound_file": None}, "Invalid parameter face_choose.0.sound_file: Field required"),
        (
            {"sound_file": "file:///no/such.wav"},
            "The sound_file was not read. The file such.wav is not in this app's uploads folder",
        ),
        ({"sound_file": "@@not audio@@"}, "The sound_file is neither a URL nor valid base64 data."),
    ],
)
def test_parameters_breaking_klings_rules_are_1201(
    kling_server: SandboxServer,
    face: FaceSession,
    sample_audio_path: Path,
    change: dict[str, Any],
    message: str,
) -> None:
    """Each documented rule breached is a 1201 with HTTP 400 and a message naming it."""
    body = lip_sync_body(face, sample_audio_path.as_uri())
    choice = {**body["face_choose"][0], **change}
    body["face_choose"][0] = {k: v for k, v in choice.items() if v is not None}
    assert message in refused(call(kling_server, "POST", LIP_SYNC, json=body), 1201, 400)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"session_id": "nope", "face_choose": [{"face_id": "0"}]}, 1201, "Invalid parameter"),
        ({"session_id": "nope"}, 1201, "Invalid parameter face_choose: Field required"),
        ({"session_id": "nope", "face_choose": []}, 1201, "Invalid parameter face_choose"),
    ],
)
def test_incomplete_bodies_are_1201(
    kling_server: SandboxServer, body: dict[str, Any], code: int, message: str
) -> None:
    """Missing required fields are a 1201 naming the field."""
    assert message in refused(call(kling_server, "POST", LIP_SYNC, json=body), code, 400)


def test_a_body_that_is_not_json_is_1200(kling_server: SandboxServer) -> None:
    """A body that does not parse is 1200 (invalid request)."""
    headers = {**BEARER, "Content-Type": "application/json"}
    response = call(kling_server, "POST", LIP_SYNC, data="{oops", headers=headers)
    refused(response, 1200, 400)


def test_an_unknown_session_is_1201(
    kling_server: SandboxServer, face: FaceSession, sample_audio_path: Path
) -> None:
    """A session_id never issued is 1201 "session_id is invalid or has expired"."""
    body = {**lip_sync_body(face, sample_audio_path.as_uri()), "session_id": "never-issued"}
    message = refused(call(kling_server, "POST", LIP_SYNC, json=body), 1201, 400)
    assert message == "session_id is invalid or has expired"


def test_an_unknown_task_is_1203(kling_server: SandboxServer) -> None:
    """GET of a task that does not exist is 1203 with HTTP 404."""
    refused(call(kling_server, "GET", f"{LIP_SYNC}/no-such-task"), 1203, 404)


def test_a_failed_task_says_why(
    kling_server: SandboxServer, face: FaceSession, sample_audio_path: Path
) -> None:
    """A task told to fail ends "failed" with its reason in task_status_msg and no videos."""
    kling_server.add_fault("kling", "POST", "advanced-lip-sync$", "fail_job")
    body = lip_sync_body(face, sample_audio_path.as_uri())
    task_id = succeed(call(kling_server, "POST", LIP_SYNC, json=body))["task_id"]
    kling_server.clock.advance(1)
    failed = succeed(call(kling_server, "GET", f"{LIP_SYNC}/{task_id}"))
    assert failed["task_status"] == "failed" and failed["task_status_msg"]
    assert failed["task_result"] == {"videos": []}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic sandbox"},
        {"Authorization": "sandbox"},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"), [("POST", IDENTIFY), ("POST", LIP_SYNC), ("GET", f"{LIP_SYNC}/x")]
)
def test_every_endpoint_needs_the_bearer_key(
    kling_server: SandboxServer, headers: dict[str, str], method: str, path: str
) -> None:
    """A missing, wrong or non-Bearer key is 1000 "Authentication failed" with HTTP 401."""
    response = call(kling_server, method, path, json={}, headers=headers)
    assert refused(response, 1000, 401) == "Authentication failed"


def test_a_wrong_method_is_1202(kling_server: SandboxServer) -> None:
    """GET on identify-face is 1202 (wrong method)."""
    refused(call(kling_server, "GET", IDENTIFY), 1202, 400)


@pytest.mark.parametrize(
    ("video", "message"),
    [
        ("tiny", "Each side of the video must be 512 to 2160 px, not 160x120"),
        ("missing", "Could not download the video_url: the server answered HTTP 404."),
    ],
)
def test_identify_face_refuses_unusable_videos(
    kling_server: SandboxServer, tiny: TinyMedia, video: str, message: str
) -> None:
    """A video outside Kling's limits, or one that cannot be fetched, is a 1201."""
    url = tiny.video_url if video == "tiny" else kling_server.base_url + "/samples/none.mp4"
    response = call(kling_server, "POST", IDENTIFY, json={"video_url": url})
    assert refused(response, 1201, 400) == message


@pytest.fixture
def short_ttl_server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(job_seconds=1.0, kling_session_ttl_seconds=60)) as server:
        yield server
        assert not server.errors


def test_a_session_expires_after_its_time_to_live(
    short_ttl_server: SandboxServer, sample_audio_path: Path
) -> None:
    """Once the clock passes the session's TTL, creating a task with it is 1201."""
    face, _ = identify(short_ttl_server)
    short_ttl_server.clock.advance(61)
    body = lip_sync_body(face, sample_audio_path.as_uri())
    message = refused(call(short_ttl_server, "POST", LIP_SYNC, json=body), 1201, 400)
    assert message == "session_id is invalid or has expired"
