"""The sandbox renderer writes real, playable files whose timing follows each provider's rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from lipsync_core.errors import MediaValidationError
from lipsync_core.sandbox import render_frames
from lipsync_core.sandbox.render import (
    SANDBOX_CAPTION,
    SYNC_MODES,
    RenderResult,
    fit_to_audio,
    kling_mix,
    thumbnail,
)
from lipsync_core.sandbox.render_timeline import (
    Span,
    aligned_span,
    fitted_span,
    frame_indices,
    kling_sound_span,
    output_seconds,
)

FPS = 25
FRAME = 1 / FPS
RATE = 48_000
WAV_RATE = 44_100
TONE_HZ = 440
ORIGINAL_HZ = 220
AMPLITUDE = 0.5
ORIGINAL_AMPLITUDE = 0.3
PATTERN_ROWS = slice(60, 100)


# ---------------------------------------------------------------- inputs, made with PyAV


def pattern(index: int, width: int, height: int, *, black: bool = False) -> np.ndarray:
    """An RGB frame: a gradient, a moving bar, and the frame number as 8 black/white blocks."""
    image = np.zeros((height, width, 3), np.uint8)
    if black:
        return image
    image[..., 0] = np.linspace(90, 200, width, dtype=np.uint8)
    image[..., 1] = 150
    image[..., 2] = np.linspace(200, 90, height, dtype=np.uint8)[:, None]
    bar = (index * 7) % max(1, width - 12)
    image[110 : height - 30, bar : bar + 12] = (255, 0, 0)
    block = min(40, width // 8)
    for bit in range(8):
        image[PATTERN_ROWS, bit * block : (bit + 1) * block] = 255 if index >> bit & 1 else 0
    return image


def frame_number(gray: np.ndarray) -> int:
    """Read back the frame number that ``pattern`` drew."""
    block = min(40, gray.shape[1] // 8)
    row = gray[80]
    return sum(1 << bit for bit in range(8) if row[bit * block + block // 2] > 128)


def tone(seconds: float, rate: int, hz: float, amplitude: float) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def write_clip(
    path: Path,
    seconds: float,
    *,
    size: tuple[int, int] = (320, 240),
    tone_hz: float | None = None,
    black_frames: int = 0,
    codec: str = "libx264",
) -> Path:
    """A test video; with ``tone_hz``, an AAC sound track of that sine at 0.3."""
    width, height = size
    with av.open(str(path), "w") as out:
        video = out.add_stream(codec, rate=FPS)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p" if codec == "libx264" else "rgb24"
        sound = None if tone_hz is None else out.add_stream("aac", rate=RATE, layout="stereo")
        for index in range(round(seconds * FPS)):
            image = pattern(index, width, height, black=index < black_frames)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None and tone_hz is not None:
            wave = tone(seconds, RATE, tone_hz, ORIGINAL_AMPLITUDE)
            frame = av.AudioFrame.from_ndarray(
                np.stack([wave, wave]), format="fltp", layout="stereo"
            )
            frame.sample_rate, frame.pts = RATE, 0
            out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path


def write_wav(path: Path, wave: np.ndarray, *, channels: int = 1) -> Path:
    """A 16-bit PCM wav at 44.1 kHz (so every render resamples)."""
    layout = "mono" if channels == 1 else "stereo"
    pcm = (np.repeat(wave[:, None], channels, axis=1) * 32767).astype(np.int16).reshape(1, -1)
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=WAV_RATE, layout=layout)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=layout)
        frame.sample_rate, frame.pts = WAV_RATE, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def steps(seconds: int) -> np.ndarray:
    """A tone that changes every second: 500 Hz, 700 Hz, 900 Hz, ... so a trim can be located."""
    return np.concatenate([tone(1, WAV_RATE, 500 + 200 * k, AMPLITUDE) for k in range(seconds)])


@dataclass(frozen=True)
class Inputs:
    clip_2s: Path  # no sound track
    clip_5s: Path  # 220 Hz sound track
    tone_3s: Path  # 440 Hz, mono
    tone_6s: Path  # 440 Hz, stereo
    steps_6s: Path
    wide_clip: Path  # 640x360 with a black leader
    odd_clip: Path  # 161x121 RGB PNG frames in QuickTime
    garbage: Path
    work: Path


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    work = tmp_path_factory.mktemp("render")
    garbage = work / "garbage.mp4"
    garbage.write_bytes(b"this is not a media file\n" * 200)
    return Inputs(
        clip_2s=write_clip(work / "clip_2s.mp4", 2),
        clip_5s=write_clip(work / "clip_5s.mp4", 5, tone_hz=ORIGINAL_HZ),
        tone_3s=write_wav(work / "tone_3s.wav", tone(3, WAV_RATE, TONE_HZ, AMPLITUDE)),
        tone_6s=write_wav(work / "tone_6s.wav", tone(6, WAV_RATE, TONE_HZ, AMPLITUDE), channels=2),
        steps_6s=write_wav(work / "steps_6s.wav", steps(6)),
        wide_clip=write_clip(work / "wide.mp4", 1, size=(640, 360), black_frames=10),
        odd_clip=write_clip(work / "odd.mov", 1, size=(161, 121), codec="png"),
        garbage=garbage,
        work=work,
    )


# ---------------------------------------------------------------- reading outputs back


@dataclass(frozen=True)
class Probe:
    video_seconds: float
    audio_seconds: float
    frames: list[np.ndarray]  # gray
    audio: np.ndarray  # left channel
    video_codec: str
    audio_codec: str
    pix_fmt: str
    fps: float
    size: tuple[int, int]

    @property
    def numbers(self) -> list[int]:
        return [frame_number(frame) for frame in self.frames]

    def window(self, start: float, seconds: float) -> np.ndarray:
        return self.audio[round(start * RATE) : round((start + seconds) * RATE)]


def probe(path: Path) -> Probe:
    with av.open(str(path)) as container:
        video, sound = container.streams.video[0], container.streams.audio[0]
        frames = [f.to_ndarray(format="gray") for f in container.decode(video)]
        container.seek(0)
        audio = np.concatenate([f.to_ndarray()[0] for f in container.decode(sound)])
        assert sound.rate == RATE
        return Probe(
            video_seconds=float(video.duration * video.time_base),
            audio_seconds=float(sound.duration * sound.time_base),
            frames=frames,
            audio=audio,
            video_codec=video.codec_context.name,
            audio_codec=sound.codec_context.name,
            pix_fmt=video.codec_context.pix_fmt,
            fps=float(video.average_rate),
            size=(video.codec_context.width, video.codec_context.height),
        )


def gray_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray") for f in container.decode(video=0)]


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def amplitude_at(samples: np.ndarray, hz: float) -> float:
    """The amplitude of one sine in a window holding a whole number of its cycles."""
    t = np.arange(len(samples)) / RATE
    return float(2 * abs(np.sum(samples * np.exp(-2j * np.pi * hz * t))) / len(samples))


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[np.argmax(spectrum)])


# ---------------------------------------------------------------- fit_to_audio

# (case, video seconds, audio seconds): the audio longer, then shorter, than the video.
CASES = {
    "audio_longer": ("clip_2s", "tone_6s", 2, 6),
    "audio_shorter": ("clip_5s", "tone_3s", 5, 3),
}
EXPECTED_SECONDS = {
    ("loop", "audio_longer"): 6,
    ("bounce", "audio_longer"): 6,
    ("remap", "audio_longer"): 6,
    ("cut_off", "audio_longer"): 2,
    ("silence", "audio_longer"): 6,
    ("loop", "audio_shorter"): 3,
    ("bounce", "audio_shorter"): 3,
    ("remap", "audio_shorter"): 3,
    ("cut_off", "audio_shorter"): 3,
    ("silence", "audio_shorter"): 5,
}


@pytest.fixture(scope="session")
def rendered(inputs: Inputs) -> Callable[[str, str], tuple[RenderResult, Probe]]:
    """Render each (sync_mode, case) once for the whole session and probe the output."""
    cache: dict[tuple[str, str], tuple[RenderResult, Probe]] = {}

    def get(sync_mode: str, case: str) -> tuple[RenderResult, Probe]:
        if (sync_mode, case) not in cache:
            video, audio = (getattr(inputs, name) for name in CASES[case][:2])
            out = inputs.work / f"fit_{sync_mode}_{case}.mp4"
            result = fit_to_audio(video, audio, out, sync_mode=sync_mode)
            cache[sync_mode, case] = (result, probe(out))
        return cache[sync_mode, case]

    return get


def expected_numbers(sync_mode: str, source: int, output: int) -> list[int]:
    """Source frame per output frame, written out from the definitions of each mode."""
    if sync_mode == "loop":
        return [i % source for i in range(output)]
    if sync_mode == "bounce":
        cycle = list(range(source)) + list(range(source - 2, 0, -1))
        return [cycle[i % len(cycle)] for i in range(output)]
    if sync_mode == "remap":
        return [int(i * source / output) for i in range(output)]
    return [min(i, source - 1) for i in range(output)]


@pytest.mark.parametrize(("sync_mode", "case"), sorted(EXPECTED_SECONDS))
def test_output_length_follows_sync_mode(rendered, sync_mode: str, case: str) -> None:
    """Video and audio tracks both last as long as the sync_mode says, within one frame."""
    result, out = rendered(sync_mode, case)
    expected = EXPECTED_SECONDS[sync_mode, case]
    assert out.video_seconds == pytest.approx(expected, abs=FRAME)
    assert out.audio_seconds == pytest.approx(expected, abs=FRAME)
    assert len(out.frames) == pytest.approx(expected * FPS, abs=1)
    assert result.duration == pytest.approx(expected, abs=FRAME)
    assert (result.width, result.height) == (320, 240)


@pytest.mark.parametrize(("sync_mode", "case"), sorted(EXPECTED_SECONDS))
def test_frames_follow_sync_mode(rendered, sync_mode: str, case: str) -> None:
    """Loop restarts, bounce plays backward, remap stretches, cut_off cuts, silence holds."""
    _, out = rendered(sync_mode, case)
    source = CASES[case][2] * FPS
    assert out.numbers == expected_numbers(sync_mode, source, len(out.frames))


@pytest.mark.parametrize(("sync_mode", "case"), sorted(EXPECTED_SECONDS))
def test_output_carries_the_new_audio(rendered, sync_mode: str, case: str) -> None:
    """The output's sound is the new 440 Hz tone at its own level, not the video's 220 Hz."""
    _, out = rendered(sync_mode, case)
    window = out.window(0.5, 1.0)
    assert dominant_hz(window) == pytest.approx(TONE_HZ, abs=2)
    assert amplitude_at(window, TONE_HZ) == pytest.approx(AMPLITUDE, rel=0.05)
    assert amplitude_at(window, ORIGINAL_HZ) < 0.01


def test_bounce_plays_backward_after_the_last_frame(rendered) -> None:
    """After frame 49 of a 2 s clip, bounce shows 48, 47, ... and turns again at frame 0."""
    _, out = rendered("bounce", "audio_longer")
    assert out.numbers[48:52] == [48, 49, 48, 47]
    assert out.numbers[96:100] == [2, 1, 0, 1]


def test_silence_holds_the_last_frame_and_pads_silence(rendered) -> None:
    """With 3 s of audio over a 5 s video, silence keeps all frames and is quiet after 3 s."""
    _, out = rendered("silence", "audio_shorter")
    assert out.numbers[-1] == 124
    assert rms(out.window(0.2, 2.6)) == pytest.approx(AMPLITUDE / np.sqrt(2), rel=0.05)
    assert rms(out.window(3.1, 1.8)) < 0.002


def test_silence_holds_the_last_frame_while_the_audio_goes_on(rendered) -> None:
    """With 6 s of audio over a 2 s video, frame 49 stays on screen until the audio ends."""
    _, out = rendered("silence", "audio_longer")
    assert set(out.numbers[49:]) == {49}
    assert rms(out.window(5.0, 0.8)) == pytest.approx(AMPLITUDE / np.sqrt(2), rel=0.05)


def test_every_frame_carries_the_caption(rendered, inputs: Inputs) -> None:
    """A caption strip covers the bottom of each frame; the picture above it is the source's."""
    _, out = rendered("cut_off", "audio_longer")
    source = gray_frames(inputs.clip_2s)
    for index in (0, 25, 49):
        rendered_frame, original = out.frames[index].astype(int), source[index].astype(int)
        strip = rendered_frame[-14:]
        assert np.abs(strip - original[-14:]).mean() > 40
        assert strip.min() < 40 and strip.max() > 120  # dark strip, bright text
        assert np.abs(rendered_frame[:-20] - original[:-20]).mean() < 4


