"""The submit page: sample media, preflight in plain words, cost, sending once, Kling's face choice.

Every test drives the real app (AppTest) against the embedded sandbox over real HTTP; jobs are
moved on by advancing the sandbox clock and refreshing the service, not by sleeping.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lipsync_core.errors import provider_display_name
from lipsync_core.flows.model import DownloadState, Job, JobState, Stage, utc_now
from lipsync_core.providers.ausynclab import SYNC_MODE_DESCRIPTIONS, SyncMode
from tests.views.conftest import APP, forget_runtime, open_at, read, save_team_settings
from ui import keys
from ui.cards import cost_line
from ui.labels import target_label
from ui.runtime import Runtime

PRIME = ("ausynclab", "prime")
NOVA = ("ausynclab", "nova")
KLING = ("kling", "advanced-lip-sync")
TWINSYNC = ("twinsync", "videotalking")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


# -- steps ----------------------------------------------------------------------------------------


def use_samples(at: AppTest) -> AppTest:
    return at.button(key=keys.SUBMIT_SAMPLE).click().run()


def choose(at: AppTest, *targets: tuple[str, str]) -> AppTest:
    for target in targets:
        at.checkbox(key=keys.submit_target(*target)).check()
    return at.run()


def send(at: AppTest) -> AppTest:
    return at.button(key=keys.SUBMIT_BUTTON).click().run()


def sent(at: AppTest, *targets: tuple[str, str]) -> AppTest:
    """Sample media to these targets, sent (no dialog: a cost within the threshold)."""
    return send(choose(use_samples(at), *targets))


def texts(at: AppTest) -> list[str]:
    """Every sentence on the page: markdown, captions and callouts."""
    kinds = (at.markdown, at.caption, at.error, at.warning, at.info, at.success)
    return [element.value for kind in kinds for element in kind]


def creates(runtime: Runtime, provider: str) -> list[str]:
    """The POSTs (create calls) the sandbox received for a provider."""
    assert runtime.sandbox is not None
    return [r.path for r in runtime.sandbox.requests(provider) if r.method == "POST"]


def jobs_of(runtime: Runtime) -> list[Job]:
    return runtime.service.history(page_size=200).jobs


def finish(runtime: Runtime, jobs: list[Job]) -> list[Job]:
    """Advance the sandbox clock and refresh until the jobs are final and their results copied.

    The page's own refresher may be copying a result at the same time (it then holds the job's
    lease), so the wait is bounded by time, not by a number of rounds.
    """
    assert runtime.sandbox is not None
    ids = [job.id for job in jobs]
    deadline, step = time.monotonic() + 90, 0
    while time.monotonic() < deadline:
        step += 1
        runtime.sandbox.clock.advance(2.0)
        assert runtime.sandbox.wait_idle(timeout=60)
        runtime.service.refresh_due(now=utc_now() + timedelta(seconds=10 * step))
        current = runtime.service.get_many(ids)
        if all(j.is_final and j.download_state is not DownloadState.PENDING for j in current):
            return current
        if all(j.is_final for j in current):
            time.sleep(0.2)
    raise AssertionError(f"jobs did not finish: {[(j.state, j.stage) for j in current]}")


def write_clip(path: Path, *, seconds: float, width: int, height: int, fps: int = 2) -> Path:
    """A grey H.264 clip with a silent AAC track: fine for probing, never sent."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast"}
        audio = out.add_stream("aac", rate=16_000, layout="mono")
        picture = np.full((height, width, 3), 128, dtype=np.uint8)
        for _ in range(round(seconds * fps)):
            out.mux(video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(video.encode(None))
        silence = np.zeros((1, round(seconds * 16_000)), dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(silence, format="fltp", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 16_000, 0, Fraction(1, 16_000)
        out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
    return path


def upload(at: AppTest, kind: str, path: Path, mime: str) -> AppTest:
    at.file_uploader(key=keys.SUBMIT_UPLOAD[kind]).upload(path.name, path.read_bytes(), mime)
    return at.run()


# -- happy paths ----------------------------------------------------------------------------------


def test_sample_button_fills_both_inputs_and_the_preflight_passes(app, runtime):
    """The sample button keeps both samples under uploads/ and every check passes."""
    choose(use_samples(app), TWINSYNC)
    assert not app.exception
    assert "Using **face.mp4** (sample)" in texts(app)
    assert "Using **speech.wav** (sample)" in texts(app)
    assert "**✓ TwinSync**: fits" in texts(app)
    assert (
        "⚠️ TwinSync publishes no limits on file type, size, length or picture size; only the "
        "presence of a picture and a sound track was checked, so it may still refuse the job."
    ) in texts(app)
    assert any(t.startswith("**Face check ✓**: 1 face(s) visible") for t in texts(app))
    uploads = runtime.settings.data_dir / "uploads"
    digest = hashlib.sha256((SAMPLES / "face.mp4").read_bytes()).hexdigest()[:32]
    assert (uploads / f"{digest}.mp4").is_file()
    assert app.button(key=keys.SUBMIT_BUTTON).label == "Send to TwinSync"
    assert app.button(key=keys.SUBMIT_BUTTON).disabled is False


@pytest.mark.parametrize(
    ("target", "create_paths"),
    [
        (PRIME, ["/ausynclab/api/v1/lipsync/register-video"]),
        (TWINSYNC, ["/twinsync/videotalking"]),
    ],
)
def test_one_provider_from_sample_to_a_finished_card(app, runtime, target, create_paths):
    """Sample → preflight ✓ → cost → send → one job → its card plays the result."""
    sent(app, target)
    assert not app.exception
    (job,) = jobs_of(runtime)
    assert (job.provider, job.model) == target and job.sandbox and job.group_id is None
    assert creates(runtime, target[0]) == create_paths
    assert app.success[0].value.startswith(f"Sent 1 job to {target_label(*target)}.")
    (done,) = finish(runtime, [job])
    assert done.state is JobState.SUCCEEDED, done.error
    open_at(app, "views/status_page.py")
    assert not app.exception
    assert ":green-badge[:material/check_circle: Done]" in texts(app)
    assert len(app.get("video")) == 1
    assert app.button(key=keys.card_action(job.id, "again")).label == "Submit again"


def test_kling_waits_for_a_face_then_creates_its_task(app, runtime):
    """Kling identifies faces at submit, shows them, and creates the task for the chosen face
    (its one face used at once unticked)."""
    choose(use_samples(app), KLING).checkbox(key=keys.SUBMIT_KLING_AUTO).uncheck().run()
    send(app)
    (job,) = jobs_of(runtime)
    assert job.state is JobState.NEEDS_INPUT
    assert creates(runtime, "kling") == ["/kling/klingai/v1/videos/identify-face"]
    assert (
        "**Kling found one face: check where the audio goes, then create the task to send it.**"
        in texts(app)
    )
    assert app.radio(key=keys.face_choice(job.id, "face")).options == ["Face 0"]
    assert len(app.get("vega_lite_chart")) == 1
    app.button(key=keys.face_choice(job.id, "send")).click().run()
    assert not app.exception
    task = runtime.service.get(job.id)
    assert task.stage is Stage.GENERATING and task.provider_job_id
    assert task.options.sound_end_time == 5000 and task.options.sound_insert_time == 0
    assert creates(runtime, "kling")[-1] == "/kling/klingai/v1/videos/advanced-lip-sync"
    (done,) = finish(runtime, [task])
    assert done.state is JobState.SUCCEEDED, done.error


def test_kling_timing_is_checked_before_anything_is_sent(app, runtime):
    """A 1 s trim is refused in Kling's words and the task button stays disabled."""
    choose(use_samples(app), KLING).checkbox(key=keys.SUBMIT_KLING_AUTO).uncheck().run()
    send(app)
    (job,) = jobs_of(runtime)
    app.slider(key=keys.face_choice(job.id, "trim")).set_value((0.0, 1.0)).run()
    assert not app.exception
    assert "The trimmed audio is 1 s long (from 0 s to 1 s); Kling needs at least 2 s." in texts(
        app
    )
    assert app.button(key=keys.face_choice(job.id, "send")).disabled
    assert creates(runtime, "kling") == ["/kling/klingai/v1/videos/identify-face"]


def test_several_providers_make_one_comparison_group(app, runtime):
    """Prime, Kling and TwinSync at once are three jobs of one comparison group."""
    sent(app, PRIME, KLING, TWINSYNC)
    assert not app.exception
    jobs = jobs_of(runtime)
    assert sorted((j.provider, j.model) for j in jobs) == sorted([PRIME, KLING, TWINSYNC])
    assert len({j.group_id for j in jobs}) == 1 and jobs[0].group_id is not None
    open_at(app, "views/status_page.py")
    assert any(t.startswith("**Comparison**: the same video and audio") for t in texts(app))


# -- preflight ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "seconds", "findings"),
    [
        ((1280, 720), 75, ["The video is 75 s long; Kling accepts 2–60 s."]),
        (
            (320, 240),
            3,
            [
                "The video is 320×240 (240p); Kling accepts 720p or 1080p only (the shorter "
                "side must be 720 or 1080 px).",
                "The video is 320×240; Kling needs each side to be 512–2160 px.",
            ],
        ),
    ],
)
def test_a_blocking_finding_leaves_out_only_that_provider(
    app, runtime, tmp_path, size, seconds, findings
):
    """A video Kling cannot take is refused in its words; TwinSync is still sent."""
    clip = write_clip(tmp_path / "clip.mp4", seconds=seconds, width=size[0], height=size[1])
    upload(use_samples(app), "video", clip, "video/mp4")
    choose(app, KLING, TWINSYNC)
    assert not app.exception
    assert [e.value for e in app.error] == findings
    assert [w.value for w in app.warning] == [
        "No face was found in the video. Lip-sync needs a clearly visible face turned towards "
        "the camera; providers may still charge for a job that fails for this reason."
    ]
    assert "**✗ Kling**: cannot be sent as it is" in texts(app)
    assert "**✓ TwinSync**: fits" in texts(app)
    assert app.button(key=keys.SUBMIT_BUTTON).label == "Send to TwinSync"
    send(app)
    assert [j.provider for j in jobs_of(runtime)] == ["twinsync"]
    assert creates(runtime, "kling") == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.mp4", b"this is not a video, only some words " * 50),
        ("page.mp4", b"<html><script>document.title = 'ran'</script></html>" * 20),
        ("still.mp4", cv2.imencode(".png", np.full((64, 64, 3), 200, np.uint8))[1].tobytes()),
    ],
)
def test_an_upload_that_is_not_media_is_refused_and_not_kept(app, runtime, name, data):
    """Words, a web page or a picture uploaded as a video: refused in one plain sentence when
    uploaded, nothing is kept under uploads/, and nothing can be sent."""
    app.file_uploader(key=keys.SUBMIT_UPLOAD["video"]).upload(name, data, "video/mp4")
    app.run()
    upload(app, "audio", SAMPLES / "speech.wav", "audio/wav")
    choose(app, PRIME, TWINSYNC)
    assert not app.exception
    errors = [e.value for e in app.error]
    assert errors[0].startswith(f"Video file: the file {name} ")
    assert errors[0].endswith(("not a media file.", "not a video or audio file."))
    assert app.button(key=keys.SUBMIT_BUTTON).disabled
    kept = sorted(p.suffix for p in (runtime.settings.data_dir / "uploads").iterdir())
    assert kept == [".wav"]


