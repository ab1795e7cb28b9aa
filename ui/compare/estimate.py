"""'Estimate for my file': a length typed in, or a file probed, priced at every provider."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from lipsync_core import formats, media
from lipsync_core.errors import LipsyncError, MediaValidationError, provider_display_name
from lipsync_core.i18n import _, translate_stored
from lipsync_core.pricing import PRICES, estimate, to_currency
from lipsync_core.team import TeamSettings
from ui import keys
from ui.fields import about
from ui.plain import plain
from ui.uploads import AUDIO_TYPES, VIDEO_TYPES, Upload


def render_estimate(settings: TeamSettings) -> None:
    typed_col, file_col = st.columns(2)
    typed = typed_col.number_input(
        _("Length of the audio (seconds)"), min_value=0.1, max_value=3600.0, value=None,
        step=1.0, key=keys.COMPARE_DURATION, placeholder=_("e.g. 12.5"),
    )  # fmt: skip
    upload = file_col.file_uploader(
        _("…or the audio (or video) file"), type=AUDIO_TYPES + VIDEO_TYPES, key=keys.COMPARE_FILE
    )
    seconds = typed
    if upload is not None:
        try:
            seconds = measured_seconds(upload)
        except LipsyncError as exc:
            st.error(plain(about(_("Audio or video file"), str(exc))))
            return
        st.caption(
            _("{name} lasts {length} (its sound track, as measured).").format(
                name=plain(upload.name), length=formats.seconds(seconds)
            )
        )
    if seconds is None:
        st.caption(_("Type a length or choose a file to see what each provider would charge."))
        return
    st.dataframe(estimate_table(seconds, settings), hide_index=True, width="stretch")


def measured_seconds(upload: Upload) -> float:
    """The length of the upload's sound track (else of the file), probed once per upload."""
    cache: dict[str, float] = st.session_state.setdefault(keys.COMPARE_FILE_SECONDS, {})
    file_id = getattr(upload, "file_id", upload.name)
    if file_id not in cache:
        cache[file_id] = _probe(upload)
    return cache[file_id]


def _probe(upload: Upload) -> float:
    suffix = Path(upload.name).suffix
    with tempfile.TemporaryDirectory(prefix="lipsync-estimate-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(upload.getvalue())
        info = media.probe(path)
    seconds = info.audio_duration or info.duration
    if not seconds:
        raise MediaValidationError(
            _("The length of {name} could not be measured.").format(name=upload.name)
        )
    return float(seconds)


def estimate_table(seconds: float, settings: TeamSettings) -> pd.DataFrame:
    """What one job with ``seconds`` of audio costs at each provider/model."""
    currency = settings.rates.currency
    rows = []
    for provider, model in PRICES:
        cost = estimate(
            provider, model, seconds, twinsync_price_per_second=settings.twinsync_per_second
        )
        converted = to_currency(cost, settings.rates)
        rows.append(
            {
                _("Provider"): provider_display_name(provider),
                _("Model"): model,
                _("Cost"): translate_stored(cost.explanation),
                currency: converted,
            }
        )
    return pd.DataFrame(rows)