def test_output_is_h264_and_aac_in_a_progressive_mp4(inputs: Inputs) -> None:
    """The file is H.264 yuv420p + AAC at the source frame rate, with its index before the media."""
    out_path = inputs.work / "format.mp4"
    fit_to_audio(inputs.clip_2s, inputs.tone_3s, out_path, sync_mode="loop")
    out = probe(out_path)
    assert (out.video_codec, out.audio_codec, out.pix_fmt) == ("h264", "aac", "yuv420p")
    assert out.fps == FPS
    data = out_path.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")
    assert not out_path.with_name(out_path.name + ".part").exists()


def test_odd_sized_rgb_source_becomes_even_yuv420p(inputs: Inputs) -> None:
    """A 161x121 RGB source renders as 160x120, which H.264 in yuv420p requires."""
    out_path = inputs.work / "odd.mp4"
    result = fit_to_audio(inputs.odd_clip, inputs.tone_3s, out_path, sync_mode="cut_off")
    out = probe(out_path)
    assert (result.width, result.height) == out.size == (160, 120)
    assert out.pix_fmt == "yuv420p"
    assert out.video_seconds == pytest.approx(1, abs=FRAME)


def test_bounce_spilled_to_disk_plays_the_same(inputs: Inputs, monkeypatch) -> None:
    """With room for three frames in memory, the rest go to disk and bounce still plays right."""
    frame_bytes = 320 * 240 * 3 // 2
    monkeypatch.setattr(render_frames, "FRAME_MEMORY_BUDGET", 3 * frame_bytes)
    out_path = inputs.work / "bounce_spilled.mp4"
    fit_to_audio(inputs.clip_2s, inputs.tone_6s, out_path, sync_mode="bounce")
    numbers = [frame_number(frame) for frame in gray_frames(out_path)]
    assert numbers == expected_numbers("bounce", 50, 150)
    assert [p.name for p in inputs.work.iterdir() if p.name.startswith("frames-")] == []


