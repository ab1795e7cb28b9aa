"""The file types Submit's uploaders take: the ones the providers list.

Only Kling (through 302.ai) lists file types (``lipsync_core.media.limits``); AusyncLab and
TwinSync list none. The uploaders take the listed types that the dashboard can also keep
(:mod:`lipsync_core.uploads`), so a person is not offered a file type no provider names.
"""

from __future__ import annotations

from lipsync_core import uploads
from lipsync_core.errors import provider_display_name
from lipsync_core.i18n import N_, _
from lipsync_core.media.limits import LIMITS
from ui.labels import and_list

KEPT = {"video": uploads.VIDEO_TYPES, "audio": uploads.AUDIO_TYPES}
# The uploader's "?", by kind: (who lists types, who lists none) both known; only the first;
# no provider lists any.
TYPES_HELP = {
    "video": (
        N_("Takes {types}: the video types {providers} lists; {others} list none."),
        N_("Takes {types}: the video types {providers} lists."),
        N_("Takes {types}: the video types No provider lists; {others} list none."),
    ),
    "audio": (
        N_("Takes {types}: the audio types {providers} lists; {others} list none."),
        N_("Takes {types}: the audio types {providers} lists."),
        N_("Takes {types}: the audio types No provider lists; {others} list none."),
    ),
}


def accepted_types(kind: str) -> list[str]:
    """The extensions (no dot) the uploader of ``kind`` takes, in the providers' order."""
    listed: list[str] = []
    for limits in LIMITS.values():
        for extension in getattr(limits, kind).extensions or ():
            if extension in KEPT[kind] and extension not in listed:
                listed.append(extension)
    return listed or list(KEPT[kind])


def types_help(kind: str) -> str:
    """The uploader's "?": which types, and who lists them."""
    listing = sorted(
        {provider_display_name(m.provider) for m in LIMITS.values() if getattr(m, kind).extensions}
    )
    silent = sorted({provider_display_name(m.provider) for m in LIMITS.values()} - set(listing))
    types = ", ".join(f".{extension}" for extension in accepted_types(kind))
    both, listed_only, none_listed = TYPES_HELP[kind]
    others = and_list(silent) if silent else ""
    if not listing:
        return _(none_listed).format(types=types, others=others)
    message = both if silent else listed_only
    return _(message).format(types=types, providers=and_list(listing), others=others)
