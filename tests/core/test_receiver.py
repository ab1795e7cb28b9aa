"""AusyncLab callbacks at the real receiver, over real HTTP: each job's own secret address,
refusals that change nothing, bodies read with a limit, and the sandbox's callbacks reporting
the credits used, end to end."""

from __future__ import annotations

import json
import re
import select
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests

from lipsync_core.callback_secret import job_token, server_secret
from lipsync_core.callbacks import MAX_CALLBACK_CREDITS
from lipsync_core.flows.model import Cost, CostUnit, Job, JobInputs, JobState, Stage
from lipsync_core.receiver import MAX_CALLBACK_BYTES
from lipsync_core.sandbox import SandboxServer
from tests.core.conftest import Receiving, sandbox_now

JSON = "application/json"
Body = Callable[[int], bytes]


def nova(receiving: Receiving, media: JobInputs) -> Job:
    """A Nova job sent to the sandbox and still being generated there."""
    job = receiving.service.submit("ausynclab", "nova", media)
    assert job.stage is Stage.GENERATING and job.provider_job_id
    return job


def body(video_id: int, **changes: object) -> dict[str, object]:
    """A lipsync callback as AusyncLab's document shows it."""
    return {
        "video_id": video_id,
        "video_url": "https://cdn.example.com/out.mp4",
        "credits_used": 10_000,
        "status": "COMPLETED",
        "message": "done",
        **changes,
    }


def as_json(**changes: object) -> Body:
    return lambda video_id: json.dumps(body(video_id, **changes)).encode()


def raw(text: str) -> Body:
    """A body written by hand; ``VIDEO`` stands for the job's video id."""
    return lambda video_id: text.replace("VIDEO", str(video_id)).encode()


def address(receiving: Receiving, job: Job, which: str) -> str:
    own = receiving.job_url(job.id)
    base = own.rsplit("/", 1)[0]
    secret = server_secret(receiving.settings.data_dir)
    return {
        "own": own,
        "no secret": receiving.receiver.callback_url,
        "no token": base,
        "wrong token": base + "/" + "0" * 64,
        "another job's token": base + "/" + job_token(secret, "another-job"),
        "another key": base + "/" + job_token(b"x" * 64, job.id),
    }[which]


def post(url: str, data: bytes, content_type: str | None = JSON) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.post(url, data=data, headers=headers, timeout=10)


def lipsync(field: str, value: str) -> Body:
    """A lipsync body whose ``field`` is the JSON text ``value``."""
    fields = {"video_id": "VIDEO", "video_url": "null", "credits_used": "5", "status": '"FAILED"'}
    fields[field] = value
    return raw("{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}")