def test_frame_store_spills_past_its_budget_and_reuses_slots(tmp_path: Path) -> None:
    """Frames past the memory budget go to disk, come back intact, and free their slot."""
    frames = [np.full((6, 4), index, np.uint8) for index in range(5)]
    with render_frames.FrameStore(tmp_path, budget=2 * 24) as store:
        for index, frame in enumerate(frames):
            store.put(index, frame)
        assert store.spilled == 3
        assert all((store.get(index) == frames[index]).all() for index in range(5))
        store.drop(3)
        store.put(7, np.full((6, 4), 7, np.uint8))
        assert store.spilled == 3
        assert 3 not in store and (store.get(7) == 7).all() and (store.get(4) == 4).all()


def test_frames_in_order_holds_the_last_frame_of_a_short_source(tmp_path: Path) -> None:
    """If decoding yields fewer frames than counted, the last decoded frame is shown instead."""
    source = iter([np.full((2, 2), index, np.uint8) for index in range(3)])
    order = np.array([0, 1, 2, 3, 4, 1])
    shown = [int(f[0, 0]) for f in render_frames.frames_in_order(source, order, tmp_path)]
    assert shown == [0, 1, 2, 2, 2, 1]


def test_unknown_sync_mode_is_refused(inputs: Inputs) -> None:
    """A sync_mode AusyncLab does not document raises ValueError and writes nothing."""
    out_path = inputs.work / "unknown.mp4"
    with pytest.raises(ValueError, match="sync_mode must be one of"):
        fit_to_audio(inputs.clip_2s, inputs.tone_3s, out_path, sync_mode="stretch")
    assert not out_path.exists()


