"""The unified job against the sandbox over real HTTP, with the history in a real SQLite file.

The service's clock is the sandbox's clock, so ``sandbox.clock.advance`` moves both the
emulated providers' jobs and the service's schedule forward without sleeping.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from lipsync_core.config import Settings, load_settings
from lipsync_core.errors import ConfigurationError, MediaValidationError
from lipsync_core.flows.clients import client_factories
from lipsync_core.flows.sources import public_url_for
from lipsync_core.jobs import (
    CostUnit,
    FaceChoiceError,
    Job,
    JobInputs,
    JobOptions,
    JobService,
    JobState,
    JobStore,
    PollPolicy,
    Stage,
    TwinSyncPrice,
)
from lipsync_core.providers.ausynclab import AusyncLabClient
from lipsync_core.sandbox import SandboxServer
from lipsync_core.submission import TITLE_LIMIT, SubmissionError
from tests.core.conftest import MakeService, sandbox_now

GENERATE = r"/generate$"


def run_until_final(
    service: JobService, sandbox: SandboxServer, jobs: list[Job], *, step: float = 1.0
) -> list[Job]:
    """Advance the sandbox clock and refresh until every job has finished."""
    ids = [job.id for job in jobs]
    for _ in range(40):
        sandbox.clock.advance(step)
        assert sandbox.wait_idle(timeout=60)
        service.refresh_due()
        current = service.get_many(ids)
        if all(job.is_final for job in current):
            return sorted(current, key=lambda job: ids.index(job.id))
    raise AssertionError(f"jobs did not finish: {[(j.state, j.stage) for j in current]}")


def creates(sandbox: SandboxServer, provider: str) -> list[str]:
    """The create requests (POSTs) the sandbox received for a provider."""
    return [r.path for r in sandbox.requests(provider) if r.method == "POST"]


def test_nova_goes_from_submission_to_a_played_result(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs, settings: Settings
) -> None:
    """Nova generates straight from the URLs; the result is copied into the data folder."""
    job = service.submit("ausynclab", "nova", small_media)
    assert job.state is JobState.QUEUED and job.stage is Stage.GENERATING
    assert job.provider_job_id is not None and job.sandbox
    (done,) = run_until_final(service, sandbox, [job])
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.provider_state == "COMPLETED" and done.output_url and done.thumbnail_url
    assert done.finished_at is not None and done.finished_at.tzinfo is not None
    output = Path(done.output_path)
    assert output.parent == settings.data_dir / "outputs" and output.stat().st_size > 0
    assert Path(done.thumbnail_path).is_file()
    assert creates(sandbox, "ausynclab") == ["/ausynclab/api/v1/lipsync/generate-lipsync-v2"]


def test_the_estimate_uses_the_probed_audio_and_stands_in_until_credits_are_reported(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Nova at 5,000 credits per second of the 2 s tone; without a callback, cost is estimated."""
    job = service.submit("ausynclab", "nova", small_media)
    assert job.inputs.audio_duration == pytest.approx(2.0, abs=0.05)
    assert job.estimated_cost.unit is CostUnit.CREDITS and job.estimated_cost.estimated
    assert job.estimated_cost.amount == pytest.approx(10_000, rel=0.03)
    (done,) = run_until_final(service, sandbox, [job])
    assert done.cost_used.estimated and done.cost_used.amount == job.estimated_cost.amount


