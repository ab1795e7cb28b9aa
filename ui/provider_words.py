"""Each provider and model in plain words: what it is, its price, its limits, where each is said.

Provider and model names and documented values stay as the providers write them (``prime``,
``advanced-lip-sync``, ``videotalking``, PTC), each with a short explanation. The figures come
from the core (:mod:`lipsync_core.pricing`, :mod:`lipsync_core.media.limits`); only the words
are here.
"""

from __future__ import annotations

from lipsync_core.errors import provider_display_name
from lipsync_core.media.limits import MediaLimits, ModelLimits, limits_for
from lipsync_core.pricing import (
    KLING_IDENTIFY_FACE_PTC,
    KLING_LIP_SYNC_PTC,
    Price,
    price_for,
)

# The document each provider's price comes from, named as a person would look for it.
DOCUMENTS = {
    "ausynclab": "AusyncLab price list",
    "kling": "302.ai's Kling price list",
    "twinsync": "TwinSync API document",
}
PTC_WORDS = "PTC: 302.ai's prepaid credits, which Kling is paid in (302.ai sells 1 PTC for 1 USD)"
MODEL_WORDS: dict[tuple[str, str], str] = {
    ("ausynclab", "prime"): (
        "AusyncLab's standard lip-sync model; AusyncLab first registers the video (the dashboard "
        "does that for you), then lip-syncs it to the audio"
    ),
    ("ausynclab", "nova"): (
        "AusyncLab's premium lip-sync model; it takes the video and the audio as they are, and "
        "costs far more than Prime"
    ),
    ("kling", "advanced-lip-sync"): (
        'Kling\'s lip-sync (its "advanced-lip-sync"), reached through the 302.ai gateway; Kling '
        "first finds the faces in the video, you choose one, then it makes the video"
    ),
    ("twinsync", "videotalking"): (
        'TwinSync\'s lip replacement service (its API calls it "videotalking"), which takes a '
        "video and an audio and replaces the speaker's lips"
    ),
}


def model_words(provider: str, model: str) -> str:
    """What a provider's model is, in one phrase."""
    return MODEL_WORDS.get((provider, model), f"{provider_display_name(provider)} {model}")


def number(value: float) -> str:
    """``5000`` → ``5,000``, ``0.077`` → ``0.077``: no trailing zeros."""
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def price_words(price: Price) -> str:
    """The price in plain words, its unit translated: ``50 credits per second of audio``."""
    if price.per_second is not None:
        return f"{number(price.per_second)} {price.unit} per second of audio"
    if price.per_job is not None:
        return (
            f"{number(price.per_job)} PTC per job: {number(KLING_IDENTIFY_FACE_PTC)} PTC per call "
            f"to find the faces + {number(KLING_LIP_SYNC_PTC)} PTC per lip-sync task, whatever "
            "the length"
        )
    return "not published: set the team's own price per second of audio"


def source_words(price: Price) -> str:
    """Where the price is said, for the Prices table: the document's name and what it says."""
    document = DOCUMENTS.get(price.provider, provider_display_name(price.provider))
    if price.per_second is not None:
        return f"{document}: {price.model.capitalize()}, {price_words(price)}"
    if price.per_job is not None:
        return (
            f"{document}: identify-face (finding the faces) {number(KLING_IDENTIFY_FACE_PTC)} PTC "
            f"per call, advanced-lip-sync {number(KLING_LIP_SYNC_PTC)} PTC per call"
        )
    return f"{document}: no price published"


def limits_words(limits: ModelLimits) -> str:
    """The provider's published limits in one sentence, or that it publishes none."""
    name = provider_display_name(limits.provider)
    if not limits.published:
        return (
            f"{name} publishes no limits on file type, size or length; the dashboard checks only "
            "that the video has a picture and the audio a sound track."
        )
    return f"Video: {_medium_words(limits.video)}. Audio: {_medium_words(limits.audio)}."


def _medium_words(limits: MediaLimits) -> str:
    parts = []
    if limits.extensions:
        parts.append(" or ".join(f".{ext}" for ext in limits.extensions))
    if limits.max_bytes:
        parts.append(f"at most {limits.max_bytes // (1024 * 1024)} MB")
    if limits.min_seconds is not None and limits.max_seconds is not None:
        parts.append(f"{number(limits.min_seconds)}–{number(limits.max_seconds)} s long")
    if limits.short_sides:
        parts.append(" or ".join(f"{side}p" for side in limits.short_sides))
    if limits.min_side is not None and limits.max_side is not None:
        parts.append(f"each side {limits.min_side}–{limits.max_side} px")
    return ", ".join(parts) or "no published limits"


CONNECTION_WORDS = {
    "sandbox": "Sandbox: runs on this computer's emulator, costs nothing, and moves no lips.",
    "live": "Live: sent to the real provider, and paid for.",
}


def provider_help(provider: str, model: str, connection: str) -> str:
    """The "?" of a provider's tick on Submit: what it is, its price, its limits, where it runs."""
    price = price_for(provider, model)
    lines = [
        f"**{model_words(provider, model)}.**",
        f"**Price**: {price_words(price)} ({DOCUMENTS.get(provider, provider)}).",
        f"**Limits**: {limits_words(limits_for(provider, model))}",
        CONNECTION_WORDS.get(connection.lower(), connection),
    ]
    if price.unit == "PTC":
        lines.insert(2, PTC_WORDS + ".")
    return "\n\n".join(lines)
