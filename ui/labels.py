"""How the pages name providers, models and lists of them, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from lipsync_core.flows.model import target_display_name
from lipsync_core.providers.ausynclab import SYNC_MODE_DESCRIPTIONS, SyncMode


def target_label(provider: str, model: str) -> str:
    """``AusyncLab Prime``, ``Kling``: a provider's name, with the model where there are two."""
    return target_display_name(provider, model)


def and_list(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def sync_mode_words(sync_mode: str) -> str:
    """``bounce: play the video forward, then backward, …``: the mode and what it does."""
    return f"{sync_mode}: {SYNC_MODE_DESCRIPTIONS[SyncMode(sync_mode)]}"