def test_prime_registers_the_video_then_generates(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Prime's documented flow: register, wait for COMPLETED, then generate from it."""
    job = service.submit("ausynclab", "prime", small_media)
    assert job.stage is Stage.REGISTERING and job.registered_video_id is not None
    assert job.provider_job_id is None
    (done,) = run_until_final(service, sandbox, [job])
    assert done.state is JobState.SUCCEEDED, done.error
    assert done.provider_job_id is not None
    assert creates(sandbox, "ausynclab") == [
        "/ausynclab/api/v1/lipsync/register-video",
        "/ausynclab/api/v1/lipsync/generate-lipsync",
    ]


def test_a_second_prime_job_of_the_same_video_reuses_its_registration(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """The same video sent to Prime again is not registered again: the new job generates from
    the registration the first one made."""
    (first,) = run_until_final(
        service, sandbox, [service.submit("ausynclab", "prime", small_media)]
    )
    again = service.submit("ausynclab", "prime", small_media.model_copy(), title="again")
    (second,) = run_until_final(service, sandbox, [again])
    assert second.state is JobState.SUCCEEDED, second.error
    assert second.registered_video_id == first.registered_video_id
    assert second.options.registration_reused
    assert creates(sandbox, "ausynclab").count("/ausynclab/api/v1/lipsync/register-video") == 1


def test_a_reused_registration_deleted_at_ausynclab_is_made_again(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """If AusyncLab no longer has the earlier registration, the job registers the video itself
    instead of failing."""
    (first,) = run_until_final(
        service, sandbox, [service.submit("ausynclab", "prime", small_media)]
    )
    client = AusyncLabClient("sandbox", sandbox.base_urls["ausynclab"])
    client.delete_registered_video(first.registered_video_id)
    (second,) = run_until_final(
        service, sandbox, [service.submit("ausynclab", "prime", small_media)]
    )
    assert second.state is JobState.SUCCEEDED, second.error
    assert second.registered_video_id != first.registered_video_id
    assert creates(sandbox, "ausynclab").count("/ausynclab/api/v1/lipsync/register-video") == 2


def test_prime_can_use_an_existing_registration(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """With a registered video chosen, Prime generates from it without registering again."""
    first = run_until_final(service, sandbox, [service.submit("ausynclab", "prime", small_media)])
    inputs = JobInputs(
        audio_path=small_media.audio_path, registered_video_id=first[0].registered_video_id
    )
    job = service.submit("ausynclab", "prime", inputs)
    assert job.stage is Stage.GENERATING
    (done,) = run_until_final(service, sandbox, [job])
    assert done.state is JobState.SUCCEEDED, done.error
    assert creates(sandbox, "ausynclab")[-1] == "/ausynclab/api/v1/lipsync/generate-lipsync"
    assert creates(sandbox, "ausynclab").count("/ausynclab/api/v1/lipsync/register-video") == 1


def test_prime_asked_for_v2_skips_registration(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """``use_v2`` sends Prime through /generate-lipsync-v2 with the chosen sync_mode."""
    options = JobOptions(use_v2=True, sync_mode="bounce")
    job = service.submit("ausynclab", "prime", small_media, options=options)
    (done,) = run_until_final(service, sandbox, [job])
    assert done.state is JobState.SUCCEEDED, done.error
    assert creates(sandbox, "ausynclab") == ["/ausynclab/api/v1/lipsync/generate-lipsync-v2"]


def test_twinsync_goes_from_submission_to_a_played_result(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """TwinSync: submit, poll, result copied; its cost stays unknown."""
    job = service.submit("twinsync", "videotalking", small_media)
    (done,) = run_until_final(service, sandbox, [job])
    assert done.state is JobState.SUCCEEDED, done.error
    assert Path(done.output_path).is_file()
    assert done.cost_used.unit is CostUnit.UNKNOWN


@pytest.mark.parametrize(
    ("provider", "model", "path"),
    [
        ("ausynclab", "nova", "generate-lipsync-v2"),
        ("ausynclab", "prime", "register-video"),
        ("twinsync", "videotalking", "videotalking"),
    ],
)
def test_a_job_the_provider_fails_ends_failed_in_plain_words(
    service: JobService,
    sandbox: SandboxServer,
    small_media: JobInputs,
    provider: str,
    model: str,
    path: str,
) -> None:
    """A provider-side failure ends the job failed, with a sentence and no traceback."""
    sandbox.add_fault(provider, "POST", path, "fail_job")
    job = service.submit(provider, model, small_media)
    (done,) = run_until_final(service, sandbox, [job])
    assert done.state is JobState.FAILED
    assert done.error.endswith(".") and "Traceback" not in done.error
    assert done.next_poll_at is None and done.finished_at is not None


def test_the_same_idempotency_key_sends_one_job(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """A double click (same key twice) returns the first job and sends nothing more."""
    first = service.submit("twinsync", "videotalking", small_media, idempotency_key="form-1")
    second = service.submit("twinsync", "videotalking", small_media, idempotency_key="form-1")
    assert second.id == first.id
    assert service.history().total == 1
    assert creates(sandbox, "twinsync") == ["/twinsync/videotalking"]


@pytest.mark.parametrize(("length", "kept"), [(TITLE_LIMIT, True), (TITLE_LIMIT + 1, False)])
def test_a_name_for_the_cards_is_bounded(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs, length: int, kept: bool
) -> None:
    """A person's name for the cards is kept up to its limit; a longer one is refused in words
    before anything is recorded or sent."""
    title = "n" * length
    if kept:
        assert service.submit("twinsync", "videotalking", small_media, title=title).title == title
    else:
        with pytest.raises(SubmissionError, match=r"^Name for the cards: at most 200 characters"):
            service.submit_group([("twinsync", "videotalking")], small_media, title=title)
        assert service.history().total == 0
        assert creates(sandbox, "twinsync") == []


def test_a_group_submitted_twice_is_one_group_of_jobs(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Several providers with one key: one job each, one group, one create each, even twice."""
    targets = [("ausynclab", "nova"), ("twinsync", "videotalking")]
    first = service.submit_group(targets, small_media, idempotency_key="form-2")
    second = service.submit_group(targets, small_media, idempotency_key="form-2")
    assert {j.id for j in first} == {j.id for j in second}
    assert len({j.group_id for j in first}) == 1 and first[0].group_id is not None
    assert len(creates(sandbox, "ausynclab")) == 1 and len(creates(sandbox, "twinsync")) == 1


def test_one_refresh_checks_every_ausynclab_job_with_one_list_call(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """K AusyncLab jobs due together cost one GET /generate, not K."""
    jobs = [service.submit("ausynclab", "nova", small_media) for _ in range(5)]
    sandbox.clock.advance(0.1)
    before = len(sandbox.requests("ausynclab"))
    sandbox.clock.advance(2.5)
    report = service.refresh_due()
    made = sandbox.requests("ausynclab")[before:]
    assert report.due == 5
    assert [(r.method, r.path) for r in made] == [("GET", "/ausynclab/api/v1/lipsync/generate")]
    assert all(job.polls == 1 for job in service.get_many([j.id for j in jobs]))


def test_a_new_service_over_the_same_history_finishes_active_jobs(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """After a restart, jobs that were running are checked again and finish."""
    before = make_service()
    jobs = [
        before.submit("ausynclab", "prime", small_media),
        before.submit("twinsync", "videotalking", small_media),
    ]
    before.store.close()
    after = make_service()
    done = run_until_final(after, sandbox, jobs)
    assert [job.state for job in done] == [JobState.SUCCEEDED, JobState.SUCCEEDED]


def test_past_its_deadline_a_running_job_keeps_running_with_a_note(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Past the deadline the job is still followed, less often, and the card says so."""
    service = make_service(policy=PollPolicy(deadline=2.0, overdue_interval=120.0))
    job = service.submit("twinsync", "videotalking", small_media)
    sandbox.clock.advance(0.5)
    # The service's time runs 3 s ahead of the provider's: the job is past its deadline there
    # while TwinSync still reports it running.
    later = sandbox_now(sandbox) + timedelta(seconds=3)
    assert service.refresh_due(later).due == 1
    late = service.get(job.id)
    assert late.state is JobState.RUNNING and late.error is None
    assert re.fullmatch(r"Still running at TwinSync after \d s; checking less often\.", late.note)
    assert late.next_poll_at == job.next_poll_at + timedelta(seconds=120)
    assert service.refresh_due(late.next_poll_at - timedelta(seconds=1)).due == 0
    assert service.refresh_due(late.next_poll_at).due == 1


def test_a_local_file_for_a_live_provider_needs_a_public_address(
    tmp_path: Path, small_media: JobInputs, database_url: str
) -> None:
    """Without LIPSYNC_PUBLIC_BASE_URL a live provider cannot fetch a file from this computer."""
    environ = {
        "AUSYNCLAB_API_KEY": "live-key",
        "LIPSYNC_SANDBOX": "off",
        "LIPSYNC_DATA_DIR": str(tmp_path),
        "LIPSYNC_DATABASE_URL": database_url,
    }
    settings = load_settings(environ, secrets_path=None)
    service = JobService(JobStore(settings.database_url), client_factories(settings), settings)
    with pytest.raises(ConfigurationError) as caught:
        service.submit("ausynclab", "nova", small_media)
    assert str(caught.value).startswith(
        "To send a file from your computer to AusyncLab, set LIPSYNC_PUBLIC_BASE_URL"
    )
    assert service.history().total == 0


def test_an_uploaded_file_gets_an_address_under_the_public_base(tmp_path: Path) -> None:
    """Files in <data>/uploads are served at <LIPSYNC_PUBLIC_BASE_URL>/uploads/<name>."""
    environ = {"LIPSYNC_DATA_DIR": str(tmp_path), "LIPSYNC_PUBLIC_BASE_URL": "https://x.test/"}
    settings = load_settings(environ, secrets_path=None)
    upload = tmp_path / "uploads" / "my clip.mp4"
    upload.parent.mkdir()
    upload.write_bytes(b"0")
    assert public_url_for(upload, settings) == "https://x.test/uploads/my%20clip.mp4"
    with pytest.raises(ConfigurationError):
        public_url_for(tmp_path / "elsewhere.mp4", settings)


@pytest.fixture
def face_media(sample_video_path: Path, sample_audio_path: Path) -> JobInputs:
    """The shipped 5 s talking-face clip and 5 s of speech: Kling needs a face to find."""
    return JobInputs(video_path=str(sample_video_path), audio_path=str(sample_audio_path))


def kling_waiting(service: JobService, face_media: JobInputs) -> Job:
    job = service.submit("kling", "advanced-lip-sync", face_media)
    assert job.state is JobState.NEEDS_INPUT, job.error
    return job


def test_kling_waits_for_a_face_choice_then_finishes(
    service: JobService, sandbox: SandboxServer, face_media: JobInputs
) -> None:
    """Identify faces, wait in needs_input, create the task for the chosen face, finish."""
    job = kling_waiting(service, face_media)
    assert job.stage is Stage.WAITING_FOR_FACE and job.options.session_id
    face = job.options.faces[0]
    assert face.face_image and 0 <= face.start_time < face.end_time
    assert (job.cost_used.amount, job.cost_used.unit) == (0.007, CostUnit.PTC)
    chosen = service.choose_face(job.id, face.face_id)
    assert chosen.provider_job_id and chosen.options.face_id == face.face_id
    (done,) = run_until_final(service, sandbox, [chosen])
    assert done.state is JobState.SUCCEEDED, done.error
    assert Path(done.output_path).is_file()
    assert (done.cost_used.amount, done.cost_used.unit) == (0.077, CostUnit.PTC)
    (create,) = [r for r in sandbox.requests("kling") if r.path.endswith("advanced-lip-sync")]
    assert "external_task_id" in create.body_keys


def test_kling_timing_that_breaks_its_rules_is_refused_before_sending(
    service: JobService, sandbox: SandboxServer, face_media: JobInputs
) -> None:
    """A trim shorter than 2 s is refused in plain words; nothing is sent, the job still waits."""
    job = kling_waiting(service, face_media)
    face_id = job.options.faces[0].face_id
    with pytest.raises(MediaValidationError) as caught:
        service.choose_face(job.id, face_id, sound_start_time=0, sound_end_time=1500)
    assert "Kling needs at least 2 s" in str(caught.value)
    assert service.get(job.id).state is JobState.NEEDS_INPUT
    assert creates(sandbox, "kling") == ["/kling/klingai/v1/videos/identify-face"]


def test_a_face_chosen_twice_creates_one_task(
    service: JobService, sandbox: SandboxServer, face_media: JobInputs
) -> None:
    """A double click on "use this face" sends one create; the second returns the same job."""
    job = kling_waiting(service, face_media)
    face_id = job.options.faces[0].face_id
    first = service.choose_face(job.id, face_id)
    second = service.choose_face(job.id, face_id)
    assert second.provider_job_id == first.provider_job_id
    assert creates(sandbox, "kling").count("/kling/klingai/v1/videos/advanced-lip-sync") == 1


def test_two_sessions_choosing_a_face_at_once_create_one_task(
    service: JobService, sandbox: SandboxServer, face_media: JobInputs
) -> None:
    """Two threads choose at the same moment: one claims the job and sends; the job is fine."""
    job = kling_waiting(service, face_media)
    face_id = job.options.faces[0].face_id
    start = threading.Barrier(2)

    def choose() -> None:
        start.wait()
        service.choose_face(job.id, face_id)

    threads = [threading.Thread(target=choose) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert creates(sandbox, "kling").count("/kling/klingai/v1/videos/advanced-lip-sync") == 1
    chosen = service.get(job.id)
    assert chosen.provider_job_id and chosen.error is None


def test_a_face_kling_did_not_find_is_refused(service: JobService, face_media: JobInputs) -> None:
    """Choosing a face id that is not in the list says which ones there are."""
    job = kling_waiting(service, face_media)
    with pytest.raises(FaceChoiceError, match="Kling found no face '9' in this video"):
        service.choose_face(job.id, "9")


def test_a_kling_task_that_fails_ends_failed_in_plain_words(
    service: JobService, sandbox: SandboxServer, face_media: JobInputs
) -> None:
    """Kling's own failure message reaches the card."""
    sandbox.add_fault("kling", "POST", "advanced-lip-sync$", "fail_job")
    job = kling_waiting(service, face_media)
    chosen = service.choose_face(job.id, job.options.faces[0].face_id)
    (done,) = run_until_final(service, sandbox, [chosen])
    assert done.state is JobState.FAILED
    assert done.error.startswith("Kling could not make this video")


def test_faces_not_chosen_within_a_day_end_the_job(
    service: JobService, sandbox: SandboxServer, face_media: JobInputs
) -> None:
    """Kling forgets the faces after 24 hours; the waiting job then says so."""
    job = kling_waiting(service, face_media)
    sandbox.clock.advance(24 * 3600 + 1)
    service.refresh_due()
    expired = service.get(job.id)
    assert expired.state is JobState.FAILED
    assert "within 24 hours" in expired.error
    assert [r.method for r in sandbox.requests("kling")] == ["POST"]


def test_a_twinsync_job_keeps_the_users_price_and_currency(
    service: JobService, small_media: JobInputs
) -> None:
    """TwinSync publishes no price: with the user's own (0.03 EUR per audio second) the job's
    estimate is in euros and says so, and "submit again" keeps it; without one it is unknown."""
    priced = service.submit(
        "twinsync", "videotalking", small_media, twinsync_price=TwinSyncPrice(0.03, "EUR")
    )
    cost = priced.estimated_cost
    assert cost is not None and (cost.unit, cost.currency) == (CostUnit.CURRENCY, "EUR")
    assert cost.amount == pytest.approx(0.03 * priced.inputs.audio_duration)
    again = service.retry(priced.id)
    assert again.id != priced.id and again.estimated_cost == cost
    unpriced = service.submit("twinsync", "videotalking", small_media, idempotency_key="other")
    assert unpriced.estimated_cost is not None and unpriced.estimated_cost.amount is None


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("video", b"<html>not a video</html>" * 40, "Video file: The file "),
        ("audio", b"\x00\x01 garbage, not a sound" * 40, "Audio file: The file "),
    ],
)
def test_media_that_cannot_be_read_is_refused_before_anything_is_sent(
    service: JobService,
    sandbox: SandboxServer,
    small_media: JobInputs,
    tmp_path: Path,
    kind: str,
    content: bytes,
    message: str,
) -> None:
    """A file the prober cannot read refuses the submission in words naming the field: no job
    is recorded and no provider is called."""
    broken = tmp_path / f"broken.{'mp4' if kind == 'video' else 'wav'}"
    broken.write_bytes(content)
    inputs = small_media.model_copy(update={f"{kind}_path": str(broken)})
    with pytest.raises(MediaValidationError) as refused:
        service.submit_group([("ausynclab", "nova"), ("twinsync", "videotalking")], inputs)
    assert str(refused.value).startswith(message)
    assert service.store.count() == 0
    assert sandbox.requests() == []


def test_a_video_without_picture_is_refused_as_the_video(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """An audio file given as the video is refused: it has no picture to lip-sync."""
    inputs = small_media.model_copy(update={"video_path": small_media.audio_path})
    with pytest.raises(MediaValidationError, match=r"^Video file: it has no picture in it"):
        service.submit("twinsync", "videotalking", inputs)
    assert service.store.count() == 0 and sandbox.requests() == []
