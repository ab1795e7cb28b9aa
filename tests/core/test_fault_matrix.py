"""Every provider × {create, status} × every kind of bad answer: no crash, no lost or duplicate
provider job, and a plain sentence on the card at every step.

Each cell injects one fault into the sandbox (over real HTTP) on the call that creates the paid
job or on its status check, then drives the job service on the sandbox's clock until the job
ends. "Created" counts the create calls the emulated API really handled (a fault that answers in
its place creates nothing; a late answer does), so duplicates and losses are counted at the
provider's side, not from the app's own records.
"""

from __future__ import annotations

import logging
import re
import time
import wave
from dataclasses import dataclass

import av
import pytest

from lipsync_core.jobs import Job, JobInputs, JobService, JobState
from lipsync_core.sandbox import SandboxServer
from tests.core.conftest import SAMPLE_SPEECH, SAMPLE_VIDEO, MakeService, sandbox_now

CLIENT_TIMEOUT = 0.4
LATE = 1.2
FAULTS = (
    "late_answer",
    "drop_connection",
    "status_429",
    "html_500",
    "html_502",
    "malformed_json",
    "wrong_shape",
    "auth_error",
    "business_error",
)


@dataclass(frozen=True)
class Target:
    provider: str
    model: str
    create: str  # the path of the paid create call (a regular expression)
    status: str  # the path of its status check


TARGETS = {
    "ausynclab": Target("ausynclab", "nova", r"generate-lipsync-v2$", r"/generate(/\d+)?$"),
    "kling": Target("kling", "advanced-lip-sync", r"advanced-lip-sync$", r"advanced-lip-sync/"),
    "twinsync": Target("twinsync", "videotalking", r"videotalking$", r"videotalking$"),
}
# Create faults after which the provider clearly did not take the job: it fails at once.
REFUSED = {"auth_error", "business_error"}
# Create faults whose outcome is unclear: the job is looked up, and ends only when settled.
UNCLEAR = {"drop_connection", "html_500", "html_502", "malformed_json", "wrong_shape"}
# Words a person must never read on a card.
TECHNICAL = re.compile(r"Traceback|\w+(Error|Exception)\b|\{|\}|<html|\bNone\b")


def fault_options(fault: str) -> dict[str, float]:
    if fault == "late_answer":
        return {"latency": LATE}
    return {"retry_after": 2.0} if fault == "status_429" else {}


def plain(text: str | None) -> bool:
    return bool(text) and text.endswith(".") and "\n" not in text and not TECHNICAL.search(text)


def created(sandbox: SandboxServer, target: Target) -> int:
    """How many create calls the emulated provider really handled."""
    return sum(
        1
        for r in sandbox.requests(target.provider)
        if r.method == "POST"
        and re.search(target.create, r.path)
        and r.fault in (None, "late_answer", "latency")
    )


def drive(service: JobService, sandbox: SandboxServer, job_id: str) -> tuple[Job, list[str]]:
    """Refresh on the sandbox clock until the job ends; the card texts seen on the way."""
    texts: list[str] = []
    for _ in range(200):
        job = service.get(job_id)
        texts += [t for t in (job.note, job.error) if t]
        if job.is_final:
            return job, texts
        step = (job.next_poll_at - sandbox_now(sandbox)).total_seconds() if job.next_poll_at else 1
        sandbox.clock.advance(max(1.0, step))
        assert sandbox.wait_idle(timeout=60)
        service.refresh_due()
    raise AssertionError(f"the job never ended: {job.state} {job.stage} {job.note}")


def submit(make_service: MakeService, target: Target, media: JobInputs) -> Job:
    """Send the job with clients that give up after ``CLIENT_TIMEOUT``; Kling's face search
    (free, and slower than that on a real face) is made with patient ones first."""
    impatient = make_service(timeout=CLIENT_TIMEOUT)
    if target.provider != "kling":
        return impatient.submit(target.provider, target.model, media)
    job = make_service().submit(target.provider, target.model, media)
    assert job.options.faces, job.error
    return impatient.choose_face(job.id, job.options.faces[0].face_id)


