"""The AusyncLab library page against the sandbox: lists, states, register, generate, delete.

Sandbox jobs here take five minutes of sandbox clock, so a row stays PENDING until a test moves
the clock on (with the shared 1 s jobs, "PENDING" would be a race against the wall clock).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from hashlib import sha256
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lipsync_core.providers.ausynclab import AusyncLabClient, AusyncLabState
from lipsync_core.sandbox import SandboxConfig, SandboxServer
from lipsync_core.store import JobFilter
from tests.views.conftest import APP, APP_TIMEOUT, forget_runtime, open_at, read
from ui import keys
from ui.runtime import Runtime, get_runtime

PAGE = "views/library_page.py"
JOB_SECONDS = 300
LIVE_KEY = "live-key-for-test"


@pytest.fixture
def sandbox_job_seconds() -> str:
    """Jobs that wait for the test's clock (the shared ``runtime`` reads this)."""
    return str(JOB_SECONDS)


def client_of(runtime: Runtime) -> AusyncLabClient:
    assert runtime.sandbox is not None
    return client_of_url(runtime.sandbox.base_urls["ausynclab"])


def client_of_url(base_url: str) -> AusyncLabClient:
    return AusyncLabClient("sandbox", base_url)


def finish_sandbox_jobs(runtime: Runtime) -> None:
    """Let every sandbox job so far reach its final state (renders done, clock moved on)."""
    assert runtime.sandbox is not None
    assert runtime.sandbox.wait_idle(timeout=60)
    runtime.sandbox.clock.advance(JOB_SECONDS + 1)


def registered(runtime: Runtime, video: Path, name: str, *, complete: bool = True) -> int:
    video_id = client_of(runtime).register_video(video.as_uri(), name=name)
    if complete:
        finish_sandbox_jobs(runtime)
    return video_id


def open_library(timezone: str | None = None) -> AppTest:
    """The app opened on the library page (AppTest knows the navigation's pages only after one
    run)."""
    app = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    if timezone:
        app.context = {"timezone": timezone}
    app.run()
    open_at(app, PAGE)
    assert not app.exception
    return app


def table_rows(app: AppTest, index: int) -> list[tuple[int, str, str]]:
    """(id, name, state badge) of each row of the index-th table on the page."""
    frame = app.dataframe[index].value
    return list(frame[["id", "name", "state"]].itertuples(index=False, name=None))


def test_empty_lists_say_no_videos_yet(runtime):
    """A new account (the sandbox answers its empty lists with 404) shows two plain notes."""
    app = open_library()
    assert [info.value for info in app.main.info] == [
        "No registered videos yet.",
        "No generated videos yet.",
    ]
    assert len(app.error) == 0 and len(app.dataframe) == 0


def test_tables_show_the_sandbox_rows_with_their_states(
    runtime, sample_video_path, sample_audio_path
):
    """Completed, failed and pending registrations and a pending generation, each as it is."""
    client = client_of(runtime)
    done = registered(runtime, sample_video_path, "Anna")
    assert runtime.sandbox is not None
    runtime.sandbox.add_fault("ausynclab", "POST", r"/register-video$", "fail_job")
    broken = registered(runtime, sample_video_path, "Broken")
    waiting = registered(runtime, sample_video_path, "Ben", complete=False)
    made = client.generate_lipsync(done, sample_audio_path.as_uri(), name="Anna speaks")
    app = open_library()
    assert table_rows(app, 0) == [
        (waiting, "Ben", "⚪ PENDING"),
        (broken, "Broken", "🔴 FAILED"),
        (done, "Anna", "🟢 COMPLETED"),
    ]
    assert table_rows(app, 1) == [(made, "Anna speaks", "⚪ PENDING")]
    thumbnails = app.dataframe[0].value.set_index("id")["thumbnail"]
    kind, _, picture = thumbnails[done].partition(",")
    assert kind == "data:image/jpeg;base64", "the sandbox's link would not reach another machine"
    assert base64.b64decode(picture)[:3] == b"\xff\xd8\xff"
    assert app.session_state[keys.LIBRARY_BUSY] is True


