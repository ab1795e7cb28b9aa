"""Kling's face step on the submit page: the panel comes first, one face is used at once, several
are asked for, and nothing says "sent" to Kling before its task exists; the timeline is readable.

Real app (AppTest) on the embedded sandbox: Kling's faces are found by the sandbox's real face
detector in the shipped sample (one face) or in a clip made here with two.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from lipsync_core.flows.model import JobState, KlingFace, Stage
from tests.core.conftest import write_clip
from tests.views.test_submit import (
    KLING,
    SAMPLES,
    TWINSYNC,
    choose,
    creates,
    jobs_of,
    send,
    texts,
    upload,
    use_samples,
)
from ui import keys
from ui.face_choice import ROW_PX, Timing, timeline_chart

GREY = 128
CREATE = "/kling/klingai/v1/videos/advanced-lip-sync"
ONE_FACE = "Kling found one face: check where the audio goes, then create the task to send it."


@pytest.fixture(scope="module")
def two_faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s of 1280×720 with the sample's face twice side by side (the second one mirrored)."""
    import av

    with av.open(str(SAMPLES / "face.mp4")) as container:
        pictures = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]

    def frames(index: int, width: int, height: int) -> np.ndarray:
        picture = pictures[index % len(pictures)]
        half = picture[::2, ::2][: height // 2, : width // 2]
        canvas = np.full((height, width, 3), GREY, dtype=np.uint8)
        canvas[height // 4 : height // 4 + height // 2, : width // 2] = half
        canvas[height // 4 : height // 4 + height // 2, width // 2 :] = half[:, ::-1]
        return canvas

    folder = tmp_path_factory.mktemp("two_faces")
    return write_clip(folder / "two.mp4", seconds=3.0, width=1280, height=720, frames=frames)


def in_order(node: Node) -> Iterator[Node]:
    """Every element of the page, top to bottom."""
    if isinstance(node, Block):
        for index in sorted(node.children):
            yield from in_order(node.children[index])
    else:
        yield node


def position(at: AppTest, predicate) -> int:
    """Where the first element matching ``predicate`` stands on the page (top is 0)."""
    for index, node in enumerate(in_order(at.main)):
        if predicate(node):
            return index
    raise AssertionError("no such element on the page")


def value_of(node: Node) -> str:
    return str(getattr(node, "value", "") or getattr(node, "label", "") or "")


def kling_sent(at: AppTest, *, auto: bool, video: Path | None = None, others=()) -> AppTest:
    """Sample media (or ``video`` with the sample speech) to Kling (and ``others``), sent with
    the single-face tick set to ``auto``."""
    use_samples(at)
    if video is not None:
        upload(at, "video", video, "video/mp4")
    choose(at, KLING, *others)
    at.checkbox(key=keys.SUBMIT_KLING_AUTO).set_value(auto).run()
    return send(at)


def test_one_face_is_used_at_once_and_the_page_says_so(app, runtime):
    """The sample has one face: its task is created with the default timing, no panel is shown,
    and the page says the task exists and where to follow it."""
    kling_sent(app, auto=True)
    assert not app.exception
    (job,) = jobs_of(runtime)
    assert job.stage is Stage.GENERATING and job.provider_job_id and job.options.face_id == "0"
    assert creates(runtime, "kling")[-1] == CREATE
    assert not [t for t in texts(app) if t.startswith("**Kling found")]
    said = texts(app)
    assert (
        "Kling found one face (face 0) and used it: the Kling task was created, and Kling is now "
        "making the video. Its status card shows the progress and the result." in said
    )
    assert "Sent 1 job to Kling. The status cards update by themselves." in said


def test_unticked_the_one_face_panel_comes_first_and_nothing_says_sent(app, runtime):
    """Unticked, the panel asks; it stands above every other word about the sending and above
    the link to the cards, and no sentence says Kling was sent anything yet."""
    kling_sent(app, auto=False, others=(TWINSYNC,))
    (kling,) = [job for job in jobs_of(runtime) if job.provider == "kling"]
    assert kling.state is JobState.NEEDS_INPUT
    heading = f"**{ONE_FACE}**"
    panel = position(app, lambda node: value_of(node) == heading)
    link = position(app, lambda node: node.type == "page_link")
    sent = position(app, lambda node: value_of(node).startswith("Sent "))
    assert panel < sent < link
    assert "Sent 1 job to TwinSync. The status cards update by themselves." in texts(app)
    assert not [t for t in texts(app) if t.startswith("Sent ") and "Kling" in t]
    assert creates(runtime, "kling") == ["/kling/klingai/v1/videos/identify-face"]


def test_after_create_the_page_says_what_happened(app, runtime):
    """The panel does not vanish without a word: the task's creation and its card are named."""
    kling_sent(app, auto=False)
    (job,) = jobs_of(runtime)
    app.button(key=keys.face_choice(job.id, "send")).click().run()
    assert not app.exception
    said = texts(app)
    assert (
        "You chose face 0: the Kling task was created, and Kling is now making the video. Its "
        "status card shows the progress and the result." in said
    )
    assert "Sent 1 job to Kling. The status cards update by themselves." in said
    assert runtime.service.get(job.id).provider_job_id is not None


def test_several_faces_are_asked_for_before_anything_says_sent(app, runtime, two_faces):
    """Two faces: even with the tick on, Kling waits, the panel asks which, and only TwinSync
    is said to be sent until the person creates Kling's task with the face they chose."""
    kling_sent(app, auto=True, video=two_faces, others=(TWINSYNC,))
    assert not app.exception
    (kling,) = [job for job in jobs_of(runtime) if job.provider == "kling"]
    assert kling.state is JobState.NEEDS_INPUT and len(kling.options.faces) == 2
    assert "**Kling found 2 faces: choose one to send.**" in texts(app)
    assert "Sent 1 job to TwinSync. The status cards update by themselves." in texts(app)
    assert creates(runtime, "kling") == ["/kling/klingai/v1/videos/identify-face"]
    faces = app.radio(key=keys.face_choice(kling.id, "face"))
    assert faces.options == ["Face 0", "Face 1"]
    faces.set_value("1").run()
    app.button(key=keys.face_choice(kling.id, "send")).click().run()
    assert not app.exception
    assert runtime.service.get(kling.id).options.face_id == "1"
    said = texts(app)
    assert (
        "Sent 2 jobs as a new comparison: Kling and TwinSync. "
        "The status cards update by themselves." in said
    )
    assert any(t.startswith("You chose face 1: the Kling task was created") for t in said)


@pytest.mark.parametrize("faces", [1, 2, 4])
def test_the_timeline_gives_each_row_room_and_a_short_axis_title(faces):
    """Each row (faces and the audio) gets its own height on top of the axis's, and the axis
    title fits a status card's narrow column."""
    found = [KlingFace(face_id=str(i), start_time=0, end_time=5000) for i in range(faces)]
    timing = Timing(found[0], 0, 3000, 0, 1.0, 1.0)
    spec = timeline_chart(found, timing, 5.0).to_dict()
    assert spec["height"] >= ROW_PX * (faces + 1) + 40
    assert len(spec["encoding"]["x"]["title"]) <= 8
    assert "height" not in spec["mark"]  # bars follow their row's band: they cannot overlap
