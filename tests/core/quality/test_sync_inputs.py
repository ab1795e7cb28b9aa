"""measure_sync on real files: a separate audio file, changes against the source video, results
that cannot be measured (each says why in one sentence), and calls from several threads."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from lipsync_core.quality import SyncReport, measure_sync
from lipsync_core.quality.validation import FACE_VIDEO, SPEECH, TalkingClip, make_clip
from tests.core.conftest import write_clip

ONE_FRAME_MS = 40.0
TALKING = TalkingClip("zoom", 100.0)
OTHER_VOICE = TalkingClip("voice2", 0.0, voice="video")


@dataclass(frozen=True)
class Clips:
    folder: Path
    talking: Path  # mouth 100 ms after the speech
    still: Path  # its still twin
    mute: Path  # the talking picture without a sound track
    other_voice: Path  # a mouth following the sample video's own voice
    short: Path  # 1.5 s of face


def _transformed(source: Path, out_path: Path, change: Callable[[np.ndarray], np.ndarray]) -> Path:
    """``source``'s picture with ``change`` applied to each frame, without sound."""
    with av.open(str(source)) as inp, av.open(str(out_path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.pix_fmt, stream.options = "yuv420p", {"crf": "20", "preset": "ultrafast"}
        stream.width, stream.height = inp.streams.video[0].width, inp.streams.video[0].height
        for frame in inp.decode(video=0):
            picture = change(frame.to_ndarray(format="bgr24"))
            out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="bgr24")))
        out.mux(stream.encode(None))
    return out_path


def _wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            samples.astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    folder = tmp_path_factory.mktemp("sync_inputs")
    return Clips(
        folder,
        make_clip(TALKING, folder / "talking.mp4"),
        make_clip(TALKING.still_twin(), folder / "still.mp4"),
        make_clip(TALKING, folder / "mute.mp4", with_sound=False),
        make_clip(OTHER_VOICE, folder / "other_voice.mp4"),
        make_clip(TALKING, folder / "short.mp4", seconds=1.5),
    )


@pytest.fixture(scope="module")
def talking_report(clips: Clips) -> SyncReport:
    return measure_sync(clips.talking)


# ---------------------------------------------------------------- the audio argument


def test_separate_audio_file_is_laid_at_the_picture_start(clips: Clips) -> None:
    """A picture without sound, measured against the speech file, finds the clip's offset."""
    report = measure_sync(clips.mute, audio=SPEECH)
    assert report.mouth_moves is True
    assert report.offset_ms == pytest.approx(TALKING.offset_ms, abs=ONE_FRAME_MS)


def test_lips_following_another_voice_do_not_move_with_this_audio(clips: Clips) -> None:
    """A mouth that follows the video's own voice does not follow a different speech file."""
    own = measure_sync(clips.other_voice)
    against_other = measure_sync(clips.other_voice, audio=SPEECH)
    assert own.mouth_moves is True
    assert own.offset_ms == pytest.approx(0, abs=ONE_FRAME_MS)
    assert against_other.mouth_moves is False
    assert against_other.confidence is not None and own.confidence is not None
    assert against_other.confidence < own.confidence


# ---------------------------------------------------------------- against the source video


def test_only_the_mouth_differs_from_the_still_twin(
    clips: Clips, talking_report: SyncReport
) -> None:
    """Against its still twin (same frames but the mouth), almost nothing outside the mouth
    changed; without a source the figure is absent."""
    report = measure_sync(clips.talking, source=clips.still)
    assert report.outside_mouth_change is not None
    assert report.outside_mouth_change < 0.01
    assert talking_report.outside_mouth_change is None
    assert (report.offset_ms, report.confidence) == (
        talking_report.offset_ms,
        talking_report.confidence,
    )


def test_source_of_another_size_is_compared_at_the_result_size(clips: Clips) -> None:
    """The 1280×720 sample video, source of the 640×360 clip, differs only a little outside the
    mouth (scaling and encoding)."""
    report = measure_sync(clips.talking, source=FACE_VIDEO)
    assert report.outside_mouth_change is not None
    assert report.outside_mouth_change < 0.05


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("blurred", lambda picture: cv2.GaussianBlur(picture, (0, 0), 4)),
        ("shifted", lambda picture: np.roll(picture, 8, axis=1)),
        ("darkened", lambda picture: (picture * 0.8).astype(np.uint8)),
    ],
)
def test_picture_changed_outside_the_mouth_is_measured(
    clips: Clips, name: str, change: Callable[[np.ndarray], np.ndarray]
) -> None:
    """A result whose whole picture was blurred, shifted or darkened shows a large change."""
    result = _transformed(clips.still, clips.folder / f"{name}.mp4", change)
    report = measure_sync(result, audio=SPEECH, source=clips.still)
    assert report.outside_mouth_change is not None
    assert report.outside_mouth_change > 0.1