def test_the_page_stops_refreshing_once_nothing_is_working(runtime, sample_video_path):
    """While a row is PENDING the page refreshes itself; once all are final it stops."""
    registered(runtime, sample_video_path, "Soon", complete=False)
    app = open_library()
    assert app.session_state[keys.LIBRARY_BUSY] is True
    finish_sandbox_jobs(runtime)
    app.run()
    assert not app.exception
    assert app.session_state[keys.LIBRARY_BUSY] is False
    assert table_rows(app, 0)[0][2] == "🟢 COMPLETED"


def test_created_time_is_shown_in_the_browsers_time_zone(runtime, sample_video_path):
    """With the browser in Ho Chi Minh City (UTC+7) the created time is 7 hours ahead of UTC."""
    video_id = registered(runtime, sample_video_path, "Local")
    created = client_of(runtime).get_registered_video(video_id).created_at
    assert created is not None
    app = open_library("Asia/Ho_Chi_Minh")
    frame = app.dataframe[0].value
    shown = frame.set_index("id")["created"][video_id]
    assert shown.to_pydatetime() == (created + timedelta(hours=7)).replace(tzinfo=None)
    assert "Times in your time zone (Asia/Ho_Chi_Minh)." in app.caption[1].value


def test_without_a_browser_time_zone_times_are_utc_and_say_so(runtime, sample_video_path):
    """No time zone from the browser: the caption says the times are UTC."""
    registered(runtime, sample_video_path, "Utc")
    app = open_library()
    assert "Times in UTC (your browser did not say its time zone)." in app.caption[1].value


def test_search_and_state_filter_narrow_the_table(runtime, sample_video_path):
    """Searching by part of a name (any case) and choosing states keep only matching rows."""
    anna = registered(runtime, sample_video_path, "Anna in studio")
    ben = registered(runtime, sample_video_path, "Ben outdoors", complete=False)
    app = open_library()
    app.text_input(key=f"{keys.LIBRARY_SEARCH}_registered").input("STUDIO").run()
    assert [row[0] for row in table_rows(app, 0)] == [anna]
    app.text_input(key=f"{keys.LIBRARY_SEARCH}_registered").input("").run()
    states = app.multiselect(key=f"{keys.LIBRARY_STATES}_registered")
    states.select(AusyncLabState.PENDING).run()
    assert [row[0] for row in table_rows(app, 0)] == [ben]
    app.text_input(key=f"{keys.LIBRARY_SEARCH}_registered").input("nobody").run()
    assert "No registered video matches the search." in [i.value for i in app.main.info]


def test_register_from_a_link_appears_at_once_as_pending(runtime, sample_video_path):
    """Registering a link creates a real sandbox registration, shown PENDING right away."""
    app = open_library()
    app.text_input(key=keys.LIBRARY_NEW_URL).input(sample_video_path.as_uri())
    app.text_input(key=keys.LIBRARY_NEW_NAME).input("From a link")
    app.button(key=keys.LIBRARY_NEW_SUBMIT).click().run()
    assert not app.exception
    at_provider = client_of(runtime).list_registered_videos()
    assert [(v.name, v.video_url) for v in at_provider] == [
        ("From a link", sample_video_path.as_uri())
    ]
    assert table_rows(app, 0) == [(at_provider[0].id, "From a link", "⚪ PENDING")]
    assert read(app.success[0].value).startswith(f"Registered as #{at_provider[0].id}.")


def test_register_from_an_upload_saves_it_and_sends_a_file_url(runtime, sample_video_path):
    """An uploaded video is kept under <data_dir>/uploads/ and registered by its file:// URL."""
    app = open_library()
    upload = app.get("file_uploader")[0]
    upload.set_value(("my clip.mp4", sample_video_path.read_bytes(), "video/mp4"))
    app.button(key=keys.LIBRARY_NEW_SUBMIT).click().run()
    assert not app.exception
    (video,) = client_of(runtime).list_registered_videos()
    data = sample_video_path.read_bytes()
    saved = list((runtime.settings.data_dir / "uploads").glob("*.mp4"))
    assert saved == [runtime.settings.data_dir / "uploads" / f"{sha256(data).hexdigest()[:32]}.mp4"]
    assert saved[0].read_bytes() == data
    assert video.video_url == saved[0].resolve().as_uri()


