"""The AusyncLab library as a person uses it: media opened through the dashboard, the tab kept,
readable tables, the sample, no second registration of a video, forms emptied after a success."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.views.conftest import read
from tests.views.test_library import (
    client_of,
    finish_sandbox_jobs,
    open_library,
    registered,
    sandbox_job_seconds,  # noqa: F401  (the slow sandbox jobs of the library tests)
    table_rows,
)
from ui import keys
from ui.library.table import from_words

UNREACHABLE = ("file:", "http://127.0.0.1", "http://localhost")


def page_text(app) -> str:
    """Every sentence and caption on the page."""
    parts = [m.value for m in app.markdown] + [c.value for c in app.caption]
    return read("\n".join(parts))


def links_in_tables(app) -> list[str]:
    """Every table cell that holds a link a browser would be sent to (pictures excepted)."""
    cells = []
    for table in app.dataframe:
        frame = table.value.drop(columns=["thumbnail"])
        cells += [str(v) for v in frame.to_numpy().ravel() if str(v).startswith(UNREACHABLE)]
    return cells


def made(runtime, sample_video_path, sample_audio_path) -> tuple[int, int]:
    """A COMPLETED registration and a COMPLETED generation from it."""
    source = registered(runtime, sample_video_path, "Source")
    result = client_of(runtime).generate_lipsync(source, sample_audio_path.as_uri(), name="Result")
    finish_sandbox_jobs(runtime)
    return source, result


def test_no_table_cell_and_no_detail_points_at_a_file_or_the_sandbox(
    runtime, sample_video_path, sample_audio_path
):
    """The tables hold no file:// or loopback link; Details plays the source, the result and
    the audio through the dashboard's own /media/ address, with a download button."""
    source, result = made(runtime, sample_video_path, sample_audio_path)
    app = open_library()
    assert links_in_tables(app) == []
    assert table_rows(app, 1) == [(result, "Result", "🟢 COMPLETED")]
    assert app.dataframe[1].value["registered_video_id"].tolist() == [f"#{source}"]
    app.button(key=f"{keys.LIBRARY_DETAILS_BUTTON}_registered").click().run()
    app.button(key=f"{keys.LIBRARY_DETAILS_BUTTON}_generated").click().run()
    assert not app.exception
    players = [v.proto.url for v in app.get("video")] + [a.proto.url for a in app.get("audio")]
    assert len(players) == 2, "the generated shelf's details replace the registered one's"
    assert all("/media/" in url for url in players), players
    assert not any(marker in page_text(app) for marker in UNREACHABLE)
    assert [b.proto.label for b in app.get("download_button")] == ["⬇ Download"]


def test_the_registered_videos_details_play_its_source(runtime, sample_video_path):
    """A registered video's details play its source (a file:// link in the sandbox) from the
    dashboard, never as a link."""
    registered(runtime, sample_video_path, "Source")
    app = open_library()
    app.button(key=f"{keys.LIBRARY_DETAILS_BUTTON}_registered").click().run()
    assert not app.exception
    (video,) = app.get("video")
    assert "/media/" in video.proto.url
    assert "file:" not in page_text(app)


@pytest.mark.parametrize(("registered_video_id", "shown"), [(12, "#12"), (None, "—")])
def test_made_from_is_a_number_or_a_dash(registered_video_id, shown):
    """The "Made from" cell says which registration, or a dash, never "None"."""
    assert from_words(registered_video_id) == shown


def test_tables_have_room_for_pictures_and_states(runtime, sample_video_path):
    """Rows are tall enough for a thumbnail, which is a medium-width column, as is the state."""
    registered(runtime, sample_video_path, "Tall")
    app = open_library()
    proto = app.dataframe[0].proto
    assert proto.row_height >= 64
    config = json.loads(proto.columns)
    assert (config["thumbnail"]["width"], config["state"]["width"]) == ("medium", "medium")


