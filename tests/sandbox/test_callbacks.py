"""AusyncLab callbacks reach a real receiver with the document's payloads, once per job."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from unittest.mock import ANY

import requests
from pytest_httpserver import HTTPServer

from lipsync_core.media import probe
from lipsync_core.sandbox import SandboxServer

from .support import CallbackReceiver, TinyMedia

KEY = {"X-API-Key": "sandbox"}


def post(server: SandboxServer, path: str, body: dict[str, object]) -> dict[str, object]:
    url = server.base_urls["ausynclab"] + path
    response = requests.post(url, json=body, headers=KEY, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def finish(server: SandboxServer) -> None:
    assert server.wait_idle(30)
    server.clock.advance(1)


def test_registration_callback_has_the_documented_payload(
    sandbox: SandboxServer, tiny: TinyMedia, callback_receiver: CallbackReceiver
) -> None:
    """A completed registration POSTs {video_id, credits_used, status, message}."""
    body = {"video_url": tiny.video_url, "callback_url": callback_receiver.url}
    video_id = post(sandbox, "/register-video", body)["video_id"]
    finish(sandbox)
    assert callback_receiver.wait_for(1) == [
        {
            "video_id": video_id,
            "credits_used": 0,
            "status": "COMPLETED",
            "message": "Your video registration is completed successfully",
        }
    ]


def test_lipsync_callback_carries_the_output_url_and_nova_credits(
    sandbox: SandboxServer, tiny: TinyMedia, callback_receiver: CallbackReceiver
) -> None:
    """A Nova job's callback has its output URL and 5,000 credits per started audio second."""
    body = {
        "video_url": tiny.video_url,
        "audio_url": tiny.audio_url,
        "model": "nova",
        "callback_url": callback_receiver.url,
    }
    video_id = post(sandbox, "/generate-lipsync-v2", body)["video_id"]
    finish(sandbox)
    [payload] = callback_receiver.wait_for(1)
    row = requests.get(
        sandbox.base_urls["ausynclab"] + f"/generate/{video_id}", headers=KEY, timeout=10
    ).json()["result"]
    seconds = probe(tiny.audio).audio_duration
    assert seconds is not None
    assert payload == {
        "video_id": video_id,
        "video_url": row["output_video_url"],
        "credits_used": math.ceil(seconds) * 5000,
        "status": "COMPLETED",
        "message": "Your lipsync video is generated successfully",
    }
    assert sandbox.callbacks_sent == [(callback_receiver.url, payload, True)]


def test_a_failed_job_calls_back_with_failed(
    sandbox: SandboxServer, tiny: TinyMedia, callback_receiver: CallbackReceiver
) -> None:
    """A FAILED lipsync job calls back with status FAILED, no video and no credits."""
    sandbox.add_fault("ausynclab", "POST", "generate-lipsync-v2", "fail_job")
    body = {"video_url": tiny.video_url, "audio_url": tiny.audio_url}
    post(sandbox, "/generate-lipsync-v2", {**body, "callback_url": callback_receiver.url})
    finish(sandbox)
    [payload] = callback_receiver.wait_for(1)
    assert payload["status"] == "FAILED"
    assert (payload["video_url"], payload["credits_used"]) == (None, 0)


def test_an_unreachable_callback_is_recorded_and_harmless(
    sandbox: SandboxServer, tiny: TinyMedia, callback_receiver: CallbackReceiver
) -> None:
    """A callback to a closed port is recorded as not ok, and the server carries on."""
    dead = sandbox.base_url.rsplit(":", 1)[0] + ":9/hook"
    body = {"video_url": tiny.video_url, "callback_url": dead}
    post(sandbox, "/register-video", body)
    post(sandbox, "/register-video", {**body, "callback_url": callback_receiver.url})
    finish(sandbox)
    callback_receiver.wait_for(1)
    sent = _wait_for_sent(sandbox, 2)
    assert sorted((url, ok) for url, _, ok in sent) == sorted(
        [(dead, False), (callback_receiver.url, True)]
    )
    assert not sandbox.errors


def _wait_for_sent(server: SandboxServer, count: int) -> list[tuple[str, dict, bool]]:
    deadline = time.monotonic() + 10
    while len(server.callbacks_sent) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return server.callbacks_sent


def test_a_callback_to_an_untrusted_local_server_is_not_sent(
    sandbox: SandboxServer, tiny: TinyMedia, httpserver: HTTPServer
) -> None:
    """A callback URL on this machine that is neither the app's receiver nor trusted in
    LIPSYNC_FETCH_ALLOW gets no POST; the attempt is recorded as not ok."""
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    url = httpserver.url_for("/hook")
    post(sandbox, "/register-video", {"video_url": tiny.video_url, "callback_url": url})
    finish(sandbox)
    assert _wait_for_sent(sandbox, 1) == [(url, ANY, False)]
    assert httpserver.log == []


def test_a_redirect_answer_to_a_callback_is_not_followed(
    sandbox: SandboxServer,
    tiny: TinyMedia,
    callback_receiver: CallbackReceiver,
    httpserver: HTTPServer,
    trust_host: Callable[[str], None],
) -> None:
    """A trusted endpoint answering 307 cannot bounce the callback elsewhere: not followed,
    recorded as not ok."""
    trust_host(httpserver.url_for("/"))
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        "", status=307, headers={"Location": callback_receiver.url}
    )
    url = httpserver.url_for("/hook")
    post(sandbox, "/register-video", {"video_url": tiny.video_url, "callback_url": url})
    finish(sandbox)
    assert _wait_for_sent(sandbox, 1) == [(url, ANY, False)]
    assert callback_receiver.received == []