def test_a_long_file_name_with_a_media_extension_is_kept_by_its_content(app, runtime):
    """A 300-character name is only a label: the file is kept under its hash name and used."""
    name = "a" * 300 + ".mp4"
    data = (SAMPLES / "face.mp4").read_bytes()
    app.file_uploader(key=keys.SUBMIT_UPLOAD["video"]).upload(name, data, "video/mp4")
    app.run()
    assert not app.exception and not app.error
    digest = hashlib.sha256(data).hexdigest()[:32]
    assert (runtime.settings.data_dir / "uploads" / f"{digest}.mp4").read_bytes() == data


def test_missing_audio_is_asked_for_in_plain_words(app):
    """With only a video, the preflight asks for the audio and nothing can be sent."""
    upload(app, "video", SAMPLES / "face.mp4", "video/mp4")
    choose(app, TWINSYNC)
    assert [e.value for e in app.error] == ["Give the audio: a file from this computer or a link."]
    assert app.button(key=keys.SUBMIT_BUTTON).disabled


def test_a_link_that_cannot_be_checked_is_said_plainly(app):
    """A link that is not http(s) is refused with a sentence, not a traceback."""
    use_samples(app)
    app.radio(key=keys.SUBMIT_MODE["audio"]).set_value("A link").run()
    app.text_input(key=keys.SUBMIT_URL["audio"]).input("ftp://example.com/speech.wav").run()
    choose(app, TWINSYNC)
    assert not app.exception
    assert [e.value for e in app.error] == [
        "Audio link: only http and https links can be checked; this link starts with 'ftp:'."
    ]


