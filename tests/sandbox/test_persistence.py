"""A sandbox with a state file survives a restart on another port, as a real provider would.

Each test runs one server, stops it with jobs in flight, and starts a second server on the same
configuration (its old port held, so the new one differs), then drives it with the real clients.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from lipsync_core import AusyncLabClient, KlingClient, TwinSyncClient
from lipsync_core.errors import InvalidRequestError, NotFoundError
from lipsync_core.providers.ausynclab import AusyncLabState
from lipsync_core.providers.kling import FaceChoice, FaceIdentification, KlingTaskStatus
from lipsync_core.providers.twinsync import TwinSyncState
from lipsync_core.sandbox import SandboxConfig, SandboxServer

from .support import CallbackReceiver, TinyMedia

JOB_SECONDS = 20.0
KEY = "sandbox"


def persistent_config(tmp_path: Path, **changes: Any) -> SandboxConfig:
    data_dir = tmp_path / "sandbox"
    settings: dict[str, Any] = {"job_seconds": JOB_SECONDS, **changes}
    return SandboxConfig(data_dir=data_dir, state_file=data_dir / "state.json", **settings)


@contextmanager
def restarted(config: SandboxConfig, old_port: int) -> Iterator[SandboxServer]:
    """A new server on the same state file and data folder, on a port other than ``old_port``."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", old_port))
        server = SandboxServer(config).start()
    try:
        assert server.port != old_port
        yield server
        assert server.wait_idle(60) and not server.errors
    finally:
        server.stop()


def finish(server: SandboxServer) -> None:
    """Let every render end, then move the clock past every job's time."""
    assert server.wait_idle(60)
    server.clock.advance(JOB_SECONDS)


def served(server: SandboxServer, url: str | None) -> bytes:
    """The bytes behind an output URL, which must point at ``server``'s files."""
    assert url is not None and url.startswith(server.base_url + "/files/"), url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    return response.content


def choice(identified: FaceIdentification, sound: Path) -> FaceChoice:
    face = identified.faces[0]
    return FaceChoice(
        face_id=face.face_id,
        sound_file=sound.as_uri(),
        sound_start_time=0,
        sound_end_time=3000,
        sound_insert_time=face.start_time,
    )


def test_jobs_at_every_provider_finish_after_a_restart_on_another_port(
    tmp_path: Path,
    tiny: TinyMedia,
    sample_video_path: Path,
    sample_audio_path: Path,
    callback_receiver: CallbackReceiver,
) -> None:
    """Jobs in flight at stop finish on the new server, their outputs served at its port."""
    config = persistent_config(tmp_path)
    with SandboxServer(config) as first:
        ausynclab = AusyncLabClient(KEY, first.base_urls["ausynclab"])
        kling = KlingClient(KEY, first.base_urls["kling"])
        nova = ausynclab.generate_lipsync_v2(
            tiny.video_url, tiny.audio_url, model="nova", callback_url=callback_receiver.url
        ).video_id
        identified = kling.identify_face(sample_video_path.as_uri())
        faces = [choice(identified, sample_audio_path)]
        kling.create_lip_sync(identified.session_id, faces, external_task_id="ext-restart")
        task_id = TwinSyncClient(KEY, first.base_urls["twinsync"]).submit(
            tiny.audio_url, tiny.video_url
        )
        old_port = first.port
    with restarted(config, old_port) as second:
        ausynclab = AusyncLabClient(KEY, second.base_urls["ausynclab"])
        kling = KlingClient(KEY, second.base_urls["kling"])
        twinsync = TwinSyncClient(KEY, second.base_urls["twinsync"])
        assert ausynclab.get_generated_video(nova).state is not AusyncLabState.COMPLETED
        finish(second)
        generated = ausynclab.get_generated_video(nova)
        lip_sync = kling.get_lip_sync("ext-restart")
        result = twinsync.get_status(task_id)
        assert generated.state is AusyncLabState.COMPLETED
        assert lip_sync.status is KlingTaskStatus.SUCCEED
        assert result.state is TwinSyncState.SUCCEEDED
        for url in (generated.output_video_url, lip_sync.videos[0].url, result.result_url):
            assert served(second, url)[4:8] == b"ftyp"
        assert served(second, generated.thumbnail_url)[:2] == b"\xff\xd8"
        [payload] = callback_receiver.wait_for(1)
        assert (payload["video_id"], payload["status"]) == (nova, "COMPLETED")
        assert payload["video_url"] == generated.output_video_url