# ---------------------------------------------------------------- kling_mix


def kling(inputs: Inputs, name: str, video: Path, **fields: float) -> tuple[RenderResult, Probe]:
    out_path = inputs.work / f"kling_{name}.mp4"
    return kling_mix(video, inputs.steps_6s, out_path, **fields), probe(out_path)


def test_kling_inserts_the_trimmed_sound_at_the_insert_time(inputs: Inputs) -> None:
    """Sound [1 s, 3 s] inserted at 1.5 s plays from 1.5 s to 3.5 s, within 30 ms."""
    fields = dict(sound_start_ms=1000, sound_end_ms=3000, sound_insert_ms=1500)
    _, out = kling(inputs, "timing", inputs.clip_5s, **fields, original_audio_volume=0)
    loud = np.flatnonzero(np.abs(out.audio) > AMPLITUDE / 2)
    assert loud[0] / RATE == pytest.approx(1.5, abs=0.03)
    assert loud[-1] / RATE == pytest.approx(3.5, abs=0.03)


def test_kling_trims_the_sound_from_its_start_time(inputs: Inputs) -> None:
    """The inserted sound begins with second 1 of the audio (700 Hz), then second 2 (900 Hz)."""
    fields = dict(sound_start_ms=1000, sound_end_ms=3000, sound_insert_ms=1500)
    _, out = kling(inputs, "trim", inputs.clip_5s, **fields, original_audio_volume=0)
    assert dominant_hz(out.window(1.6, 0.5)) == pytest.approx(700, abs=3)
    assert dominant_hz(out.window(2.7, 0.5)) == pytest.approx(900, abs=3)