@pytest.mark.parametrize("button", ["play", "delete"])
def test_the_open_tab_is_kept_after_play_and_delete(
    runtime, sample_video_path, sample_audio_path, button
):
    """With Generated videos open, Play and a confirmed Delete leave it open."""
    made(runtime, sample_video_path, sample_audio_path)
    app = open_library()
    app.session_state[keys.LIBRARY_TAB] = "Generated videos"
    app.run()
    if button == "play":
        app.button(key=f"{keys.LIBRARY_PLAY_BUTTON}_generated").click().run()
    else:
        app.button(key=f"{keys.LIBRARY_DELETE_BUTTON}_generated").click().run()
        app.button(key=keys.LIBRARY_CONFIRM_BUTTON).click().run()
    assert not app.exception
    assert app.session_state[keys.LIBRARY_TAB] == "Generated videos"
    assert [t.label for t in app.tabs] == ["Registered videos", "Generated videos"]


def test_register_the_sample_then_the_form_is_empty(runtime):
    """ "The sample video" registers the shipped sample (kept under uploads/); the form is then
    empty, and the new registration is the chosen one."""
    app = open_library()
    app.text_input(key=keys.LIBRARY_NEW_NAME).input("Sample face")
    app.checkbox(key=keys.LIBRARY_NEW_SAMPLE).check()
    app.button(key=keys.LIBRARY_NEW_SUBMIT).click().run()
    assert not app.exception
    (video,) = client_of(runtime).list_registered_videos()
    assert video.name == "Sample face"
    uploads = (runtime.settings.data_dir / "uploads").resolve()
    assert video.video_url and Path(video.video_url.removeprefix("file://")).parent == uploads
    assert [t.value for t in app.text_input if t.label == "Name (optional)"] == [""]
    assert not [c for c in app.checkbox if c.value]
    assert app.selectbox(key=f"{keys.LIBRARY_CHOICE}_registered").value == video.id


@pytest.mark.parametrize("complete", [True, False])
def test_a_video_already_registered_is_not_registered_again(runtime, sample_video_path, complete):
    """Registering a video the account already has (ready or still being prepared) says so and
    registers nothing."""
    first = registered(runtime, sample_video_path, "First", complete=complete)
    app = open_library()
    app.text_input(key=keys.LIBRARY_NEW_URL).input(sample_video_path.as_uri())
    app.button(key=keys.LIBRARY_NEW_SUBMIT).click().run()
    assert not app.exception
    assert [v.id for v in client_of(runtime).list_registered_videos()] == [first]
    said = read(app.info[0].value)
    assert said.startswith(f"This video is already registered as #{first} “First”")
    assert ("below" in said) is complete


def test_the_generate_form_is_empty_after_a_success(runtime, sample_video_path, sample_audio_path):
    """After a confirmed generation the audio link and the name are gone from the form."""
    registered(runtime, sample_video_path, "Presenter")
    app = open_library()
    app.text_input(key=keys.LIBRARY_AUDIO_URL).input(sample_audio_path.as_uri())
    app.text_input(key=keys.LIBRARY_GENERATE_NAME).input("Once")
    app.button(key=keys.LIBRARY_GENERATE_SUBMIT).click().run()
    app.button(key=keys.SPEND_YES).click().run()
    assert not app.exception
    assert "started" in app.success[0].value
    labels = {"Link to the audio", "Name (optional)"}
    assert {t.label: t.value for t in app.text_input if t.label in labels and t.value} == {}


@pytest.mark.parametrize(
    ("link", "said"),
    [
        ("http://no-such-host.invalid/speech.mp3", "Audio link: "),
        ("file:///etc/hostname", "Audio link: The file hostname is not in this app's uploads"),
    ],
)
def test_generate_refuses_an_audio_link_it_cannot_check(runtime, sample_video_path, link, said):
    """An audio link that cannot be reached or read is refused in words, before any cost or
    sending, and stays in the form to be corrected."""
    registered(runtime, sample_video_path, "Presenter")
    app = open_library()
    app.text_input(key=keys.LIBRARY_AUDIO_URL).input(link)
    app.button(key=keys.LIBRARY_GENERATE_SUBMIT).click().run()
    assert not app.exception
    assert app.error[0].value.startswith(said)
    assert keys.SPEND_ASKING not in app.session_state
    assert client_of(runtime).list_generated_videos() == []
    assert app.text_input(key=keys.LIBRARY_AUDIO_URL).value == link, "kept to be corrected"