@pytest.mark.parametrize(
    ("link", "upload", "message"),
    [
        ("", False, "Give a link to the video or choose a file."),
        ("file:///x.mp4", True, "Give either a link or a file for the video, not both."),
        ("ftp://example.com/a.mp4", False, "Video link: Only http and https links can be checked"),
        ("http://no-such-host.invalid/a.mp4", False, "Video link: "),
        ("file:///etc/hostname", False, "Video link: The file hostname is not in this app's"),
    ],
)
def test_a_register_form_that_cannot_be_sent_is_a_plain_sentence(
    runtime, sample_video_path, link, upload, message
):
    """A missing, doubled, unreachable or refused source is told in words before anything is
    registered, and the panel stays open with what was typed."""
    app = open_library()
    app.text_input(key=keys.LIBRARY_NEW_URL).input(link)
    if upload:
        app.get("file_uploader")[0].set_value(
            ("a.mp4", sample_video_path.read_bytes(), "video/mp4")
        )
    app.button(key=keys.LIBRARY_NEW_SUBMIT).click().run()
    assert not app.exception
    assert app.error[0].value.startswith(message)
    assert client_of(runtime).list_registered_videos() == []
    assert app.session_state[keys.LIBRARY_REGISTER_PANEL] is True
    assert app.text_input(key=keys.LIBRARY_NEW_URL).value == link


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "notes.mp4",
            b"only some words " * 100,
            "The file notes.mp4 could not be read as video or audio: it may be damaged, cut "
            "short, or not a media file.",
        ),
        ("speech.mp4", (Path(__file__).parents[2] / "samples" / "speech.wav").read_bytes(),
         "The file speech.mp4 has no video in it."),
    ],
)  # fmt: skip
def test_an_upload_that_is_not_a_video_is_refused_and_not_kept(runtime, name, data, message):
    """Words, or sound alone, uploaded to register: one sentence, nothing sent, nothing kept."""
    app = open_library()
    app.get("file_uploader")[0].set_value((name, data, "video/mp4"))
    app.button(key=keys.LIBRARY_NEW_SUBMIT).click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [message]
    assert client_of(runtime).list_registered_videos() == []
    assert list((runtime.settings.data_dir / "uploads").iterdir()) == []


def test_generate_from_a_completed_video_is_a_tracked_job(
    runtime, sample_video_path, sample_audio_path
):
    """Generating from a COMPLETED registration starts a sandbox generation and a history job."""
    video_id = registered(runtime, sample_video_path, "Presenter")
    app = open_library()
    app.text_input(key=keys.LIBRARY_AUDIO_URL).input(sample_audio_path.as_uri())
    app.text_input(key=keys.LIBRARY_GENERATE_NAME).input("Presenter in French")
    app.button(key=keys.LIBRARY_GENERATE_SUBMIT).click().run()
    assert not app.exception
    assert runtime.service.store.count() == 0, "nothing is sent before the cost is shown"
    assert [t.value for t in app.text] == [
        f"Generate lip-sync from #{video_id} with AusyncLab Prime? This will cost about "
        "250 credits (its price in USD is not known)."
    ]
    app.button(key=keys.SPEND_YES).click().run()
    assert not app.exception
    jobs = runtime.service.history(JobFilter(providers=["ausynclab"])).jobs
    assert [(j.model, j.registered_video_id, j.title) for j in jobs] == [
        ("prime", video_id, "Presenter in French")
    ]
    (generated,) = client_of(runtime).list_generated_videos()
    assert generated.registered_video_id == video_id
    assert generated.name is not None and generated.name.startswith("Presenter in French")
    assert str(generated.id) == jobs[0].provider_job_id
    assert "started" in app.success[0].value
    assert [r[1] for r in table_rows(app, 1)] == [generated.name]