@pytest.fixture(scope="module")
def short_face(tmp_path_factory: pytest.TempPathFactory) -> JobInputs:
    """The first 2.4 s of the sample face and speech: the least Kling accepts (2 s), so the
    sandbox's face search and render take half the time."""
    folder = tmp_path_factory.mktemp("short_face")
    video, audio = folder / "face.mp4", folder / "speech.wav"
    with av.open(str(SAMPLE_VIDEO)) as source, av.open(str(video), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for index, frame in enumerate(source.decode(video=0)):
            if index >= 60:
                break
            picture = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            out.mux(stream.encode(picture))
        out.mux(stream.encode(None))
    with wave.open(str(SAMPLE_SPEECH)) as source, wave.open(str(audio), "wb") as out:
        out.setparams(source.getparams())
        out.writeframes(source.readframes(int(source.getframerate() * 2.4)))
    return JobInputs(video_path=str(video), audio_path=str(audio))


@pytest.fixture
def media(small_media: JobInputs, short_face: JobInputs):
    def pick(provider: str) -> JobInputs:
        return short_face if provider == "kling" else small_media

    return pick


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("provider", list(TARGETS))
def test_a_bad_answer_to_the_create_call(
    make_service: MakeService,
    sandbox: SandboxServer,
    media,
    caplog: pytest.LogCaptureFixture,
    provider: str,
    fault: str,
) -> None:
    """The create call meets the fault once: the job is found, sent again, or ends in plain
    words; never two provider jobs, never one the app has lost track of (but TwinSync's, see
    below), never a crash."""
    caplog.set_level(logging.ERROR)
    target = TARGETS[provider]
    sandbox.add_fault(provider, "POST", target.create, fault, **fault_options(fault))
    job = submit(make_service, target, media(provider))
    if fault == "late_answer":
        wait_until_handled(sandbox, target)
    done, texts = drive(make_service(), sandbox, job.id)

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert texts and all(plain(text) for text in texts), texts
    made = created(sandbox, target)
    assert made <= 1
    if fault in ("status_429",) or (fault == "late_answer" and provider != "twinsync"):
        assert done.state is JobState.SUCCEEDED, done.error
        assert made == 1 and done.provider_job_id is not None
    elif fault == "late_answer":
        # TwinSync takes no name or external id: a lost answer cannot be looked up. The job
        # says so, and tells the person to check the account before sending it again.
        assert made == 1 and done.state is JobState.FAILED
        assert "could not confirm whether TwinSync received this job" in done.error
        assert "before submitting again" in done.error
    elif fault in REFUSED:
        assert made == 0 and done.state is JobState.FAILED
        assert "send it again" not in done.error.lower() or "never started" in done.error
    else:
        assert fault in UNCLEAR and made == 0 and done.state is JobState.FAILED
        if provider == "twinsync":
            assert "could not confirm whether TwinSync received this job" in done.error
        else:
            assert any("Do not send it again meanwhile" in text for text in texts)
            assert "never started" in done.error


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("provider", list(TARGETS))
def test_a_bad_answer_to_a_status_check(
    make_service: MakeService,
    sandbox: SandboxServer,
    media,
    caplog: pytest.LogCaptureFixture,
    provider: str,
    fault: str,
) -> None:
    """A status check meets the fault twice: the card says the check failed and when it will
    try again, and the paid job still finishes; nothing is sent twice."""
    caplog.set_level(logging.ERROR)
    target = TARGETS[provider]
    service = make_service(timeout=CLIENT_TIMEOUT)
    job = submit(make_service, target, media(provider))
    assert job.provider_job_id is not None or provider == "ausynclab"
    sandbox.add_fault(provider, "GET", target.status, fault, count=2, **fault_options(fault))
    done, texts = drive(service, sandbox, job.id)

    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert done.state is JobState.SUCCEEDED, (done.error, texts)
    assert created(sandbox, target) == 1
    assert all(plain(text) for text in texts), texts
    if fault not in ("late_answer", "drop_connection", "status_429", "html_502"):
        # Read timeouts, drops and gateway errors on a GET are retried by the transport itself.
        assert any(text.startswith("Could not check on this job just now") for text in texts)


def wait_until_handled(sandbox: SandboxServer, target: Target, timeout: float = 10.0) -> None:
    """Wait (real time) until the emulated API has handled the late-answered create call."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if created(sandbox, target) and sandbox.wait_idle(timeout=timeout):
            for record in sandbox.requests(target.provider):
                if record.fault == "late_answer" and record.status is not None:
                    return
        time.sleep(0.05)
    raise AssertionError("the sandbox never answered the late create call")