def test_an_upload_is_kept_under_uploads_by_its_content_hash(app, runtime):
    """An uploaded file is saved once under uploads/ by hash and used by the job."""
    upload(app, "video", SAMPLES / "face.mp4", "video/mp4")
    upload(app, "audio", SAMPLES / "speech.wav", "audio/wav")
    send(choose(app, TWINSYNC))
    assert not app.exception
    (job,) = jobs_of(runtime)
    uploads = runtime.settings.data_dir / "uploads"
    assert Path(job.inputs.video_path).parent == uploads
    assert job.inputs.video_name == "face.mp4" and job.inputs.audio_name == "speech.wav"
    assert Path(job.inputs.audio_path).read_bytes() == (SAMPLES / "speech.wav").read_bytes()


def test_a_live_provider_needs_a_public_address_for_local_files(runtime, monkeypatch):
    """A live Kling cannot fetch a file from this computer: the page says what is needed."""
    monkeypatch.setenv("KLING_API_KEY", "live-key-for-test")
    forget_runtime()
    at = AppTest.from_file(APP, default_timeout=60).run()
    choose(use_samples(at), KLING)
    assert not at.exception
    assert [read(e.value) for e in at.error] == [
        "Video file: to send a file from your computer to Kling, set LIPSYNC_PUBLIC_BASE_URL to "
        "the public "
        "address where this app's uploads folder is served, or give a link to the file instead."
    ]
    assert at.button(key=keys.SUBMIT_BUTTON).disabled
    forget_runtime()


