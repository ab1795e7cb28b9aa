"""Regenerate the sample media shipped in ``samples/``.

``samples/face.mp4``: 5 s, 1280×720, 25 fps, H.264 + AAC — a slow zoom over scikit-image's
``astronaut`` photograph (Eileen Collins, NASA, public domain) with her face visible throughout,
and a spoken sentence as the clip's own sound. ``samples/speech.wav``: about 5 s of English speech,
16 kHz mono, to lip-sync onto it. Both are deterministic: running this again gives the same
pictures and sounds.

Needs scikit-image (only for this script: ``.venv/bin/pip install scikit-image``) and espeak-ng
(``apt-get install espeak-ng``). Run: ``.venv/bin/python scripts/make_samples.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
WIDTH, HEIGHT, FPS, SECONDS = 1280, 720, 25, 5
SPEECH_RATE = 16_000
VIDEO_SOUND_RATE = 22_050
SPEECH_TEXT = "Hello! This is a sample voice for trying the lip sync dashboard."
VIDEO_SOUND_TEXT = "This is the original sound of the sample video, before lip sync."

# Windows (x, y, width) over the 512×512 photograph at the first and the last frame; the height
# is width × 9/16. The face is at about x 177-272, y 66-161, inside both windows.
FIRST_WINDOW = (0.0, 0.0, 512.0)
LAST_WINDOW = (33.0, 5.0, 384.0)


def astronaut_frames() -> Iterator[np.ndarray]:
    """RGB frames of a smooth zoom from the wide window to the close one (ease in and out)."""
    from skimage import data

    photo = data.astronaut()
    count = FPS * SECONDS
    for index in range(count):
        progress = 0.5 - 0.5 * np.cos(np.pi * index / (count - 1))
        x, y, w = (a + (b - a) * progress for a, b in zip(FIRST_WINDOW, LAST_WINDOW, strict=True))
        scale = WIDTH / w
        matrix = np.array([[scale, 0.0, -x * scale], [0.0, scale, -y * scale]])
        yield cv2.warpAffine(
            photo, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
        )


def speak(text: str, voice: str, rate: int) -> np.ndarray:
    """``text`` spoken by espeak-ng as mono signed 16-bit samples at ``rate`` Hz."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        sys.exit("espeak-ng is needed to make the speech: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run([espeak, "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
        return _decode_audio(wav, rate)


def _decode_audio(path: Path, rate: int) -> np.ndarray:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(chunks)


def fit(samples: np.ndarray, length: int) -> np.ndarray:
    """``samples`` cut or padded with silence to exactly ``length`` samples."""
    return np.pad(samples[:length], (0, max(0, length - len(samples))))


def write_face_clip(path: Path, sound: np.ndarray) -> None:
    """The astronaut zoom as H.264 (yuv420p, faststart) with ``sound`` as an AAC track."""
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"crf": "30", "preset": "veryslow", "tune": "stillimage"}
        audio = out.add_stream("aac", rate=VIDEO_SOUND_RATE, layout="mono")
        audio.bit_rate = 40_000
        for rgb in astronaut_frames():
            out.mux(video.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(video.encode(None))
        _encode_sound(out, audio, sound, VIDEO_SOUND_RATE)


def _encode_sound(
    out: av.container.OutputContainer,
    stream: av.audio.stream.AudioStream,
    sound: np.ndarray,
    rate: int,
) -> None:
    frame = av.AudioFrame.from_ndarray(sound.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
    out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def write_speech(path: Path, sound: np.ndarray) -> None:
    """``sound`` as 16-bit PCM WAV."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=SPEECH_RATE, layout="mono")
        _encode_sound(out, stream, sound, SPEECH_RATE)


def main() -> None:
    SAMPLES.mkdir(exist_ok=True)
    speech = speak(SPEECH_TEXT, "en-us+f3", SPEECH_RATE)
    write_speech(SAMPLES / "speech.wav", fit(speech, round(5.0 * SPEECH_RATE)))
    sound = speak(VIDEO_SOUND_TEXT, "en-us", VIDEO_SOUND_RATE)
    write_face_clip(SAMPLES / "face.mp4", fit(sound, SECONDS * VIDEO_SOUND_RATE))
    for name in ("face.mp4", "speech.wav"):
        print(f"{SAMPLES / name}: {(SAMPLES / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