def test_missing_source_is_noted_and_the_rest_measured(clips: Clips) -> None:
    """A source that does not exist leaves the change out with a note; lip sync is measured."""
    report = measure_sync(clips.talking, source=clips.folder / "gone.mp4")
    assert report.outside_mouth_change is None
    assert report.notes == (
        "The source video gone.mp4 was not found, so changes outside the mouth were not measured.",
    )
    assert report.mouth_moves is True


# ---------------------------------------------------------------- what cannot be measured


def _not_a_video(folder: Path) -> tuple[Path, None]:
    path = folder / "notes.mp4"
    path.write_text("not a video")
    return path, None


def _no_face(folder: Path) -> tuple[Path, None]:
    return write_clip(folder / "no_face.mp4", seconds=3.0, audio_seconds=3.0), None


def _silent(folder: Path) -> tuple[Path, Path]:
    return folder / "mute.mp4", _wav(folder / "silent.wav", np.zeros(48_000))


def _blip(folder: Path) -> tuple[Path, Path]:
    tone = np.sin(np.arange(8_000) * 2 * np.pi * 220 / 16_000) * 8000
    return folder / "mute.mp4", _wav(folder / "blip.wav", np.concatenate([tone, np.zeros(72_000)]))


UNMEASURABLE = [
    ("missing video", lambda f: (f / "gone.mp4", None), "The video gone.mp4 was not found."),
    (
        "not a video",
        _not_a_video,
        "The video notes.mp4 could not be read: it may be damaged, cut short or not a video.",
    ),
    ("sound only", lambda f: (SPEECH, None), "The file speech.wav has no picture to measure."),
    (
        "no sound track",
        lambda f: (f / "mute.mp4", None),
        "The video has no sound track, so there is no speech to compare the lips with; "
        "measure it with the audio that was sent.",
    ),
    (
        "missing audio",
        lambda f: (f / "mute.mp4", f / "gone.wav"),
        "The audio gone.wav was not found.",
    ),
    (
        "audio not a sound file",
        lambda f: (f / "mute.mp4", _not_a_video(f)[0]),
        "The audio notes.mp4 could not be read: it may be damaged or not a sound file.",
    ),
    (
        "no face",
        _no_face,
        "No face was found in the video, so lip sync cannot be judged.",
    ),
    (
        "face too short",
        lambda f: (f / "short.mp4", None),
        "A face is visible for only 1.5 s; at least 2 s are needed to judge lip sync.",
    ),
    (
        "silent audio",
        _silent,
        "The audio is silent, so there is no speech for the lips to follow.",
    ),
    (
        "too little sound",
        _blip,
        "The audio has less than a second of sound, too little to judge lip sync.",
    ),
]


@pytest.mark.parametrize(
    ("case", "inputs", "reason"), UNMEASURABLE, ids=[c[0] for c in UNMEASURABLE]
)
def test_unmeasurable_result_says_why(
    clips: Clips, case: str, inputs: Callable[[Path], tuple[Path, Path | None]], reason: str
) -> None:
    """A result that cannot be measured is a report whose reason is one plain sentence."""
    video, audio = inputs(clips.folder)
    report = measure_sync(video, audio)
    assert report.reason == reason
    assert report.summary() == reason
    assert not report.measured
    assert (report.offset_ms, report.confidence, report.mouth_moves) == (None, None, False)


def test_unmeasurable_result_keeps_the_face_facts(clips: Clips) -> None:
    """Without sound, the report still says how much face was seen and how large."""
    report = measure_sync(clips.mute)
    assert report.face_share == 1.0
    assert report.largest_face_ratio == pytest.approx(0.5, abs=0.05)


# ---------------------------------------------------------------- threads


def test_measures_in_several_threads_match_one_at_a_time(
    clips: Clips, talking_report: SyncReport
) -> None:
    """Two threads measuring at once (each its own model and decoder) get the same reports."""
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(measure_sync, [clips.talking, clips.talking]))
    assert reports == [talking_report, talking_report]