def test_with_every_provider_off_the_page_says_what_to_do(runtime, monkeypatch):
    """No key and the sandbox off: a friendly sentence instead of a form."""
    monkeypatch.setenv("LIPSYNC_SANDBOX", "off")
    forget_runtime()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [i.value for i in at.main.info] == [
        "Every provider is off: set an API key, or LIPSYNC_SANDBOX=auto to use the sandbox."
    ]
    assert len(at.button) == 0
    forget_runtime()


# -- provider errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "path", "kind"),
    [
        (TWINSYNC, r"/videotalking", "status_429"),
        (KLING, r"/identify-face", "html_502"),
        (PRIME, r"/register-video", "status_429"),
        (NOVA, r"/generate-lipsync-v2", "malformed_json"),
    ],
)
def test_a_provider_refusal_is_shown_in_plain_words(app, runtime, target, path, kind):
    """A 429, an HTML 502 or broken JSON at submit is the core's sentence on the page."""
    runtime.sandbox.add_fault(target[0], "POST", path, kind, count=5)
    choose(use_samples(app), target)
    save_team_settings(app, keys.SUBMIT_SETTINGS_SAVE, {keys.SUBMIT_CREDIT_THRESHOLD: 1e9})
    send(app)
    assert not app.exception
    (job,) = jobs_of(runtime)
    words = job.error if job.state is JobState.FAILED else job.note
    assert words and provider_display_name(target[0]) in words and "Traceback" not in words
    label = target_label(*target)
    shown = [read(e.value) for e in app.error] + [read(i.value) for i in app.main.info]
    assert f"{label}: {words}" in shown


