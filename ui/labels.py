"""How the pages name providers, models and lists of them, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from lipsync_core.errors import provider_display_name
from lipsync_core.providers.ausynclab import SYNC_MODE_DESCRIPTIONS, SyncMode

MODEL_NAMES = {"prime": "Prime", "nova": "Nova"}


def target_label(provider: str, model: str) -> str:
    """``AusyncLab Prime``, ``Kling``: a provider's name, with the model where there are two."""
    name = provider_display_name(provider)
    return f"{name} {MODEL_NAMES[model]}" if model in MODEL_NAMES else name


def and_list(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def sync_mode_words(sync_mode: str) -> str:
    """``bounce: play the video forward, then backward, …``: the mode and what it does."""
    return f"{sync_mode}: {SYNC_MODE_DESCRIPTIONS[SyncMode(sync_mode)]}"