def test_generate_from_an_uploaded_audio_sends_its_file(
    runtime, sample_video_path, sample_audio_path
):
    """An uploaded audio is saved under uploads/; the job, named after the video, uses it."""
    video_id = registered(runtime, sample_video_path, "Presenter")
    app = open_library()
    app.get("file_uploader")[1].set_value(
        ("voice over.wav", sample_audio_path.read_bytes(), "audio/wav")
    )
    app.button(key=keys.LIBRARY_GENERATE_SUBMIT).click().run()
    app.button(key=keys.SPEND_YES).click().run()
    assert not app.exception
    (job,) = runtime.service.history().jobs
    assert job.title == "Presenter"
    saved = Path(job.inputs.audio_path or "")
    assert saved.parent == (runtime.settings.data_dir / "uploads").resolve()
    assert saved.read_bytes() == sample_audio_path.read_bytes()
    assert job.inputs.audio_duration == pytest.approx(5.0, abs=0.1)
    (generated,) = client_of(runtime).list_generated_videos()
    assert generated.registered_video_id == video_id
    assert generated.audio_url == saved.as_uri()


def test_generate_checks_its_audio_link_before_anything_is_spent(
    runtime, sample_video_path, tmp_path
):
    """An audio link that is not a sound refuses the generation with a sentence naming the
    field, before any cost dialog and before AusyncLab is called."""
    registered(runtime, sample_video_path, "Presenter")
    text = tmp_path / "notes.wav"
    text.write_bytes(b"just some words, not a sound" * 50)
    app = open_library()
    app.text_input(key=keys.LIBRARY_AUDIO_URL).input(text.as_uri())
    app.button(key=keys.LIBRARY_GENERATE_SUBMIT).click().run()
    assert not app.exception
    assert app.error[0].value.startswith("Audio link: ")
    assert keys.SPEND_ASKING not in app.session_state
    assert runtime.service.store.count() == 0
    assert client_of(runtime).list_generated_videos() == []


def test_generate_is_offered_only_for_a_completed_video(runtime, sample_video_path):
    """A registration still working gets a note instead of the generate form."""
    registered(runtime, sample_video_path, "Not yet", complete=False)
    app = open_library()
    assert keys.LIBRARY_GENERATE_SUBMIT not in [b.key for b in app.button]
    assert any("once its state is COMPLETED (now PENDING)" in c.value for c in app.caption)


@pytest.mark.parametrize("shelf", ["registered", "generated"])
def test_delete_asks_first_then_removes_the_video_at_the_provider(
    runtime, sample_video_path, sample_audio_path, shelf
):
    """Delete opens a confirmation; confirming deletes the video at AusyncLab."""
    client = client_of(runtime)
    video_id = registered(runtime, sample_video_path, "To delete")
    if shelf == "generated":
        video_id = client.generate_lipsync(video_id, sample_audio_path.as_uri(), name="Gen")
    listing = (
        client.list_generated_videos if shelf == "generated" else client.list_registered_videos
    )
    app = open_library()
    app.button(key=f"{keys.LIBRARY_DELETE_BUTTON}_{shelf}").click().run()
    assert keys.LIBRARY_CONFIRM_BUTTON in [b.key for b in app.button]
    assert [v.id for v in listing()] == [video_id]
    app.button(key=keys.LIBRARY_CONFIRM_BUTTON).click().run()
    assert not app.exception
    assert video_id not in [v.id for v in listing()]
    assert read(app.success[0].value).startswith(f"Deleted the {shelf} video #{video_id}")
    assert keys.LIBRARY_CONFIRM_BUTTON not in [b.key for b in app.button]


def test_cancel_keeps_the_video(runtime, sample_video_path):
    """Cancelling the confirmation deletes nothing and closes it."""
    video_id = registered(runtime, sample_video_path, "Keep me")
    app = open_library()
    app.button(key=f"{keys.LIBRARY_DELETE_BUTTON}_registered").click().run()
    app.button(key=keys.LIBRARY_CANCEL_BUTTON).click().run()
    assert not app.exception
    assert [v.id for v in client_of(runtime).list_registered_videos()] == [video_id]
    assert keys.LIBRARY_CONFIRM_BUTTON not in [b.key for b in app.button]


