"""The idempotency key of an intended submission: same form and salt, same key; any change, new."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lipsync_core.flows.model import JobInputs, JobOptions, KlingFace
from lipsync_core.submission import SERVICE_OPTIONS, intent_key

REPO = Path(__file__).resolve().parents[2]
TARGETS = [("ausynclab", "prime"), ("twinsync", "videotalking")]
INPUTS = {
    "video_url": "https://media.example/face.mp4",
    "audio_url": "https://media.example/speech.wav",
    "audio_duration": 5.0,
}
FORM: dict[str, Any] = {
    "targets": TARGETS,
    "inputs": JobInputs(**INPUTS),
    "options": JobOptions(),
    "title": "Greeting",
    "salt": "session-1",
}
# One other value for every field of the inputs and of the options (kept complete by a test).
OTHER_INPUTS: dict[str, Any] = {
    "video_url": "https://media.example/other.mp4",
    "video_path": "data/uploads/face.mp4",
    "video_name": "face.mp4",
    "audio_url": "https://media.example/other.wav",
    "audio_path": "data/uploads/speech.wav",
    "audio_name": "speech.wav",
    "registered_video_id": 7,
    "audio_duration": 5.5,
    "video_duration": 4.0,
}
OTHER_OPTIONS: dict[str, Any] = {
    "sync_mode": "bounce",
    "use_v2": True,
    "session_id": "session-42",
    "faces": [KlingFace(face_id="0", start_time=0, end_time=4000)],
    "face_id": "0",
    "sound_start_time": 500,
    "sound_end_time": 4000,
    "sound_insert_time": 0,
    "sound_volume": 1.5,
    "original_audio_volume": 0.0,
}


def key(**changes: Any) -> str:
    """The key of FORM with some of its arguments changed."""
    return intent_key(**{**FORM, **changes})


def test_the_same_form_and_salt_give_the_same_key() -> None:
    """The same form built again (new objects, same values) is the same submission."""
    again = intent_key(
        [tuple(target) for target in TARGETS],
        JobInputs(**INPUTS),
        JobOptions(),
        "Greeting",
        "session-1",
    )
    assert again == key()
    assert re.fullmatch(r"intent-[0-9a-f]{40}", again)


def test_the_key_is_the_same_in_another_process() -> None:
    """Nothing per process (hash seed, set order) goes into the key: a script gets it again."""
    code = (
        "from tests.core.test_submission import key\n"
        "print(key(targets=[('twinsync', 'videotalking'), ('kling', 'advanced-lip-sync'),"
        " ('ausynclab', 'nova')]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    targets = [("ausynclab", "nova"), ("kling", "advanced-lip-sync"), ("twinsync", "videotalking")]
    assert run.stdout.strip() == key(targets=targets)


@pytest.mark.parametrize(
    "targets",
    [
        list(reversed(TARGETS)),
        [*TARGETS, TARGETS[0]],
        tuple(TARGETS),
        iter(TARGETS),
    ],
    ids=["reversed", "repeated", "tuple", "iterator"],
)
def test_the_order_and_repeats_of_the_targets_do_not_change_the_key(targets: Any) -> None:
    """Targets are a set: a comparison of A and B is the one of B and A (one job per pair)."""
    assert key(targets=targets) == key()


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("targets", TARGETS[:1]),
        ("targets", [*TARGETS, ("kling", "advanced-lip-sync")]),
        ("targets", [("ausynclab", "nova"), ("twinsync", "videotalking")]),
        ("targets", []),
        ("title", "Greeting, take 2"),
        ("title", None),
        ("title", ""),
        ("salt", "session-2"),
        ("salt", ""),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_a_change_of_targets_title_or_salt_makes_a_new_key(argument: str, value: Any) -> None:
    """Another provider or model, another title, or another salt is another submission."""
    assert key(**{argument: value}) != key()


@pytest.mark.parametrize(("field", "value"), OTHER_INPUTS.items(), ids=list(OTHER_INPUTS))
def test_a_change_of_any_input_makes_a_new_key(field: str, value: Any) -> None:
    """Other media (or another measured length) is another submission."""
    assert key(inputs=JobInputs(**{**INPUTS, field: value})) != key()


@pytest.mark.parametrize(("field", "value"), OTHER_OPTIONS.items(), ids=list(OTHER_OPTIONS))
def test_a_change_of_any_option_makes_a_new_key(field: str, value: Any) -> None:
    """Another sync mode, route, face or sound timing is another submission."""
    assert key(options=JobOptions(**{field: value})) != key()


def test_every_field_of_the_inputs_and_options_is_tried() -> None:
    """The tables above name every field, so a new field is tried too."""
    assert set(OTHER_INPUTS) == set(JobInputs.model_fields)
    assert set(OTHER_OPTIONS) == set(JobOptions.model_fields) - SERVICE_OPTIONS


def test_an_option_the_service_sets_itself_is_the_same_submission() -> None:
    """Reusing an earlier registration is the service's choice, not another thing asked for."""
    assert key(options=JobOptions(registration_reused=True)) == key()