REFUSALS = [
    pytest.param("no secret", JSON, as_json(), 403, id="no secret in the address"),
    pytest.param("no token", JSON, as_json(), 404, id="the job id alone"),
    pytest.param("wrong token", JSON, as_json(), 403, id="a wrong secret"),
    pytest.param("another job's token", JSON, as_json(), 403, id="another job's secret"),
    pytest.param("another key", JSON, as_json(), 403, id="a secret under another key"),
    pytest.param("own", "text/plain", as_json(), 415, id="text/plain"),
    pytest.param("own", None, as_json(), 415, id="no content type"),
    pytest.param("own", "application/x-www-form-urlencoded", as_json(), 415, id="a form"),
    pytest.param("own", JSON, as_json(message="x" * MAX_CALLBACK_BYTES), 413, id="over 16 KiB"),
    pytest.param("own", JSON, raw("{not json"), 400, id="not JSON"),
    pytest.param("own", JSON, raw('"COMPLETED"'), 400, id="a JSON string"),
    pytest.param("own", JSON, raw("[" * 5000 + "]" * 5000), 400, id="deeply nested"),
    pytest.param("own", JSON, lipsync("video_id", "[" * 800 + "]" * 800), 422, id="nested id"),
    pytest.param("own", JSON, lipsync("credits_used", "1e999"), 422, id="credits 1e999"),
    pytest.param("own", JSON, lipsync("credits_used", "NaN"), 422, id="credits NaN"),
    pytest.param("own", JSON, lipsync("credits_used", "Infinity"), 422, id="credits infinite"),
    pytest.param("own", JSON, lipsync("credits_used", "-5"), 422, id="credits negative"),
    pytest.param(
        "own", JSON, lipsync("credits_used", str(MAX_CALLBACK_CREDITS + 1)), 422, id="credits huge"
    ),
    pytest.param("own", JSON, lipsync("credits_used", '"lots"'), 422, id="credits in words"),
    pytest.param("own", JSON, lipsync("status", '"DONE"'), 422, id="an unknown status"),
    pytest.param("own", JSON, lipsync("status", "null"), 422, id="no status"),
    pytest.param("own", JSON, lipsync("video_id", "0"), 422, id="video id 0"),
    pytest.param("own", JSON, lipsync("video_id", "-3"), 422, id="video id negative"),
    pytest.param("own", JSON, lipsync("video_id", str(2**63)), 422, id="video id over 64 bits"),
    pytest.param("own", JSON, lipsync("video_id", "1e30"), 422, id="video id 1e30"),
    pytest.param("own", JSON, lipsync("video_id", '"abc"'), 422, id="video id in words"),
    pytest.param("own", JSON, lipsync("video_id", "VIDEO1"), 409, id="another video"),
    pytest.param("own", JSON, raw('{"video_id": VIDEO1, "status": "COMPLETED"}'), 409, id="reg"),
]


@pytest.mark.parametrize(("which", "content_type", "make_body", "status"), REFUSALS)
def test_a_callback_failing_a_check_is_refused_and_changes_nothing(
    receiving: Receiving,
    small_media: JobInputs,
    which: str,
    content_type: str | None,
    make_body: Body,
    status: int,
) -> None:
    """Each check answers its own plain status, and the job is left exactly as it was."""
    job = nova(receiving, small_media)
    before = receiving.service.get(job.id)
    answer = post(address(receiving, job, which), make_body(int(job.provider_job_id)), content_type)
    assert answer.status_code == status
    assert answer.json()["detail"]
    assert receiving.service.get(job.id) == before
    assert requests.get(f"{receiving.receiver.base_url}/healthz", timeout=5).ok


@pytest.mark.parametrize("framing", ["Content-Length: 500000000", "Transfer-Encoding: chunked"])
def test_a_500_mb_body_is_refused_without_being_read(
    receiving: Receiving, small_media: JobInputs, framing: str
) -> None:
    """The receiver answers 413 while the sender is still far from done: it never waits for
    (nor keeps) the whole body, whether its length is announced or it comes in chunks."""
    job = nova(receiving, small_media)
    url = urlsplit(receiving.job_url(job.id))
    head = (
        f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: {JSON}\r\n"
        f"{framing}\r\n\r\n"
    ).encode()
    chunked = framing.startswith("Transfer-Encoding")
    piece = b"x" * 65_536
    sent = 0
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head)
        while sent < 8_000_000 and not select.select([sock], [], [], 0)[0]:
            data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
            try:
                sock.sendall(data)
            except OSError:
                break
            sent += len(piece)
        assert select.select([sock], [], [], 30)[0], "no answer before the whole body was sent"
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert sent < 500_000_000
    assert receiving.service.get(job.id).reported_credits == {}


