"""The clients accept every documented shape and the variants a real server may send."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer

from lipsync_core.errors import UnexpectedResponseError
from lipsync_core.providers.ausynclab import AusyncLabState
from lipsync_core.providers.kling import KlingTaskStatus
from lipsync_core.providers.twinsync import TwinSyncState

AUSYNC = "/api/v1/lipsync"
KLING_TASK = "/klingai/v1/videos/advanced-lip-sync/t1"
URL = "http://t/x.mp4"


def _generated(**overrides):
    row = {
        "id": 456,
        "registered_video_id": 123,
        "name": "Lipsync Video",
        "audio_url": "https://example.com/audio.wav",
        "created_at": "2025-01-04T08:35:12",
        "state": "PROCESSING",
    }
    return {**row, **overrides}


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2025-01-04T08:35:12", datetime(2025, 1, 4, 8, 35, 12, tzinfo=UTC)),
        ("2025-01-04T08:35:12.123456", datetime(2025, 1, 4, 8, 35, 12, 123456, tzinfo=UTC)),
        ("2025-01-04T08:35:12Z", datetime(2025, 1, 4, 8, 35, 12, tzinfo=UTC)),
        ("2025-01-04T15:35:12+07:00", datetime(2025, 1, 4, 8, 35, 12, tzinfo=UTC)),
        ("2025-01-04 08:35:12", datetime(2025, 1, 4, 8, 35, 12, tzinfo=UTC)),
    ],
)
def test_ausynclab_timestamps_become_aware_utc(
    httpserver: HTTPServer, ausynclab_scripted, wire, expected
):
    """Naive timestamps are UTC; fractions and zone suffixes are honoured."""
    httpserver.expect_request(f"{AUSYNC}/generate/456").respond_with_json(
        {"status": 200, "result": _generated(created_at=wire)}
    )
    video = ausynclab_scripted.get_generated_video(456)
    assert video.created_at == expected
    assert video.created_at.tzinfo is not None


def test_ausynclab_tolerates_string_ids_unknown_fields_and_missing_outputs(
    httpserver: HTTPServer, ausynclab_scripted
):
    """Ids as numeric strings, extra fields and a not-yet-there output URL all parse."""
    row = _generated(id="456", registered_video_id="123", credits_used=250, extra={"a": 1})
    httpserver.expect_request(f"{AUSYNC}/generate/456").respond_with_json(
        {"status": 200, "result": row, "trace": "x"}
    )
    video = ausynclab_scripted.get_generated_video(456)
    assert (video.id, video.registered_video_id) == (456, 123)
    assert video.state is AusyncLabState.PROCESSING
    assert video.output_video_url is None and video.thumbnail_url is None


def test_ausynclab_unknown_state_is_an_unexpected_response(
    httpserver: HTTPServer, ausynclab_scripted
):
    """A state outside PENDING/PROCESSING/COMPLETED/FAILED is refused, never guessed."""
    httpserver.expect_request(f"{AUSYNC}/generate/456").respond_with_json(
        {"status": 200, "result": _generated(state="ARCHIVED")}
    )
    with pytest.raises(UnexpectedResponseError, match="state"):
        ausynclab_scripted.get_generated_video(456)


def test_ausynclab_envelope_without_result_is_unexpected(
    httpserver: HTTPServer, ausynclab_scripted
):
    """A 200 answer without the documented envelope is refused with a clear message."""
    httpserver.expect_request(f"{AUSYNC}/generate/456").respond_with_json({"ok": True})
    with pytest.raises(UnexpectedResponseError, match="without a result"):
        ausynclab_scripted.get_generated_video(456)


def _kling_task(**data):
    base = {
        "task_id": "t1",
        "task_status": "succeed",
        "task_status_msg": "",
        "task_info": {"parent_video": {"id": "p1", "url": "https://x/p.mp4", "duration": "5.0"}},
        "task_result": {"videos": [{"id": "v1", "url": "https://x/v.mp4", "duration": "5.03"}]},
        "created_at": 1722769557708,
        "updated_at": "1722769560000",
    }
    return {"code": 0, "message": "SUCCEED", "request_id": "r1", "data": {**base, **data}}


def test_kling_task_parses_millisecond_times_and_string_durations(
    httpserver: HTTPServer, kling_scripted
):
    """Kling's ms timestamps (number or string) and "5.03" durations become datetimes/floats."""
    httpserver.expect_request(KLING_TASK).respond_with_json(_kling_task())
    task = kling_scripted.get_lip_sync("t1")
    assert task.status is KlingTaskStatus.SUCCEED
    assert task.created_at == datetime(2024, 8, 4, 11, 5, 57, 708000, tzinfo=UTC)
    assert task.updated_at == datetime(2024, 8, 4, 11, 6, tzinfo=UTC)
    assert task.videos[0].duration == pytest.approx(5.03)
    assert task.parent_video is not None and task.parent_video.duration == 5.0