def test_ids_continue_and_a_registered_video_still_generates_after_a_restart(
    tmp_path: Path, tiny: TinyMedia
) -> None:
    """AusyncLab never reuses an id (even a deleted one) and keeps its registrations' state."""
    config = persistent_config(tmp_path)
    with SandboxServer(config) as first:
        client = AusyncLabClient(KEY, first.base_urls["ausynclab"])
        kept = client.register_video(tiny.video_url, name="kept")
        deleted = client.register_video(tiny.video_url)
        client.delete_registered_video(deleted)
        finish(first)
        old_port = first.port
    with restarted(config, old_port) as second:
        client = AusyncLabClient(KEY, second.base_urls["ausynclab"])
        registered = client.get_registered_video(kept)
        assert (registered.name, registered.state) == ("kept", AusyncLabState.COMPLETED)
        assert served(second, registered.thumbnail_url)[:2] == b"\xff\xd8"
        with pytest.raises(NotFoundError):
            client.get_registered_video(deleted)
        generated = client.generate_lipsync(kept, tiny.audio_url)
        assert generated == deleted + 1
        finish(second)
        video = client.get_generated_video(generated)
        assert video.state is AusyncLabState.COMPLETED
        assert served(second, video.output_video_url)[4:8] == b"ftyp"


def test_a_kling_session_outlives_a_restart_until_its_ttl(
    tmp_path: Path, sample_video_path: Path, sample_audio_path: Path
) -> None:
    """A session identified before the restart is still valid after it, and still expires."""
    config = persistent_config(tmp_path, kling_session_ttl_seconds=100)
    with SandboxServer(config) as first:
        identified = KlingClient(KEY, first.base_urls["kling"]).identify_face(
            sample_video_path.as_uri()
        )
        first.clock.advance(60)
        old_port = first.port
    with restarted(config, old_port) as second:
        # The session is checked when the task is created; its render is not needed here.
        second.add_fault("kling", "POST", "advanced-lip-sync", "fail_job")
        kling = KlingClient(KEY, second.base_urls["kling"])
        faces = [choice(identified, sample_audio_path)]
        task = kling.create_lip_sync(identified.session_id, faces)
        assert task.status is KlingTaskStatus.SUBMITTED
        second.clock.advance(41)
        with pytest.raises(InvalidRequestError) as refused:
            kling.create_lip_sync(identified.session_id, faces)
        assert refused.value.provider_code == 1201
        assert refused.value.provider_message == "session_id is invalid or has expired"


@contextmanager
def stalled_url() -> Iterator[str]:
    """An http URL whose server accepts the connection and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/video.mp4"


def test_a_render_still_queued_at_stop_runs_after_the_restart(
    tmp_path: Path, tiny: TinyMedia, trust_host: Callable[[str], None]
) -> None:
    """With the only worker stuck on a download, a queued render is dropped at stop, then runs."""
    config = persistent_config(tmp_path, render_workers=1, download_timeout_seconds=2.0)
    with stalled_url() as stalled, SandboxServer(config) as first:
        trust_host(stalled)  # a local server the guard lets through, as a deployment would
        stuck = AusyncLabClient(KEY, first.base_urls["ausynclab"]).generate_lipsync_v2(
            stalled, tiny.audio_url
        )
        task_id = TwinSyncClient(KEY, first.base_urls["twinsync"]).submit(
            tiny.audio_url, tiny.video_url
        )
        old_port = first.port
    assert list((config.data_dir / "files").glob("twinsync-*")) == []
    with restarted(config, old_port) as second:
        finish(second)
        result = TwinSyncClient(KEY, second.base_urls["twinsync"]).get_status(task_id)
        assert result.state is TwinSyncState.SUCCEEDED
        assert served(second, result.result_url)[4:8] == b"ftyp"
        failed = AusyncLabClient(KEY, second.base_urls["ausynclab"]).get_generated_video(
            stuck.video_id
        )
        assert failed.state is AusyncLabState.FAILED


def test_an_output_lost_before_its_job_ended_is_rendered_again(
    tmp_path: Path, tiny: TinyMedia
) -> None:
    """A job not yet final whose output file is gone renders again after the restart."""
    config = persistent_config(tmp_path)
    with SandboxServer(config) as first:
        task_id = TwinSyncClient(KEY, first.base_urls["twinsync"]).submit(
            tiny.audio_url, tiny.video_url
        )
        assert first.wait_idle(30)
        old_port = first.port
    [lost] = (config.data_dir / "files").glob("twinsync-*.mp4")
    lost.unlink()
    with restarted(config, old_port) as second:
        finish(second)
        result = TwinSyncClient(KEY, second.base_urls["twinsync"]).get_status(task_id)
        assert result.state is TwinSyncState.SUCCEEDED
        assert served(second, result.result_url)[4:8] == b"ftyp"
        assert not (result.result_url or "").endswith(lost.name)


class HeldReceiver:
    """A callback endpoint that records each payload, then answers only once released."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.received: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                with receiver.arrived:
                    receiver.received.append(json.loads(self.rfile.read(length)))
                    receiver.arrived.notify_all()
                receiver.released.wait(10)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reads what arrived, not a log."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def held_receiver(trust_host: Callable[[str], None]) -> Iterator[HeldReceiver]:
    receiver = HeldReceiver()
    trust_host(receiver.url)
    yield receiver
    receiver.close()


