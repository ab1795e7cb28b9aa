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
from lipsync_core.formats import duration, number
from lipsync_core.i18n import DEFAULT_LANGUAGE, N_, _, current_language
from lipsync_core.media.limits import LIMITS, ModelLimits

MIB = 1024 * 1024
# What callers call the media they check (``name`` of :func:`ensure_decodable`), in the catalogue.
NAMES = (N_("The video"), N_("The audio"))


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
    as a sentence starts: "The video", one of :data:`NAMES`). Figures not known are not
    judged."""
    name = _(name)
    if (
        width
        and height
        and (max(width, height) > caps.max_side or width * height > caps.max_pixels)
    ):
        text = _(
            "{name} is larger than any lip-sync provider accepts: its picture is "
            "{width}×{height} px (at most {side} px a side and {pixels} million pixels are read)."
        )
        pixels = number(round(caps.max_pixels / 1e6, 1), 1)
        raise MediaValidationError(
            text.format(name=name, width=width, height=height, side=caps.max_side, pixels=pixels)
        )
    if seconds is not None and seconds > caps.max_seconds:
        text = _(
            "{name} is larger than any lip-sync provider accepts: it lasts {length} (at most "
            "{most} are read)."
        )
        raise MediaValidationError(
            text.format(name=name, length=_minutes(seconds), most=_minutes(caps.max_seconds))
        )
    if size_bytes is not None and size_bytes > caps.max_bytes:
        text = _(
            "{name} is larger than any lip-sync provider accepts: it is {size} MB (at most "
            "{most} MB are read)."
        )
        raise MediaValidationError(
            text.format(
                name=name,
                size=number(round(size_bytes / MIB), 0),
                most=number(round(caps.max_bytes / MIB), 0),
            )
        )


def _minutes(seconds: float) -> str:
    """``601`` → "10 min 1 s", ``600`` → "10 min", ``10800`` → "180 min" (in English; the
    language's own units elsewhere)."""
    if current_language() != DEFAULT_LANGUAGE:
        return duration(seconds)
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes:,} min" + (f" {rest} s" if rest else "")