def test_kling_task_without_result_yet_has_no_videos(httpserver: HTTPServer, kling_scripted):
    """A submitted task has no task_result (or an empty one); videos is an empty list."""
    httpserver.expect_request(KLING_TASK).respond_with_json(
        _kling_task(task_status="submitted", task_result=None, task_status_msg=None)
    )
    task = kling_scripted.get_lip_sync("t1")
    assert task.status is KlingTaskStatus.SUBMITTED
    assert task.videos == []


def test_kling_numeric_face_ids_become_strings(httpserver: HTTPServer, kling_scripted):
    """face_id is documented as a string but the document's own example sends 0."""
    body = {
        "code": 0,
        "message": "SUCCEED",
        "request_id": "r",
        "data": {
            "session_id": 98765,
            "face_data": [
                {"face_id": 0, "face_image": "https://x/f.jpg", "start_time": 0, "end_time": 5200}
            ],
        },
    }
    httpserver.expect_request("/klingai/v1/videos/identify-face", method="POST").respond_with_json(
        body
    )
    found = kling_scripted.identify_face("https://example.com/v.mp4")
    assert found.session_id == "98765"
    assert [(f.face_id, f.start_time, f.end_time) for f in found.faces] == [("0", 0, 5200)]


def test_kling_unknown_task_status_is_an_unexpected_response(
    httpserver: HTTPServer, kling_scripted
):
    """A task_status outside the documented enum is refused."""
    httpserver.expect_request(KLING_TASK).respond_with_json(_kling_task(task_status="paused"))
    with pytest.raises(UnexpectedResponseError):
        kling_scripted.get_lip_sync("t1")


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        ({"result_code": 101, "msg": "waiting"}, TwinSyncState.WAITING),
        ({"result_code": 102, "msg": "running"}, TwinSyncState.RUNNING),
        (
            {"result_code": 103, "result_url": "http://t/x.mp4", "msg": "done"},
            TwinSyncState.SUCCEEDED,
        ),
        (
            {"result_code": 100, "result_url": "http://t/x.mp4", "msg": "done"},
            TwinSyncState.SUCCEEDED,
        ),
        ({"result_code": 100, "msg": "queued"}, TwinSyncState.WAITING),
        ({"result_code": 104, "msg": "failed"}, TwinSyncState.FAILED),
    ],
)
def test_twinsync_status_codes_map_to_states(
    httpserver: HTTPServer, twinsync_scripted, answer, state
):
    """101/102/103/104, and the document's own 100-with-result_url, map to one state each."""
    httpserver.expect_request("/videotalking", query_string="taskID=t1").respond_with_json(answer)
    task = twinsync_scripted.get_status("t1")
    assert (task.state, task.code, task.result_url) == (
        state,
        answer["result_code"],
        answer.get("result_url"),
    )


@pytest.mark.parametrize(
    "answer",
    [
        {"result_code": 999, "msg": "??"},
        {"result_code": 103, "msg": "done but no url"},
        {"msg": "no code at all"},
    ],
)
def test_twinsync_unusable_status_is_an_unexpected_response(
    httpserver: HTTPServer, twinsync_scripted, answer
):
    """An unknown code, a success without its URL, or no code at all is refused clearly."""
    httpserver.expect_request("/videotalking", query_string="taskID=t1").respond_with_json(answer)
    with pytest.raises(UnexpectedResponseError):
        twinsync_scripted.get_status("t1")


def test_twinsync_submit_accepts_a_numeric_task_id(httpserver: HTTPServer, twinsync_scripted):
    """A task id sent as a number is returned as text."""
    httpserver.expect_request("/videotalking", method="POST").respond_with_json(
        {"task_id": 20230423, "result_code": 100, "msg": "SUCCESS!"}
    )
    assert twinsync_scripted.submit("https://x/a.wav", "https://x/v.mp4") == "20230423"
