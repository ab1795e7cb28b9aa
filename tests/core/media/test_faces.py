"""The local face preflight on real clips: the sample's face, no face, gaps, sizes, two faces;
searched from key frames (phone-style clips) and in stretches side by side (long ones)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from lipsync_core.errors import MediaValidationError, Severity
from lipsync_core.media import faces
from lipsync_core.media.faces import FacePreflight, preflight_faces

ClipWriter = Callable[..., Path]
GREY = 128
# x264's default (one key frame in these short clips: every frame is decoded), a phone's (a key
# frame every second: key frames are searched first) and an intra-only file (every frame a key).
KEY_FRAMES = pytest.mark.parametrize(
    "key_frame_every", [None, 25, 1], ids=["one-key", "key-every-1s", "every-frame-key"]
)


def picture_at(pictures: list[np.ndarray], index: int, width: int, height: int) -> np.ndarray:
    """The sample's frame ``index`` resized to ``width``×``height``."""
    return cv2.resize(pictures[index % len(pictures)], (width, height), cv2.INTER_AREA)


@pytest.fixture(scope="module")
def sample_result(sample_video: Path) -> FacePreflight:
    return preflight_faces(sample_video)


def test_the_sample_clip_has_one_face_for_its_whole_length(sample_result: FacePreflight) -> None:
    """The astronaut is found as one track from the first to the last sample, with no warning."""
    assert [t.face_id for t in sample_result.tracks] == ["0"]
    track = sample_result.tracks[0]
    assert track.start_ms <= 200
    assert track.end_ms >= 4800
    assert (sample_result.duration_ms, sample_result.frames_sampled) == (5000, 25)
    assert sample_result.findings == []


def test_the_sample_face_size_is_measured(sample_result: FacePreflight) -> None:
    """The face box is about 40–55 % of the picture height in the sample's closest frame."""
    assert 0.35 <= sample_result.largest_face_ratio <= 0.6
    assert sample_result.largest_face_ratio == sample_result.tracks[0].largest_face_ratio


@pytest.fixture(scope="module")
def phone_style_sample(
    tmp_path_factory: pytest.TempPathFactory,
    clip_writer: ClipWriter,
    sample_pictures: list[np.ndarray],
) -> Path:
    """The sample's 5 s of face at 1280×720, with a key frame every second as phones record."""
    return clip_writer(
        tmp_path_factory.mktemp("phone") / "phone_style.mp4",
        seconds=5.0,
        width=1280,
        height=720,
        frames=lambda index, width, height: picture_at(sample_pictures, index, width, height),
        key_frame_every=25,
    )


def test_key_frames_showing_the_same_face_are_all_that_is_searched_between_them(
    phone_style_sample: Path,
) -> None:
    """With a key frame every second and the face in all of them, the key frames at 0–3 s stand
    for their seconds and only the last second is sampled 5 times: 9 frames instead of 25, with
    the same single track."""
    result = preflight_faces(phone_style_sample)
    assert [(t.face_id, t.start_ms, t.end_ms) for t in result.tracks] == [("0", 0, 5000)]
    assert result.frames_sampled == 9
    assert 0.35 <= result.largest_face_ratio <= 0.6


@pytest.mark.parametrize("clip", ["sample", "phone_style"])
def test_the_face_crop_is_a_jpeg_of_a_face(
    clip: str, sample_result: FacePreflight, phone_style_sample: Path
) -> None:
    """crop_jpeg decodes as a JPEG picture in which the cascade finds the face again (from a
    phone-style clip too, where the largest face may be in a key frame decoded again for it)."""
    result = sample_result if clip == "sample" else preflight_faces(phone_style_sample)
    crop = result.tracks[0].crop_jpeg
    assert crop[:3] == b"\xff\xd8\xff"
    picture = cv2.imdecode(np.frombuffer(crop, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert 250 <= picture.shape[0] <= 720
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml")
    small = cv2.resize(picture, None, fx=0.5, fy=0.5)
    assert len(cascade.detectMultiScale(small, minNeighbors=4)) >= 1


def test_a_faceless_clip_has_no_track_and_a_warning(faceless_clip: Path) -> None:
    """Colour ramps give no track and one plain warning that no face was found."""
    result = preflight_faces(faceless_clip)
    assert (result.tracks, result.largest_face_ratio) == ([], 0.0)
    assert result.frames_sampled == 15
    assert [(f.severity, f.rule) for f in result.findings] == [(Severity.WARNING, "faces.none")]
    assert result.findings[0].message.startswith("No face was found in the video.")


@KEY_FRAMES
@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        ((1.6, 3.4), [(0, 1600), (3400, 5000)]),
        ((2.0, 2.4), [(0, 5000)]),
        ((1.3, 2.7), [(0, 1300), (2700, 5000)]),
    ],
    ids=["gap-1.8s-splits", "gap-0.4s-keeps", "gap-1.4s-between-key-frames-splits"],
)
def test_a_face_missing_for_over_one_second_gets_a_new_id(
    tmp_path: Path,
    clip_writer: ClipWriter,
    sample_pictures: list[np.ndarray],
    gap: tuple[float, float],
    expected: list[tuple[int, int]],
    key_frame_every: int | None,
) -> None:
    """As at Kling, a face gone for more than 1 s comes back as a new face; a shorter gap does
    not split it."""

    def frames(index: int, width: int, height: int) -> np.ndarray:
        if gap[0] <= index / 25 < gap[1]:
            return np.full((height, width, 3), GREY, dtype=np.uint8)
        return picture_at(sample_pictures, index, width, height)

    clip = clip_writer(
        tmp_path / "gap.mp4",
        seconds=5.0,
        width=640,
        height=360,
        frames=frames,
        key_frame_every=key_frame_every,
    )
    tracks = preflight_faces(clip).tracks
    assert [t.face_id for t in tracks] == [str(i) for i in range(len(expected))]
    for track, (start, end) in zip(tracks, expected, strict=True):
        assert track.start_ms == pytest.approx(start, abs=250)
        assert track.end_ms == pytest.approx(end, abs=250)


