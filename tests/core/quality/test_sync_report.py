"""SyncReport: one plain sentence per outcome, and a JSON-ready round trip for storing it."""

from __future__ import annotations

import json

import pytest

from lipsync_core.quality import SyncReport

FOLLOW = "The lips follow the audio"
MEASURED = SyncReport(120.4, 0.91, True, face_share=0.98, largest_face_ratio=0.45, duration_s=10.0)


@pytest.mark.parametrize(
    ("report", "sentence"),
    [
        (SyncReport(40.0, 0.9, True), "The lips follow the audio in time (offset +40 ms)."),
        (SyncReport(-12.6, 0.9, True), "The lips follow the audio in time (offset -13 ms)."),
        (SyncReport(120.4, 0.9, True), f"{FOLLOW}, which runs 120 ms ahead of them."),
        (SyncReport(-200.0, 0.8, True), f"{FOLLOW}, which runs 200 ms behind them."),
        (SyncReport(None, 0.2, False), "The mouth does not move with the speech."),
        (
            SyncReport(None, None, False, reason="No face was found in the video."),
            "No face was found in the video.",
        ),
    ],
)
def test_summary_is_one_plain_sentence(report: SyncReport, sentence: str) -> None:
    """Each outcome reads as a sentence with the offset's side spelled out."""
    assert report.summary() == sentence


def test_report_survives_a_json_round_trip() -> None:
    """to_dict gives JSON-ready data that from_dict turns back into the same report."""
    report = SyncReport(
        None, None, False, face_share=0.0, reason="The audio is silent.", notes=("A note.",)
    )
    for original in (MEASURED, report):
        stored = json.loads(json.dumps(original.to_dict()))
        assert SyncReport.from_dict(stored) == original


def test_stored_report_with_unknown_keys_is_read() -> None:
    """Keys a later version adds are ignored when an older one reads the report."""
    stored = {**MEASURED.to_dict(), "added_later": 1}
    assert SyncReport.from_dict(stored) == MEASURED


def test_report_names_its_method() -> None:
    """Every report carries the method's name, so stored reports can be measured again."""
    assert MEASURED.method == "lip-landmarks-1"
    assert MEASURED.to_dict()["method"] == "lip-landmarks-1"