def test_a_callback_not_yet_sent_at_stop_is_sent_after_the_restart(
    tmp_path: Path, tiny: TinyMedia, held_receiver: HeldReceiver
) -> None:
    """Both senders stuck on a slow receiver: the third callback waits in the state file."""
    config = persistent_config(tmp_path, job_seconds=0, callback_timeout_seconds=1.0)
    with SandboxServer(config) as first:
        client = AusyncLabClient(KEY, first.base_urls["ausynclab"])
        ids = {client.register_video(tiny.video_url, callback_url=held_receiver.url) for _ in "abc"}
        assert first.wait_idle(30)
        assert len(held_receiver.wait_for(2)) == 2
        old_port = first.port
    saved = json.loads(config.state_file.read_text(encoding="utf-8"))  # type: ignore[union-attr]
    [pending] = saved["pending_callbacks"]
    assert [ok for _, _, ok in first.callbacks_sent] == [False, False]
    held_receiver.released.set()
    with restarted(config, old_port) as second:
        received = held_receiver.wait_for(3)
        assert {payload["video_id"] for payload in received} == ids
        assert received[2] == pending["payload"]
        assert wait_until(lambda: second.callbacks_sent != [])
        assert [(url, ok) for url, _, ok in second.callbacks_sent] == [(held_receiver.url, True)]


CORRUPT_STATES = {
    "not JSON": b"{not json",
    "not an object": b"[]",
    "another version": b'{"version": 99}',
    "missing fields": b'{"version": 1}',
    "a bad value": json.dumps(
        {
            "version": 1,
            "clock_offset": 0,
            "pending_callbacks": [],
            "stores": {"ausynclab": {"next_id": "x", "registered": [], "generated": []}},
        }
    ).encode(),
}


@pytest.mark.parametrize("content", CORRUPT_STATES.values(), ids=CORRUPT_STATES.keys())
def test_a_corrupt_state_file_is_kept_aside_and_the_sandbox_starts_empty(
    tmp_path: Path, tiny: TinyMedia, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    """A state file that cannot be read becomes <name>.corrupt with a warning; nothing crashes."""
    config = persistent_config(tmp_path)
    state_file = config.state_file
    assert state_file is not None
    state_file.parent.mkdir(parents=True)
    state_file.write_bytes(content)
    with caplog.at_level(logging.WARNING, "lipsync_core.sandbox"), SandboxServer(config) as server:
        client = AusyncLabClient(KEY, server.base_urls["ausynclab"])
        assert client.list_registered_videos() == []
        assert client.register_video(tiny.video_url) == 1
        assert server.wait_idle(30) and not server.errors
    kept = state_file.with_name("state.json.corrupt")
    assert kept.read_bytes() == content
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "starts empty" in warning.getMessage() and str(kept) in warning.getMessage()
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    assert [video["id"] for video in saved["stores"]["ausynclab"]["registered"]] == [1]