def test_a_job_the_provider_fails_shows_its_error_on_the_card(app, runtime):
    """A job that fails at TwinSync shows TwinSync's failure on its card in words."""
    runtime.sandbox.add_fault("twinsync", "POST", r"/videotalking", "fail_job")
    sent(app, TWINSYNC)
    (failed,) = finish(runtime, jobs_of(runtime))
    assert failed.state is JobState.FAILED and failed.error
    open_at(app, "views/status_page.py")
    assert not app.exception
    assert [read(e.value) for e in app.error] == [failed.error]
    assert ":red-badge[:material/error: Failed]" in texts(app)


# -- cost and confirmation ------------------------------------------------------------------------


def test_nova_is_impossible_to_miss_and_asks_before_sending(app, runtime):
    """Nova shows its price warning, and sending opens the confirmation dialog first."""
    choose(use_samples(app), NOVA)
    assert any("Nova" in w.value and "100" in w.value for w in app.warning)
    send(app)
    assert not app.exception
    assert jobs_of(runtime) == []
    assert app.session_state[keys.SPEND_ASKING]
    app.button(key=keys.SPEND_YES).click().run()
    assert not app.exception
    (job,) = jobs_of(runtime)
    assert job.model == "nova"
    assert creates(runtime, "ausynclab") == ["/ausynclab/api/v1/lipsync/generate-lipsync-v2"]


def test_a_total_above_the_limit_in_the_currency_asks_first(app, runtime):
    """With a PTC worth 100 USD, Kling's 0.077 PTC is USD 7.70: above the USD 5 limit."""
    choose(use_samples(app), KLING)
    save_team_settings(app, keys.SUBMIT_SETTINGS_SAVE, {keys.SUBMIT_PTC_RATE: 100.0})
    table = next(t for t in texts(app) if t.startswith("| Provider |"))
    assert "| Kling | 0.077 PTC | 7.70 |" in table
    send(app)
    assert not app.exception
    assert "The total, USD 7.70, is above the team's limit of USD 5.00." in texts(app)
    assert jobs_of(runtime) == []
    app.button(key=keys.SPEND_YES).click().run()
    assert [j.provider for j in jobs_of(runtime)] == ["kling"]


def test_a_twinsync_job_keeps_the_price_set_for_the_team(app, runtime):
    """TwinSync publishes no price: the team's, in the team's currency, becomes the job's
    estimate, and its card's cost line says it in that currency."""
    choose(use_samples(app), TWINSYNC)
    save_team_settings(
        app, keys.SUBMIT_SETTINGS_SAVE,
        {keys.SUBMIT_CURRENCY: "EUR", keys.SUBMIT_TWINSYNC_PRICE: 0.05},
    )  # fmt: skip
    send(app)
    assert not app.exception
    (job,) = jobs_of(runtime)
    cost = job.estimated_cost
    assert cost is not None and cost.currency == "EUR"
    assert cost.amount == pytest.approx(0.05 * job.inputs.audio_duration)
    assert cost_line(job) == f"Estimated: about {cost.amount:,.2f} EUR (estimate)"


def test_cancelling_the_confirmation_sends_nothing(app, runtime):
    """Cancel in the cost dialog closes it and no job is made."""
    send(choose(use_samples(app), NOVA))
    app.button(key=keys.SPEND_NO).click().run()
    assert not app.exception
    assert keys.SPEND_ASKING not in app.session_state
    assert jobs_of(runtime) == [] and creates(runtime, "ausynclab") == []