def test_a_face_that_jumps_across_the_picture_keeps_its_id(
    tmp_path: Path, clip_writer: ClipWriter, sample_pictures: list[np.ndarray]
) -> None:
    """A face that jumps by about two face widths between two samples (a cut) but never leaves
    the picture is still one face."""

    def frames(index: int, width: int, height: int) -> np.ndarray:
        canvas = np.full((height, width, 3), GREY, dtype=np.uint8)
        small = picture_at(sample_pictures, index, width // 2, height // 2)
        left = 0 if index < 25 else width // 5
        canvas[height // 4 : height // 4 + small.shape[0], left : left + small.shape[1]] = small
        return canvas

    clip = clip_writer(tmp_path / "jump.mp4", seconds=3.0, width=640, height=360, frames=frames)
    tracks = preflight_faces(clip).tracks
    assert [(t.face_id, t.start_ms, t.end_ms) for t in tracks] == [("0", 0, 3000)]


def test_two_faces_side_by_side_are_two_tracks(
    tmp_path: Path, clip_writer: ClipWriter, sample_pictures: list[np.ndarray]
) -> None:
    """Two people in the picture at once are two faces, each over the whole clip."""

    def frames(index: int, width: int, height: int) -> np.ndarray:
        half = picture_at(sample_pictures, index, width // 2, height // 2)
        canvas = np.full((height, width, 3), GREY, dtype=np.uint8)
        canvas[height // 4 : height // 4 + height // 2, : width // 2] = half
        canvas[height // 4 : height // 4 + height // 2, width // 2 :] = half[:, ::-1]
        return canvas

    clip = clip_writer(tmp_path / "two.mp4", seconds=2.0, width=1280, height=720, frames=frames)
    result = preflight_faces(clip)
    assert [t.face_id for t in result.tracks] == ["0", "1"]
    assert all(t.start_ms <= 200 and t.end_ms >= 1800 for t in result.tracks)
    assert all(0.15 <= t.largest_face_ratio <= 0.35 for t in result.tracks)


def test_a_small_face_is_found_and_called_too_small(
    tmp_path: Path, clip_writer: ClipWriter, sample_pictures: list[np.ndarray]
) -> None:
    """A face about 11 % of the picture height is found, and called too small (in plain words)
    when the threshold is 15 %."""

    def frames(index: int, width: int, height: int) -> np.ndarray:
        canvas = np.full((height, width, 3), GREY, dtype=np.uint8)
        small = picture_at(sample_pictures, 75 + index, width // 4, height // 4)
        top, left = height // 3, width // 3
        canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
        return canvas

    clip = clip_writer(tmp_path / "small.mp4", seconds=2.0, width=1280, height=720, frames=frames)
    result = preflight_faces(clip, min_face_ratio=0.15)
    assert len(result.tracks) == 1
    assert 0.08 <= result.largest_face_ratio < 0.15
    assert [(f.severity, f.rule) for f in result.findings] == [
        (Severity.WARNING, "faces.too_small")
    ]
    assert "faces smaller than 15% often fail" in result.findings[0].message


def test_the_default_threshold_is_ten_percent(sample_video: Path) -> None:
    """The sample's face (about half the picture height) passes 10 % but not 60 %."""
    assert preflight_faces(sample_video, samples_per_second=1).findings == []
    findings = preflight_faces(sample_video, samples_per_second=1, min_face_ratio=0.6).findings
    assert [f.rule for f in findings] == ["faces.too_small"]


def display_rotated(path: Path, degrees_counter_clockwise: int) -> Path:
    """Write a display matrix into an MP4's first track header, as phones do for portrait."""
    data = bytearray(path.read_bytes())
    header = data.find(b"tkhd") - 4
    assert data[header + 8] == 0, "a version 0 track header"
    sine = {90: 1, -90: -1}[degrees_counter_clockwise] * 65536
    struct.pack_into(">9i", data, header + 48, 0, -sine, 0, sine, 0, 0, 0, 0, 1 << 30)
    path.write_bytes(data)
    return path


def test_a_portrait_video_stored_sideways_is_turned_upright(
    tmp_path: Path, clip_writer: ClipWriter, sample_pictures: list[np.ndarray]
) -> None:
    """A phone's portrait video, stored sideways with a display rotation, still shows its face,
    and the crop is upright."""

    def frames(index: int, width: int, height: int) -> np.ndarray:
        upright = picture_at(sample_pictures, index, height, height * 9 // 16)
        canvas = np.full((width, height, 3), GREY, dtype=np.uint8)
        canvas[: upright.shape[0]] = upright
        return np.ascontiguousarray(cv2.rotate(canvas, cv2.ROTATE_90_CLOCKWISE))

    clip = clip_writer(tmp_path / "phone.mp4", seconds=2.0, width=640, height=360, frames=frames)
    result = preflight_faces(display_rotated(clip, 90))
    assert [(t.start_ms, t.end_ms) for t in result.tracks] == [(0, 2000)]
    assert 0.1 <= result.largest_face_ratio <= 0.2
    crop = cv2.imdecode(np.frombuffer(result.tracks[0].crop_jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml")
    assert len(cascade.detectMultiScale(crop, minNeighbors=4)) >= 1


@pytest.mark.parametrize(("rate", "samples"), [(1.0, 5), (2.0, 10), (12.5, 63)])
def test_the_sampling_rate_sets_the_frames_sampled(
    sample_video: Path, rate: float, samples: int
) -> None:
    """One frame per sampling interval is checked: 5 s at 2 per second is 10 frames."""
    result = preflight_faces(sample_video, samples_per_second=rate)
    assert result.frames_sampled == samples
    assert len(result.tracks) == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.mp4", b"not a video at all " * 100, "could not be decoded as a video"),
        ("empty.mp4", b"", "could not be decoded as a video"),
    ],
)
def test_unreadable_files_are_refused(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    """Text and empty files raise MediaValidationError, never a crash."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MediaValidationError, match=message):
        preflight_faces(path)


def test_an_audio_file_has_no_picture_to_check(sample_speech: Path) -> None:
    """A WAV has no picture track, which is said plainly."""
    with pytest.raises(MediaValidationError, match="has no picture track"):
        preflight_faces(sample_speech)


@pytest.mark.parametrize(
    ("shown", "expected"), [((2.3, 5.0), (2300, 5000)), ((0.0, 2.7), (0, 2700))]
)
def test_a_face_coming_or_going_between_key_frames_is_timed_by_its_samples(
    tmp_path: Path,
    clip_writer: ClipWriter,
    sample_pictures: list[np.ndarray],
    shown: tuple[float, float],
    expected: tuple[int, int],
) -> None:
    """Key frames 1 s apart that disagree send the second between them to be sampled 5 times:
    the face's start or end keeps the sampling precision."""

    def frames(index: int, width: int, height: int) -> np.ndarray:
        if shown[0] <= index / 25 < shown[1]:
            return picture_at(sample_pictures, index, width, height)
        return np.full((height, width, 3), GREY, dtype=np.uint8)

    clip = clip_writer(
        tmp_path / "comes.mp4",
        seconds=5.0,
        width=640,
        height=360,
        frames=frames,
        key_frame_every=25,
    )
    tracks = preflight_faces(clip).tracks
    assert len(tracks) == 1
    assert tracks[0].start_ms == pytest.approx(expected[0], abs=250)
    assert tracks[0].end_ms == pytest.approx(expected[1], abs=250)


@pytest.mark.parametrize("parts", [1, 2, 3])
@pytest.mark.parametrize(
    ("gap", "expected"),
    [(None, [(0, 6000)]), ((1.8, 2.4), [(0, 6000)]), ((1.4, 3.0), [(0, 1400), (3000, 6000)])],
    ids=["no-gap", "short-gap-at-the-cut", "long-gap-at-the-cut"],
)
def test_stretches_searched_side_by_side_join_into_the_same_tracks(
    tmp_path: Path,
    clip_writer: ClipWriter,
    sample_pictures: list[np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
    parts: int,
    gap: tuple[float, float] | None,
    expected: list[tuple[int, int]],
) -> None:
    """A clip with key frames 2 s apart is decoded in ``parts`` stretches cut at key frames (at
    2 s with two), each searched on its own: a face across a cut is one track, a gap of over 1 s
    across it still splits the face, whatever the number of stretches."""
    monkeypatch.setattr(faces, "PARTS", parts)

    def frames(index: int, width: int, height: int) -> np.ndarray:
        if gap is not None and gap[0] <= index / 25 < gap[1]:
            return np.full((height, width, 3), GREY, dtype=np.uint8)
        return picture_at(sample_pictures, index, width, height)

    clip = clip_writer(
        tmp_path / "long.mp4",
        seconds=6.0,
        width=640,
        height=360,
        frames=frames,
        key_frame_every=50,
    )
    result = preflight_faces(clip)
    assert [t.face_id for t in result.tracks] == [str(i) for i in range(len(expected))]
    for track, (start, end) in zip(result.tracks, expected, strict=True):
        assert track.start_ms == pytest.approx(start, abs=250)
        assert track.end_ms == pytest.approx(end, abs=250)
    assert result.frames_sampled == 30
