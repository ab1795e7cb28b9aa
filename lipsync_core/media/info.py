"""What a probe found about a media file: the one record the prober, the limits and the caps
share (its own module, so the limits need not import the prober)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaInfo:
    """What a probe found; figures in seconds, pixels and bytes, ``None`` when not known."""

    source: str
    format_name: str | None
    extension: str | None
    size_bytes: int | None
    duration: float | None
    video_codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    video_duration: float | None
    audio_codec: str | None
    audio_duration: float | None
    audio_sample_rate: int | None

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None
