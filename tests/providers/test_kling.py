"""KlingClient against the sandbox over real HTTP: faces, task creation, query, expiry."""

from __future__ import annotations

import base64

import pytest

from lipsync_core import KlingClient
from lipsync_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    MediaValidationError,
    NotFoundError,
)
from lipsync_core.providers.kling import FaceChoice, KlingTaskStatus, sound_file_from_path


@pytest.fixture
def client(sandbox) -> KlingClient:
    return KlingClient("sandbox", sandbox.base_urls["kling"], timeout=30)


def _choice(face, sound_file: str, **overrides) -> FaceChoice:
    values = {
        "face_id": face.face_id,
        "sound_file": sound_file,
        "sound_start_time": 0,
        "sound_end_time": 3000,
        "sound_insert_time": face.start_time,
    }
    return FaceChoice(**{**values, **overrides})


def test_identify_face_finds_the_sample_face(sandbox, client):
    """The sample clip has one face, visible through (almost) the whole clip."""
    found = client.identify_face(f"{sandbox.base_url}/samples/face.mp4")
    assert found.session_id
    (face,) = found.faces
    assert face.face_id == "0"
    assert face.start_time < 500 and face.end_time > 4000
    assert face.face_image.startswith(sandbox.base_url)


def test_lip_sync_lifecycle_with_external_task_id(sandbox, client, sample_audio_path):
    """Create with base64 audio → submitted → succeed with one video; query by external id."""
    found = client.identify_face(f"{sandbox.base_url}/samples/face.mp4")
    sound = sound_file_from_path(sample_audio_path)
    task = client.create_lip_sync(
        found.session_id,
        [_choice(found.faces[0], sound, sound_volume=1.5, original_audio_volume=0.5)],
        external_task_id="job-123",
    )
    assert task.status is KlingTaskStatus.SUBMITTED
    assert task.external_task_id == "job-123"
    sandbox.clock.advance(2)
    assert sandbox.wait_idle(timeout=60)
    done = client.get_lip_sync("job-123")
    assert done.task_id == task.task_id
    assert done.status is KlingTaskStatus.SUCCEED
    (video,) = done.videos
    assert video.url.startswith(sandbox.base_url) and video.duration > 4
    assert done.created_at.tzinfo is not None


def test_optional_fields_are_left_out_of_the_body(sandbox, client):
    """external_task_id and volumes are omitted when not given."""
    found = client.identify_face(f"{sandbox.base_url}/samples/face.mp4")
    client.create_lip_sync(
        found.session_id, [_choice(found.faces[0], f"{sandbox.base_url}/samples/speech.wav")]
    )
    create = [r for r in sandbox.requests("kling") if r.path.endswith("advanced-lip-sync")]
    assert set(create[0].body_keys) == {"session_id", "face_choose"}


def test_expired_session_is_refused(sandbox, client):
    """A session older than 24 h is refused by Kling's rules (code 1201)."""
    found = client.identify_face(f"{sandbox.base_url}/samples/face.mp4")
    sandbox.clock.advance(24 * 3600 + 1)
    with pytest.raises(InvalidRequestError) as caught:
        client.create_lip_sync(
            found.session_id, [_choice(found.faces[0], f"{sandbox.base_url}/samples/speech.wav")]
        )
    assert caught.value.provider_code == 1201


def test_too_short_trim_is_refused_with_kling_words(sandbox, client):
    """Trimmed audio under 2 s is a 1201 with the sandbox's reason in the message."""
    found = client.identify_face(f"{sandbox.base_url}/samples/face.mp4")
    choice = _choice(found.faces[0], f"{sandbox.base_url}/samples/speech.wav", sound_end_time=1500)
    with pytest.raises(InvalidRequestError) as caught:
        client.create_lip_sync(found.session_id, [choice])
    assert str(caught.value).startswith("Kling rejected the request: ")


def test_unknown_task_is_not_found(sandbox, client):
    """A task id Kling does not know is code 1203."""
    with pytest.raises(NotFoundError) as caught:
        client.get_lip_sync("no-such-task")
    assert caught.value.provider_code == 1203


def test_wrong_key_is_an_authentication_error(sandbox):
    """A wrong Bearer key gets Kling's authentication error (HTTP 401, code 1000)."""
    client = KlingClient("wrong", sandbox.base_urls["kling"])
    with pytest.raises(AuthenticationError) as caught:
        client.get_lip_sync("x")
    assert (caught.value.http_status, caught.value.provider_code) == (401, 1000)


def test_sound_file_is_base64_of_the_file(sample_audio_path):
    """A local audio file becomes the base64 text of its bytes."""
    assert base64.b64decode(sound_file_from_path(sample_audio_path)) == (
        sample_audio_path.read_bytes()
    )


def test_sound_file_over_5_mb_is_refused(tmp_path):
    """Kling's 5 MB audio limit is enforced before anything is encoded or sent."""
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(MediaValidationError, match="at most 5 MB"):
        sound_file_from_path(big)


def test_sound_file_of_another_format_is_refused(tmp_path):
    """Only .mp3, .wav and .m4a are accepted."""
    ogg = tmp_path / "a.ogg"
    ogg.write_bytes(b"OggS")
    with pytest.raises(MediaValidationError, match=r"\.mp3, \.wav or \.m4a"):
        sound_file_from_path(ogg)


@pytest.mark.parametrize("face_id", [0, "0"])
def test_the_documents_numeric_face_id_is_read_as_text(sandbox, client, face_id):
    """FaceChoice accepts face_id 0 as the document's example writes it and sends it as "0"."""
    found = client.identify_face(f"{sandbox.base_url}/samples/face.mp4")
    choice = _choice(found.faces[0], f"{sandbox.base_url}/samples/speech.wav", face_id=face_id)
    assert choice.face_id == "0"
    assert choice.to_wire()["face_id"] == "0"
    task = client.create_lip_sync(found.session_id, [choice])
    assert task.status is KlingTaskStatus.SUBMITTED
    assert task.external_task_id is None
