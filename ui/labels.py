"""How the pages name providers, models and lists of them, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from lipsync_core.flows.model import target_display_name
from lipsync_core.i18n import _
from lipsync_core.providers.ausynclab import SYNC_MODE_DESCRIPTIONS, SyncMode


def target_label(provider: str, model: str) -> str:
    """``AusyncLab Prime``, ``Kling``: a provider's name, with the model where there are two."""
    return target_display_name(provider, model)


def and_list(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) == 1:
        return names[0]
    return _("{names} and {last}").format(names=", ".join(names[:-1]), last=names[-1])


def sync_mode_words(sync_mode: str) -> str:
    """``bounce: play the video forward, then backward, …``: the mode and what it does."""
    description = _(SYNC_MODE_DESCRIPTIONS[SyncMode(sync_mode)])
    return _("{sync_mode}: {description}").format(sync_mode=sync_mode, description=description)