@pytest.mark.parametrize(
    ("sound_volume", "original_audio_volume"), [(1.0, 1.0), (0.5, 2.0), (1.5, 0.5)]
)
def test_kling_volumes_scale_each_track(
    inputs: Inputs, sound_volume: float, original_audio_volume: float
) -> None:
    """The inserted sound and the video's own sound are scaled by their volumes and added."""
    _, out = kling(
        inputs,
        f"volume_{sound_volume}_{original_audio_volume}",
        inputs.clip_5s,
        sound_start_ms=1000,
        sound_end_ms=3000,
        sound_insert_ms=1500,
        sound_volume=sound_volume,
        original_audio_volume=original_audio_volume,
    )
    original = ORIGINAL_AMPLITUDE * original_audio_volume
    before, inside = out.window(0.5, 0.5), out.window(1.75, 0.5)
    assert amplitude_at(before, ORIGINAL_HZ) == pytest.approx(original, rel=0.05, abs=0.005)
    assert amplitude_at(before, 700) < 0.005
    assert amplitude_at(inside, ORIGINAL_HZ) == pytest.approx(original, rel=0.05, abs=0.005)
    assert amplitude_at(inside, 700) == pytest.approx(AMPLITUDE * sound_volume, rel=0.05)


def test_kling_output_lasts_as_long_as_the_video(inputs: Inputs) -> None:
    """All 125 frames of the 5 s video are kept, and the sound track lasts 5 s too."""
    result, out = kling(
        inputs, "length", inputs.clip_5s, sound_start_ms=0, sound_end_ms=6000, sound_insert_ms=0
    )
    assert out.numbers == list(range(125))
    assert out.video_seconds == pytest.approx(5, abs=FRAME)
    assert out.audio_seconds == pytest.approx(5, abs=FRAME)
    assert result.duration == pytest.approx(5, abs=FRAME)


