"""AusyncLabClient against the sandbox over real HTTP: request shapes and whole lifecycles."""

from __future__ import annotations

import pytest

from lipsync_core import AusyncLabClient
from lipsync_core.errors import AuthenticationError, InvalidRequestError, NotFoundError
from lipsync_core.providers.ausynclab import AusyncLabState

JOB = 1.0  # tests/conftest.py: sandbox jobs take 1 s of sandbox clock


@pytest.fixture
def client(sandbox) -> AusyncLabClient:
    return AusyncLabClient("sandbox", sandbox.base_urls["ausynclab"], timeout=10)


def _finish(sandbox) -> None:
    """Move the sandbox clock past a job's duration and let its render complete."""
    sandbox.clock.advance(JOB * 2)
    assert sandbox.wait_idle(timeout=60)


def _media(sandbox) -> tuple[str, str]:
    return f"{sandbox.base_url}/samples/face.mp4", f"{sandbox.base_url}/samples/speech.wav"


def test_register_sends_only_given_fields_and_returns_the_id(sandbox, client):
    """Optional name/callback_url are left out of the body when not given."""
    video_url, _ = _media(sandbox)
    video_id = client.register_video(video_url)
    assert isinstance(video_id, int)
    (record,) = [r for r in sandbox.requests("ausynclab") if r.method == "POST"]
    assert record.path.endswith("/register-video")
    assert set(record.body_keys) == {"video_url"}


def test_prime_lifecycle_register_then_generate(sandbox, client):
    """Register → COMPLETED with a thumbnail → generate → COMPLETED with an output video."""
    video_url, audio_url = _media(sandbox)
    registered_id = client.register_video(video_url, name="Sample Video")
    assert client.get_registered_video(registered_id).state in (
        AusyncLabState.PENDING,
        AusyncLabState.PROCESSING,
    )
    _finish(sandbox)
    registered = client.get_registered_video(registered_id)
    assert registered.state is AusyncLabState.COMPLETED
    assert registered.thumbnail_url and registered.created_at.tzinfo is not None
    assert [v.id for v in client.list_registered_videos()] == [registered_id]

    generated_id = client.generate_lipsync(registered_id, audio_url, name="Lipsync Video")
    _finish(sandbox)
    generated = client.get_generated_video(generated_id)
    assert generated.state is AusyncLabState.COMPLETED
    assert generated.registered_video_id == registered_id
    assert generated.output_video_url.startswith(sandbox.base_url)
    assert [v.id for v in client.list_generated_videos()] == [generated_id]


def test_prime_needs_a_completed_registration(sandbox, client):
    """Generating from a registration that is still processing is refused in plain words."""
    video_url, audio_url = _media(sandbox)
    registered_id = client.register_video(video_url)
    with pytest.raises(InvalidRequestError) as caught:
        client.generate_lipsync(registered_id, audio_url)
    assert caught.value.http_status == 404
    assert str(caught.value).startswith("AusyncLab rejected the request")


def test_v2_nova_sends_model_and_sync_mode_and_completes(sandbox, client):
    """generate-lipsync-v2 carries model and sync_mode and answers a ticket."""
    video_url, audio_url = _media(sandbox)
    ticket = client.generate_lipsync_v2(video_url, audio_url, model="nova", sync_mode="bounce")
    assert ticket.operation_id and ticket.message == "Your lipsync request is being processed"
    (record,) = [r for r in sandbox.requests("ausynclab") if r.method == "POST"]
    assert set(record.body_keys) == {"video_url", "audio_url", "model", "sync_mode"}
    _finish(sandbox)
    generated = client.get_generated_video(ticket.video_id)
    assert generated.state is AusyncLabState.COMPLETED
    assert generated.registered_video_id is None


def test_unknown_option_is_refused_before_sending(sandbox, client):
    """A model the API does not have is refused locally; nothing reaches the provider."""
    with pytest.raises(InvalidRequestError, match="choose one of: prime, nova"):
        client.generate_lipsync_v2("https://x/v.mp4", "https://x/a.wav", model="turbo")
    assert sandbox.requests("ausynclab") == []


def test_delete_removes_both_kinds(sandbox, client):
    """Deleted videos are gone: a later get is NotFoundError and the list is empty."""
    video_url, audio_url = _media(sandbox)
    registered_id = client.register_video(video_url)
    ticket = client.generate_lipsync_v2(video_url, audio_url)
    _finish(sandbox)
    client.delete_generated_video(ticket.video_id)
    client.delete_registered_video(registered_id)
    with pytest.raises(NotFoundError):
        client.get_generated_video(ticket.video_id)
    with pytest.raises(NotFoundError):
        client.get_registered_video(registered_id)
    assert client.list_registered_videos() == []
    assert client.list_generated_videos() == []


def test_empty_lists_are_empty_not_errors(sandbox, client):
    """The sandbox answers an empty list with 404 like the document; the client says []."""
    assert client.list_registered_videos() == []
    assert client.list_generated_videos() == []


def test_wrong_key_is_an_authentication_error(sandbox):
    """A key the sandbox does not know gets AusyncLab's authentication error."""
    client = AusyncLabClient("not-the-key", sandbox.base_urls["ausynclab"])
    with pytest.raises(AuthenticationError) as caught:
        client.list_generated_videos()
    assert caught.value.http_status == 401