def test_a_callback_is_a_hint_the_state_comes_from_the_provider(
    receiving: Receiving, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """A valid callback saying COMPLETED keeps its credits and makes the job due now, but the
    job stays as AusyncLab itself reports it (still generating) until AusyncLab says otherwise."""
    job = nova(receiving, small_media)
    answer = post(receiving.job_url(job.id), as_json()(int(job.provider_job_id)))
    assert (answer.status_code, answer.json()) == (200, {"received": True, "matched": True})
    hinted = receiving.service.get(job.id)
    assert (hinted.state, hinted.stage, hinted.output_url) == (job.state, job.stage, None)
    assert hinted.reported_credits == {"generation": 10_000.0}
    assert hinted.next_poll_at <= sandbox_now(sandbox)
    assert receiving.service.refresh_due(download=False).due == 1
    checked = receiving.service.get(job.id)
    assert checked.state in (JobState.QUEUED, JobState.RUNNING) and checked.polls == 1


@pytest.mark.parametrize("status", ["PENDING", "PROCESSING"])
def test_credits_from_a_status_that_is_not_final_are_not_kept(
    receiving: Receiving, small_media: JobInputs, status: str
) -> None:
    """A callback about a video still being made says nothing final about credits."""
    job = nova(receiving, small_media)
    answer = post(receiving.job_url(job.id), as_json(status=status)(int(job.provider_job_id)))
    assert answer.status_code == 200
    assert receiving.service.get(job.id).reported_credits == {}


def test_a_callback_for_a_removed_job_is_answered_and_matches_nothing(
    receiving: Receiving, small_media: JobInputs
) -> None:
    """A job removed from the history: its genuine callback gets 200 with ``matched`` false."""
    job = nova(receiving, small_media)
    receiving.service.remove(job.id)
    answer = post(receiving.job_url(job.id), as_json()(int(job.provider_job_id)))
    assert (answer.status_code, answer.json()) == (200, {"received": True, "matched": False})


def sent_callbacks(sandbox: SandboxServer, count: int) -> list[tuple[str, dict, bool]]:
    """Wait (real time) until the sandbox has sent ``count`` callbacks."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = sandbox.callbacks_sent
        if len(sent) >= count:
            return sent
        time.sleep(0.05)
    raise AssertionError(f"the sandbox sent {sandbox.callbacks_sent}")


def finish(receiving: Receiving, sandbox: SandboxServer, job: Job) -> Job:
    for _ in range(30):
        sandbox.clock.advance(1.0)
        assert sandbox.wait_idle(timeout=60)
        receiving.service.refresh_due(download=False)
        current = receiving.service.get(job.id)
        if current.is_final:
            return current
    raise AssertionError(f"job did not finish: {current.state} {current.stage}")


def test_the_sandbox_posts_to_the_jobs_own_address_and_its_credits_are_settled_once(
    receiving: Receiving, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """End to end: AusyncLab (the sandbox) is given ``/callbacks/ausynclab/<job id>/<token>``,
    its callback is accepted there and settles the credits; a later callback, even one bearing
    the job's secret, cannot rewrite them."""
    job = nova(receiving, small_media)
    finish(receiving, sandbox, job)
    [(url, payload, ok)] = sent_callbacks(sandbox, 1)
    assert ok and url == receiving.job_url(job.id)
    assert re.fullmatch(
        re.escape(receiving.receiver.callback_url) + f"/{job.id}/[0-9a-f]{{64}}", url
    )
    settled = receiving.service.get(job.id)
    assert settled.state is JobState.SUCCEEDED
    assert settled.cost_used == Cost(
        amount=payload["credits_used"], unit=CostUnit.CREDITS, explanation="reported by AusyncLab"
    )
    assert payload["credits_used"] == 10_000
    again = post(url, as_json(credits_used=1)(int(job.provider_job_id)))
    assert again.status_code == 200
    assert receiving.service.get(job.id) == settled


def test_prime_reports_its_registration_and_generation_credits_by_callback(
    receiving: Receiving, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Prime's two steps post to the same job address; both reports are kept and added up."""
    job = receiving.service.submit("ausynclab", "prime", small_media)
    done = finish(receiving, sandbox, job)
    sent = sent_callbacks(sandbox, 2)
    assert {url for url, _, _ in sent} == {receiving.job_url(job.id)}
    assert all(ok for _, _, ok in sent)
    done = receiving.service.get(job.id)
    assert done.reported_credits == {"registration": 0.0, "generation": 100.0}
    assert done.cost_used is not None and not done.cost_used.estimated
    assert done.cost_used.amount == 100.0