def test_kling_over_a_silent_video_is_the_sound_over_silence(inputs: Inputs) -> None:
    """A video without sound gets the inserted sound and silence elsewhere, cut at its end."""
    result, out = kling(
        inputs, "silent", inputs.clip_2s, sound_start_ms=0, sound_end_ms=2000, sound_insert_ms=1000
    )
    assert rms(out.window(0.0, 0.95)) < 0.002
    assert amplitude_at(out.window(1.25, 0.5), 500) == pytest.approx(AMPLITUDE, rel=0.05)
    assert out.audio_seconds == pytest.approx(2, abs=FRAME)
    assert result.duration == pytest.approx(2, abs=FRAME)


def test_kling_caption_is_on_every_frame(inputs: Inputs) -> None:
    """Kling outputs carry the sandbox caption strip too."""
    _, out = kling(
        inputs, "caption", inputs.clip_2s, sound_start_ms=0, sound_end_ms=2000, sound_insert_ms=0
    )
    assert all(frame[-14:].min() < 40 and frame[-14:].max() > 120 for frame in out.frames)


# ---------------------------------------------------------------- thumbnail


def test_thumbnail_is_a_small_jpeg_of_the_first_good_frame(inputs: Inputs) -> None:
    """A 640x360 video with a black leader gives a 480x270 JPEG of a picture, not of black."""
    out_path = inputs.work / "thumb.jpg"
    thumbnail(inputs.wide_clip, out_path)
    data = out_path.read_bytes()
    assert data[:3] == b"\xff\xd8\xff"
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (270, 480, 3)
    assert image[60:].mean() > 60


def test_thumbnail_carries_a_sandbox_tag(inputs: Inputs) -> None:
    """The top-left corner holds a dark tag with light text where the picture is bright."""
    out_path = inputs.work / "thumb_tag.jpg"
    thumbnail(inputs.clip_2s, out_path)
    image = cv2.imread(str(out_path), cv2.IMREAD_GRAYSCALE)
    assert image.shape == (240, 320)
    corner, beside = image[:10, :45], image[:10, 100:145]
    assert corner.min() < 50 and corner.max() > 120
    assert beside.min() > 90


# ---------------------------------------------------------------- unreadable inputs


@pytest.mark.parametrize(
    ("video", "audio", "message"),
    [
        ("garbage", "tone_3s", "The video file could not be read"),
        ("clip_2s", "garbage", "The audio file could not be read"),
        ("missing", "tone_3s", "The video file was not found"),
        ("clip_2s", "missing", "The audio file was not found"),
        ("tone_3s", "tone_3s", "The video file has no picture track"),
        ("clip_5s", "clip_2s", "The audio file has no sound track"),
    ],
)
def test_unreadable_inputs_raise_media_validation_error(
    inputs: Inputs, video: str, audio: str, message: str
) -> None:
    """Bad, missing or trackless inputs raise MediaValidationError with a sentence, and no file."""
    paths = {"missing": inputs.work / "missing.mp4"}
    video_path = paths.get(video) or getattr(inputs, video)
    audio_path = paths.get(audio) or getattr(inputs, audio)
    out_path = inputs.work / f"bad_{video}_{audio}.mp4"
    for render in (
        lambda: fit_to_audio(video_path, audio_path, out_path, sync_mode="loop"),
        lambda: kling_mix(
            video_path, audio_path, out_path, sound_start_ms=0, sound_end_ms=2000, sound_insert_ms=0
        ),
    ):
        with pytest.raises(MediaValidationError, match=message) as raised:
            render()
        assert str(raised.value).endswith(".")
    assert not out_path.exists()


