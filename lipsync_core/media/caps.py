"""The most of one input this app decodes, derived from the providers' published limits.

:data:`DECODE_CAPS` bounds every file this app decodes (the face check, the sandbox's renders),
whatever provider it is for: the largest published limits (:mod:`lipsync_core.media.limits`;
only Kling publishes any) with a margin, so that no file a provider could take is refused, while a
small file built to exhaust memory (a 10000×10000 picture, hours of silence) is refused before
any frame is decoded. Figures a file states can lie, so decoders are capped too
(:meth:`DecodeCaps.decoder_options`) and the sandbox stops reading sound at the length cap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lipsync_core.errors import MediaValidationError
from lipsync_core.media.limits import LIMITS, ModelLimits

MIB = 1024 * 1024


@dataclass(frozen=True)
class DecodeCaps:
    """The most of one input this app decodes: sides and picture in px, length, file size."""

    max_side: int
    max_pixels: int
    max_seconds: float
    max_bytes: int

    def decoder_options(self) -> dict[str, str]:
        """FFmpeg options that make its decoders refuse a larger picture (also one that a file
        switches to mid-stream, or that opening a file would decode to learn its format)."""
        return {"max_pixels": str(self.max_pixels)}


def derived_caps(limits: Iterable[ModelLimits]) -> DecodeCaps:
    """The published maxima with a margin: sides ×2, picture ×4, length ×10, size ×5.

    From Kling's 2160 px, 1080p, 60 s and 100 MB: 4320 px, 9.3 million pixels (4K UHD and DCI 4K
    fit), 10 minutes, 500 MB.
    """
    published = [model for model in limits if model.published]
    media = [medium for model in published for medium in (model.video, model.audio)]
    side = max(m.max_side for m in media if m.max_side)
    short = max(s for m in media for s in m.short_sides or ())
    return DecodeCaps(
        max_side=2 * side,
        max_pixels=4 * side * short,
        max_seconds=10 * max(m.max_seconds for m in media if m.max_seconds),
        max_bytes=5 * max(m.max_bytes for m in media if m.max_bytes),
    )


DECODE_CAPS = derived_caps(LIMITS.values())
DECODER_OPTIONS = DECODE_CAPS.decoder_options()


def ensure_decodable(
    name: str,
    *,
    width: int | None = None,
    height: int | None = None,
    seconds: float | None = None,
    size_bytes: int | None = None,
    caps: DecodeCaps = DECODE_CAPS,
) -> None:
    """Refuse, in plain words, media larger than any provider takes (``name``: what to call it,
    as a sentence starts: "The video"). Figures not known are not judged."""
    too_big = f"{name} is larger than any lip-sync provider accepts"
    if (
        width
        and height
        and (max(width, height) > caps.max_side or width * height > caps.max_pixels)
    ):
        raise MediaValidationError(
            f"{too_big}: its picture is {width}×{height} px (at most {caps.max_side} px a "
            f"side and {caps.max_pixels / 1e6:.1f} million pixels are read)."
        )
    if seconds is not None and seconds > caps.max_seconds:
        raise MediaValidationError(
            f"{too_big}: it lasts {_minutes(seconds)} (at most {_minutes(caps.max_seconds)} "
            "are read)."
        )
    if size_bytes is not None and size_bytes > caps.max_bytes:
        raise MediaValidationError(
            f"{too_big}: it is {size_bytes / MIB:,.0f} MB (at most "
            f"{caps.max_bytes / MIB:,.0f} MB are read)."
        )


def _minutes(seconds: float) -> str:
    """``601`` → "10 min 1 s", ``600`` → "10 min", ``10800`` → "180 min"."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes:,} min" + (f" {rest} s" if rest else "")
