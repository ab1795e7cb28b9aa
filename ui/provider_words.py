"""Each provider and model in plain words: what it is, its price, its limits, where each is said.

Provider and model names and documented values stay as the providers write them (``prime``,
``advanced-lip-sync``, ``videotalking``, PTC), each with a short explanation. The figures come
from the core (:mod:`lipsync_core.pricing`, :mod:`lipsync_core.media.limits`); only the words
are here.
"""

from __future__ import annotations

from lipsync_core.errors import provider_display_name
from lipsync_core.formats import figure
from lipsync_core.i18n import N_, _
from lipsync_core.media.limits import MediaLimits, ModelLimits, limits_for
from lipsync_core.pricing import (
    KLING_IDENTIFY_FACE_PTC,
    KLING_LIP_SYNC_PTC,
    Price,
    price_for,
)

# The words below are English, marked for the catalogue (:func:`N_`) and translated where they
# are shown (``_(PTC_WORDS)``); the functions answer in the reader's language.

# The document each provider's price comes from, named as a person would look for it.
DOCUMENTS = {
    "ausynclab": N_("AusyncLab price list"),
    "kling": N_("302.ai's Kling price list"),
    "twinsync": N_("TwinSync API document"),
}
PTC_WORDS = N_(
    "PTC: 302.ai's prepaid credits, which Kling is paid in (302.ai sells 1 PTC for 1 USD)"
)
MODEL_WORDS: dict[tuple[str, str], str] = {
    ("ausynclab", "prime"): N_(
        "AusyncLab's standard lip-sync model; AusyncLab first registers the video (the dashboard "
        "does that for you), then lip-syncs it to the audio"
    ),
    ("ausynclab", "nova"): N_(
        "AusyncLab's premium lip-sync model; it takes the video and the audio as they are, and "
        "costs far more than Prime"
    ),
    ("kling", "advanced-lip-sync"): N_(
        'Kling\'s lip-sync (its "advanced-lip-sync"), reached through the 302.ai gateway; Kling '
        "first finds the faces in the video, you choose one, then it makes the video"
    ),
    ("twinsync", "videotalking"): N_(
        'TwinSync\'s lip replacement service (its API calls it "videotalking"), which takes a '
        "video and an audio and replaces the speaker's lips"
    ),
}


def model_words(provider: str, model: str) -> str:
    """What a provider's model is, in one phrase."""
    words = MODEL_WORDS.get((provider, model))
    return _(words) if words else f"{provider_display_name(provider)} {model}"


def document_words(provider: str) -> str:
    """The document a provider's price comes from (the provider's name if none is known)."""
    document = DOCUMENTS.get(provider)
    return _(document) if document else provider_display_name(provider)


def number(value: float) -> str:
    """``5000`` → ``5,000``, ``0.077`` → ``0.077``: no trailing zeros, the language's
    separators."""
    return figure(value, 6)


def price_words(price: Price) -> str:
    """The price in plain words, its unit translated: ``50 credits per second of audio``."""
    if price.per_second is not None:
        return _("{amount} {unit} per second of audio").format(
            amount=number(price.per_second), unit=price.unit
        )
    if price.per_job is not None:
        return _(
            "{amount} PTC per job: {identify} PTC per call to find the faces + {lip_sync} PTC per "
            "lip-sync task, whatever the length"
        ).format(
            amount=number(price.per_job),
            identify=number(KLING_IDENTIFY_FACE_PTC),
            lip_sync=number(KLING_LIP_SYNC_PTC),
        )
    return _("not published: set the team's own price per second of audio")


def source_words(price: Price) -> str:
    """Where the price is said, for the Prices table: the document's name and what it says."""
    document = document_words(price.provider)
    if price.per_second is not None:
        return _("{document}: {model}, {price}").format(
            document=document, model=price.model.capitalize(), price=price_words(price)
        )
    if price.per_job is not None:
        return _(
            "{document}: identify-face (finding the faces) {identify} PTC per call, "
            "advanced-lip-sync {lip_sync} PTC per call"
        ).format(
            document=document,
            identify=number(KLING_IDENTIFY_FACE_PTC),
            lip_sync=number(KLING_LIP_SYNC_PTC),
        )
    return _("{document}: no price published").format(document=document)


def limits_words(limits: ModelLimits) -> str:
    """The provider's published limits in one sentence, or that it publishes none."""
    name = provider_display_name(limits.provider)
    if not limits.published:
        return _(
            "{name} publishes no limits on file type, size or length; the dashboard checks only "
            "that the video has a picture and the audio a sound track."
        ).format(name=name)
    return _("Video: {video}. Audio: {audio}.").format(
        video=_medium_words(limits.video), audio=_medium_words(limits.audio)
    )


def _or_list(items: list[str]) -> str:
    """``.mp4 or .mov or .webm``."""
    said = items[0]
    for item in items[1:]:
        said = _("{choices} or {choice}").format(choices=said, choice=item)
    return said


def _medium_words(limits: MediaLimits) -> str:
    parts = []
    if limits.extensions:
        parts.append(_or_list([f".{ext}" for ext in limits.extensions]))
    if limits.max_bytes:
        parts.append(_("at most {size} MB").format(size=limits.max_bytes // (1024 * 1024)))
    if limits.min_seconds is not None and limits.max_seconds is not None:
        parts.append(
            _("{shortest}–{longest} s long").format(
                shortest=number(limits.min_seconds), longest=number(limits.max_seconds)
            )
        )
    if limits.short_sides:
        parts.append(_or_list([f"{side}p" for side in limits.short_sides]))
    if limits.min_side is not None and limits.max_side is not None:
        parts.append(
            _("each side {smallest}–{largest} px").format(
                smallest=limits.min_side, largest=limits.max_side
            )
        )
    return ", ".join(parts) or _("no published limits")


CONNECTION_WORDS = {
    "sandbox": N_("Sandbox: runs on this computer's emulator, costs nothing, and moves no lips."),
    "live": N_("Live: sent to the real provider, and paid for."),
}


def provider_help(provider: str, model: str, connection: str) -> str:
    """The "?" of a provider's tick on Submit: what it is, its price, its limits, where it runs."""
    price = price_for(provider, model)
    where = CONNECTION_WORDS.get(connection.lower())
    document = _(DOCUMENTS[provider]) if provider in DOCUMENTS else provider
    lines = [
        f"**{model_words(provider, model)}.**",
        _("**Price**: {price} ({document}).").format(price=price_words(price), document=document),
        _("**Limits**: {limits}").format(limits=limits_words(limits_for(provider, model))),
        _(where) if where else connection,
    ]
    if price.unit == "PTC":
        lines.insert(2, _(PTC_WORDS) + ".")
    return "\n\n".join(lines)
