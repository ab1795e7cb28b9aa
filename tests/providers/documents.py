"""The documents' own example answers (seeds 000, 003, 004), success and error, per parser."""

from __future__ import annotations

from typing import Any

REGISTERED = {
    "id": 123,
    "name": "My Video",
    "video_url": "https://example.com/video.mp4",
    "thumbnail_url": "https://example.com/thumb.jpg",
    "created_at": "2025-01-04T08:33:42",
    "state": "COMPLETED",
}
GENERATED = {
    "id": 456,
    "registered_video_id": 123,
    "name": "Lipsync Video",
    "audio_url": "https://example.com/audio.wav",
    "output_video_url": "https://example.com/out.mp4",
    "thumbnail_url": "https://example.com/thumb.jpg",
    "created_at": "2025-01-04T08:35:12",
    "state": "PROCESSING",
}
AUSYNCLAB_ERRORS: list[Any] = [
    {"detail": "Video not found"},
    {"detail": [{"loc": ["body", "video_url"], "msg": "Field required", "type": "missing"}]},
    {"status": 422, "result": "bad"},
]


def _ausynclab(result: Any) -> list[Any]:
    return [{"status": 200, "result": result}, *AUSYNCLAB_ERRORS]


AUSYNCLAB: dict[str, list[Any]] = {
    "read_video_id": _ausynclab({"video_id": 789}),
    "read_ticket": _ausynclab(
        {"video_id": 789, "operation_id": "abc123-...", "message": "Your lipsync request is..."}
    ),
    "read_registered": _ausynclab(REGISTERED),
    "read_generated": _ausynclab(GENERATED),
    "read_deleted": _ausynclab({"id": 123, "message": "Deleted"}),
    "read_registered_list": _ausynclab([REGISTERED, {**REGISTERED, "id": 124}]),
    "read_generated_list": _ausynclab([GENERATED, {**GENERATED, "id": 457}]),
}

KLING_TASK = {
    "task_id": "t1",
    "task_status": "succeed",
    "task_status_msg": "",
    "task_info": {
        "external_task_id": "ext-1",
        "parent_video": {"id": "p1", "url": "https://x/p.mp4", "duration": "5.0"},
    },
    "task_result": {"videos": [{"id": "v1", "url": "https://x/v.mp4", "duration": "5.03"}]},
    "created_at": 1722769557708,
    "updated_at": "1722769560000",
}
KLING_FACES = {
    "session_id": "s1",
    "face_data": [
        {"face_id": 0, "face_image": "https://x/f.jpg", "start_time": 0, "end_time": 5200}
    ],
}
KLING_ERRORS: list[Any] = [
    {"code": 1102, "message": "resource pack exhausted", "request_id": "r1", "data": None},
    {"error": {"err_code": -10001, "message": "Invalid API key for 302.ai"}},
]


def _kling(data: Any) -> list[Any]:
    return [{"code": 0, "message": "SUCCEED", "request_id": "r1", "data": data}, *KLING_ERRORS]


KLING: dict[str, list[Any]] = {
    "read_identification": _kling(KLING_FACES),
    "read_task": _kling(KLING_TASK),
}

TWINSYNC: dict[str, list[Any]] = {
    "read_submit": [
        {"task_id": "20230423_11_23_05_10279", "result_code": 100, "msg": "SUCCESS! ..."},
        {"result_code": 201, "msg": "Invalid or missing access key"},
    ],
    "read_status": [
        {"result_url": "http://t/x.mp4", "result_code": 100, "msg": "has been completed"},
        {"result_code": 102, "msg": "running"},
        {"result_url": "http://t/x.mp4", "result_code": 103, "msg": "done"},
        {"result_code": 200, "msg": "taskID field is missing"},
    ],
}