def test_details_come_from_the_provider(runtime, sample_video_path):
    """Details asks AusyncLab for the one video and shows its state and source."""
    video_id = registered(runtime, sample_video_path, "Detailed")
    app = open_library()
    app.button(key=f"{keys.LIBRARY_DETAILS_BUTTON}_registered").click().run()
    assert not app.exception
    assert runtime.sandbox is not None
    paths = [r.path for r in runtime.sandbox.requests("ausynclab") if r.method == "GET"]
    assert paths[-1].endswith(f"/register/{video_id}")
    text = read("\n".join(m.value for m in app.markdown))
    assert f"**#{video_id} “Detailed”**" in text and "🟢 COMPLETED" in text
    app.button(key=f"{keys.LIBRARY_CLOSE_BUTTON}_registered").click().run()
    assert f"**#{video_id} “Detailed”**" not in read("\n".join(m.value for m in app.markdown))


def test_play_shows_the_generated_video(runtime, sample_video_path, sample_audio_path):
    """Play puts the generated result's player on the page, served by the dashboard itself (the
    sandbox's loopback link would not reach a browser on another machine)."""
    source = registered(runtime, sample_video_path, "Source")
    made = client_of(runtime).generate_lipsync(source, sample_audio_path.as_uri(), name="Result")
    finish_sandbox_jobs(runtime)
    result = client_of(runtime).get_generated_video(made)
    app = open_library()
    app.button(key=f"{keys.LIBRARY_PLAY_BUTTON}_generated").click().run()
    assert not app.exception
    videos = app.get("video")
    assert len(videos) == 1
    assert result.output_video_url and result.output_video_url.startswith("http://127.0.0.1:")
    assert "/media/" in videos[0].proto.url and videos[0].proto.url.endswith(".mp4")


def test_a_provider_outage_is_a_plain_sentence(runtime):
    """An HTML 502 page instead of the list is shown as one sentence in that tab."""
    assert runtime.sandbox is not None
    runtime.sandbox.add_fault("ausynclab", "GET", r"/register$", "html_502", count=5)
    app = open_library()
    assert len(app.error) == 1
    assert app.error[0].value == (
        "AusyncLab answered with an error page (502 Bad Gateway) (HTTP 502). "
        "Try again in a few minutes."
    )
    assert "No generated videos yet." in [i.value for i in app.main.info]


@pytest.fixture
def stand_in() -> Iterator[SandboxServer]:
    """A sandbox taking the key LIVE_KEY: a live AusyncLab for the dashboard (keys under 8
    characters, like the sandbox's own ``sandbox``, are refused as settings)."""
    with SandboxServer(SandboxConfig(job_seconds=JOB_SECONDS, api_key=LIVE_KEY)) as server:
        yield server


def test_live_mode_works_the_same_and_needs_a_public_address_for_uploads(
    runtime, monkeypatch, stand_in, sample_video_path
):
    """With a key the page is live (here against a stand-in server); uploads need a public URL."""
    provider = AusyncLabClient(LIVE_KEY, stand_in.base_urls["ausynclab"])
    provider.register_video(sample_video_path.as_uri(), name="At the provider")
    monkeypatch.setenv("AUSYNCLAB_API_KEY", LIVE_KEY)
    monkeypatch.setenv("AUSYNCLAB_BASE_URL", stand_in.base_urls["ausynclab"])
    forget_runtime()
    try:
        app = open_library()
        assert app.caption[0].value == "🟢 Live: these are the videos of your AusyncLab account."
        assert [row[1] for row in table_rows(app, 0)] == ["At the provider"]
        app.get("file_uploader")[0].set_value(
            ("a.mp4", sample_video_path.read_bytes(), "video/mp4")
        )
        app.button(key=keys.LIBRARY_NEW_SUBMIT).click().run()
        assert not app.exception
        assert read(app.error[0].value).startswith(
            "To send a file from your computer to AusyncLab, set LIPSYNC_PUBLIC_BASE_URL"
        )
        assert len(provider.list_registered_videos()) == 1
    finally:
        live = get_runtime()
        forget_runtime()
        live.stop()


def test_without_a_key_and_with_the_sandbox_off_it_explains_how_to_add_one(runtime, monkeypatch):
    """LIPSYNC_SANDBOX=off and no AusyncLab key: instructions instead of a failure."""
    monkeypatch.setenv("LIPSYNC_SANDBOX", "off")
    forget_runtime()
    app = open_library()
    assert "AUSYNCLAB_API_KEY" in app.info[0].value
    assert "LIPSYNC_SANDBOX=auto" in app.info[0].value
    assert len(app.error) == 0
    forget_runtime()
