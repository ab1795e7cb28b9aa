"""The sandbox's settings: one frozen object, passed to every part of the emulator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROVIDERS = ("ausynclab", "kling", "twinsync")

# Where each provider's API lives on the one sandbox server; the client appends its paths.
BASE_PATHS = {
    "ausynclab": "/ausynclab/api/v1/lipsync",
    "kling": "/kling",
    "twinsync": "/twinsync",
}


@dataclass(frozen=True)
class SandboxConfig:
    """How the emulated providers behave.

    ``job_seconds`` is the time from submission to a job's final state (on the sandbox clock);
    ``twinsync_success_code`` is 100 with ``result_url`` (the document's own example, which its
    example client waits for) or 103 (the document's status table);
    ``empty_list_404`` makes AusyncLab's empty lists a 404, as its document lists for them;
    ``state_file`` keeps what a real provider would keep (jobs, sessions, tasks, id counters, the
    clock) across restarts. The files it names live in ``data_dir``, which then defaults to the
    state file's folder rather than a temporary one, so they outlive the server too.
    """

    job_seconds: float = 6.0
    api_key: str = "sandbox"
    kling_session_ttl_seconds: float = 86400
    twinsync_success_code: int = 100
    empty_list_404: bool = True
    data_dir: Path | None = None
    max_download_bytes: int = 200 * 1024 * 1024
    download_timeout_seconds: float = 30.0
    callback_timeout_seconds: float = 3.0
    render_workers: int = 4
    state_file: Path | None = None
    # The folders whose files ``file://`` media links may name; ``None``: the deployment's
    # uploads folder (``<LIPSYNC_DATA_DIR>/uploads``) and the shipped samples.
    media_folders: tuple[Path, ...] | None = None

    def __post_init__(self) -> None:
        if self.job_seconds < 0:
            raise ValueError("job_seconds must not be negative")
        if self.twinsync_success_code not in (100, 103):
            raise ValueError("twinsync_success_code must be 100 or 103")