# -- sending once ---------------------------------------------------------------------------------


REGISTERED = ["/ausynclab/api/v1/lipsync/register-video"]
GENERATED = "/ausynclab/api/v1/lipsync/generate-lipsync"


def test_a_second_send_of_the_same_form_makes_no_second_job(app, runtime):
    """A send repeated after an interrupted run (same form, same session) reuses the jobs."""
    sent(app, PRIME, TWINSYNC)
    first = sorted(j.id for j in jobs_of(runtime))
    del app.session_state[keys.SUBMIT_SENT]  # as if the first run stopped before recording it
    send(app.run())
    assert not app.exception
    assert sorted(j.id for j in jobs_of(runtime)) == first
    assert creates(runtime, "twinsync") == ["/twinsync/videotalking"]
    # one registration, then (once it is done) its one generation
    prime = creates(runtime, "ausynclab")
    assert prime in (REGISTERED, [*REGISTERED, GENERATED]), prime
    assert app.button(key=keys.SUBMIT_BUTTON).disabled


def test_send_the_same_again_makes_new_jobs_on_purpose(app, runtime):
    """Send the same again as new jobs sends one more job at once (no second click on Send)."""
    sent(app, TWINSYNC)
    app.button(key=keys.SUBMIT_AGAIN).click().run()
    assert not app.exception
    assert app.button(key=keys.SUBMIT_BUTTON).disabled
    assert len(jobs_of(runtime)) == 2
    assert creates(runtime, "twinsync") == ["/twinsync/videotalking"] * 2


# -- AusyncLab options ----------------------------------------------------------------------------


def test_prime_can_generate_from_a_video_already_registered(app, runtime):
    """After one Prime job, its registered video can be chosen: only a generation is sent."""
    sent(app, PRIME)
    (first,) = finish(runtime, jobs_of(runtime))
    app.radio(key=keys.SUBMIT_PRIME_ROUTE).set_value("registered").run()
    choice = app.selectbox(key=keys.SUBMIT_REGISTERED_VIDEO)
    assert choice.options == [f"face.mp4 · {first.id[:12]} (id {first.registered_video_id})"]
    send(app)
    assert not app.exception
    second = next(j for j in jobs_of(runtime) if j.id != first.id)
    assert second.inputs.registered_video_id == first.registered_video_id
    assert creates(runtime, "ausynclab") == [
        "/ausynclab/api/v1/lipsync/register-video",
        "/ausynclab/api/v1/lipsync/generate-lipsync",
        "/ausynclab/api/v1/lipsync/generate-lipsync",
    ]


def test_prime_sent_directly_takes_the_chosen_sync_mode(app, runtime):
    """Prime without registering goes through generate-lipsync-v2 with the sync mode chosen."""
    choose(use_samples(app), PRIME)
    app.radio(key=keys.SUBMIT_PRIME_ROUTE).set_value("direct").run()
    modes = app.selectbox(key=keys.SUBMIT_SYNC_MODE)
    assert "bounce: play the video forward, then backward, until the audio ends" in modes.options
    app.selectbox(key=keys.SUBMIT_SYNC_MODE).set_value("bounce").run()
    send(app)
    (job,) = jobs_of(runtime)
    assert job.options.use_v2 and job.options.sync_mode == "bounce"
    assert creates(runtime, "ausynclab") == ["/ausynclab/api/v1/lipsync/generate-lipsync-v2"]


def test_every_sync_mode_is_offered_with_what_it_does(app):
    """Each AusyncLab sync mode has a plain description, and the page offers each, loop first."""
    assert set(SYNC_MODE_DESCRIPTIONS) == set(SyncMode)
    assert all(SYNC_MODE_DESCRIPTIONS.values())
    modes = choose(app, NOVA).selectbox(key=keys.SUBMIT_SYNC_MODE)
    assert not app.exception
    assert modes.value == "loop"
    assert modes.options == [f"{mode}: {words}" for mode, words in SYNC_MODE_DESCRIPTIONS.items()]
