"""How long the clients take to read a provider's answer, with and without a key to redact.

Run: ``.venv/bin/python -m bench provider_reads``. It times ``AusyncLabClient.read_generated_list``
(the one list call that refreshes every AusyncLab job) on lists of 100 to 5,000 documented items,
and ``KlingClient.read_task`` on one task, with the sandbox's short key (nothing to redact) and a
real-length key (every string of the answer searched for the key's forms and fragments).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial

from lipsync_core import AusyncLabClient, KlingClient
from lipsync_core.http import Answer

KEYS = {"no redaction (sandbox key)": "sandbox", "40-char key": "sk-live-" + "0123456789abcdef" * 2}
ITEM = {
    "registered_video_id": 123,
    "audio_url": "https://example.com/audio.wav",
    "output_video_url": "https://example.com/out.mp4",
    "thumbnail_url": "https://example.com/thumb.jpg",
    "created_at": "2025-01-04T08:35:12",
    "state": "COMPLETED",
}
TASK = {
    "task_id": "t1",
    "task_status": "succeed",
    "task_status_msg": "",
    "task_info": {"parent_video": {"id": "p1", "url": "https://x/p.mp4", "duration": "5.0"}},
    "task_result": {"videos": [{"id": "v1", "url": "https://x/v.mp4", "duration": "5.03"}]},
    "created_at": 1722769557708,
    "updated_at": 1722769560000,
}


def _answer(body: object) -> Answer:
    return Answer(200, {"Content-Type": "application/json"}, json.dumps(body).encode())


def _best_ms(read: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        read()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    for label, key in KEYS.items():
        ausynclab = AusyncLabClient(key, "http://127.0.0.1:9")
        for count in (100, 1000, 5000):
            rows = [{**ITEM, "id": i, "name": f"Lipsync video · job-{i:06d}"} for i in range(count)]
            answer = _answer({"status": 200, "result": rows})
            ms = _best_ms(partial(ausynclab.read_generated_list, answer), 5)
            size = len(answer.content) // 1024
            print(f"{label}: AusyncLab list of {count:,} ({size} KB): {ms:.1f} ms")
        kling = KlingClient(key, "http://127.0.0.1:9")
        task = _answer({"code": 0, "message": "SUCCEED", "request_id": "r1", "data": TASK})
        print(f"{label}: one Kling task: {_best_ms(partial(kling.read_task, task), 200):.3f} ms")