def test_unreadable_video_has_no_thumbnail(inputs: Inputs) -> None:
    """A file that is not a video raises MediaValidationError instead of a PyAV error."""
    out_path = inputs.work / "garbage.jpg"
    with pytest.raises(MediaValidationError, match="could not be read"):
        thumbnail(inputs.garbage, out_path)
    assert not out_path.exists()


# ---------------------------------------------------------------- the arithmetic


@pytest.mark.parametrize(
    ("sync_mode", "source", "output", "expected"),
    [
        ("loop", 3, 7, [0, 1, 2, 0, 1, 2, 0]),
        ("bounce", 3, 9, [0, 1, 2, 1, 0, 1, 2, 1, 0]),
        ("bounce", 1, 3, [0, 0, 0]),
        ("remap", 4, 8, [0, 0, 1, 1, 2, 2, 3, 3]),
        ("remap", 6, 3, [0, 2, 4]),
        ("cut_off", 5, 3, [0, 1, 2]),
        ("silence", 2, 4, [0, 1, 1, 1]),
    ],
)
def test_frame_indices(sync_mode: str, source: int, output: int, expected: list[int]) -> None:
    """Each sync_mode maps output frames to source frames as documented."""
    assert frame_indices(sync_mode, source, output).tolist() == expected


@pytest.mark.parametrize(
    ("sync_mode", "video", "audio", "expected"),
    [(mode, 2.0, 6.0, EXPECTED_SECONDS[mode, "audio_longer"]) for mode in SYNC_MODES]
    + [(mode, 5.0, 3.0, EXPECTED_SECONDS[mode, "audio_shorter"]) for mode in SYNC_MODES],
)
def test_output_seconds(sync_mode: str, video: float, audio: float, expected: float) -> None:
    """cut_off keeps the shorter length, silence the longer, the others the audio's."""
    assert output_seconds(sync_mode, video, audio) == expected


@pytest.mark.parametrize(
    ("sound", "length", "expected"), [(4, 2, Span(0, 2, 0)), (4, 6, Span(0, 4, 0))]
)
def test_a_fitted_sound_is_cut_to_the_length_or_followed_by_silence(
    sound: int, length: int, expected: Span
) -> None:
    """Audio plays from its start, cut to the output's length (the rest is silence)."""
    assert fitted_span(sound, length) == expected


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(100, Span(0, 900, 100, 0.5)), (-100, Span(100, 900, 0, 0.5)), (0, Span(0, 1000, 0, 0.5))],
    ids=["starts-later", "starts-earlier", "together"],
)
def test_a_videos_own_sound_is_aligned_to_its_first_frame(offset: int, expected: Span) -> None:
    """Sound starting after the first frame is delayed; before it, its head is dropped."""
    assert aligned_span(1000, offset, 1000, 0.5) == expected


def test_kling_sound_clamps_times_outside_the_sound_and_the_video() -> None:
    """An end past the sound and an insert running past the video are cut, not refused."""
    span = kling_sound_span(
        48_000, 48_000, sound_start_ms=500, sound_end_ms=9000, sound_insert_ms=750
    )
    assert span == Span(skip=24_000, count=12_000, at=36_000)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(0, 100, None), (100, 200, (10, 60, 50)), (160, 300, (20, 80, 0)), (220, 300, None)],
)
def test_a_span_tells_what_it_plays_in_a_window(
    start: int, end: int, expected: tuple[int, int, int] | None
) -> None:
    """Samples 10-80 played from output sample 150: what falls in each window, and where."""
    assert Span(10, 70, 150).window(start, end) == expected


def test_caption_text_is_the_documented_sentence() -> None:
    """The caption says plainly that no lip movement was generated."""
    assert SANDBOX_CAPTION == "SANDBOX RENDER - no lip movement generated"
