"""Writing a sandbox render: H.264 (yuv420p) + AAC in an .mp4 a browser can play as it downloads.

``movflags=+faststart`` puts the index (moov) before the media, and audio is written alongside
the video frame by frame, so the two tracks are interleaved; the sound is asked for window by
window (an :class:`AudioSource`), never held whole. The file is written under a
temporary name in the same folder and renamed when complete: whoever serves ``out_path`` never
sees half a file.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Protocol

import av
import numpy as np

from lipsync_core.sandbox.render_timeline import AUDIO_RATE

# ultrafast: on two cores a 10 s 720p render takes about a quarter of real time with it, against
# about half with veryfast, and the sandbox may render three providers' jobs at once. The files
# are about twice as large, which does not matter when they are served over loopback.
VIDEO_OPTIONS = {"preset": "ultrafast", "crf": "23"}
# Above 1080p the encoder runs on one thread without look-ahead: each x264 thread holds frames of
# its own, about 12 MB each at 4K (a 4K render's peak: 0.22 GB instead of 0.33 GB).
LARGE_PICTURE_PIXELS = 1920 * 1088
LARGE_PICTURE_OPTIONS = {**VIDEO_OPTIONS, "tune": "zerolatency"}


class AudioSource(Protocol):
    """The output's sound: ``length`` samples, read forward in windows."""

    length: int

    def read(self, start: int, end: int) -> np.ndarray:
        """Samples ``[start, end)``, stereo float32."""
        ...


class Mp4Writer:
    """One output file: feed it yuv420p frames; the audio track is given up front."""

    def __init__(
        self, out_path: Path, *, width: int, height: int, fps: Fraction, audio: AudioSource
    ) -> None:
        self._final = Path(out_path)
        self._part = self._final.with_name(self._final.name + ".part")
        self._fps = fps
        self._audio = audio
        self._audio_sent = 0
        self.frames = 0
        self._container = av.open(
            str(self._part), "w", format="mp4", options={"movflags": "+faststart"}
        )
        large = width * height > LARGE_PICTURE_PIXELS
        options = LARGE_PICTURE_OPTIONS if large else VIDEO_OPTIONS
        self._video = self._container.add_stream("libx264", rate=fps, options=options)
        self._video.width, self._video.height = width, height
        self._video.pix_fmt = "yuv420p"
        if large:
            self._video.codec_context.thread_count = 1
        else:
            self._video.codec_context.thread_type = "AUTO"
        self._sound = self._container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._finish()
        else:
            self._abandon()

    def write_frame(self, planes: np.ndarray) -> None:
        """Encode one yuv420p frame, then the audio that plays up to its end."""
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts = self.frames
        self._container.mux(self._video.encode(frame))
        self.frames += 1
        self._write_audio(round(self.frames * AUDIO_RATE / self._fps))

    def _write_audio(self, until: int) -> None:
        """Encode the sound up to sample ``until``, a second at most per window."""
        until = min(until, self._audio.length)
        while self._audio_sent < until:
            end = min(until, self._audio_sent + AUDIO_RATE)
            chunk = np.ascontiguousarray(self._audio.read(self._audio_sent, end))
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self._audio_sent
            self._container.mux(self._sound.encode(frame))
            self._audio_sent = end

    def _finish(self) -> None:
        try:
            self._write_audio(self._audio.length)
            self._container.mux(self._video.encode(None))
            self._container.mux(self._sound.encode(None))
        except BaseException:
            self._abandon()
            raise
        self._container.close()
        os.replace(self._part, self._final)

    def _abandon(self) -> None:
        """Drop a file that will not be completed; an error closing it is moot."""
        with contextlib.suppress(av.FFmpegError, OSError):
            self._container.close()
        self._part.unlink(missing_ok=True)
