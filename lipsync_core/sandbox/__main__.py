"""``python -m lipsync_core.sandbox``: serve the three emulated APIs until Ctrl-C or SIGTERM.

Prints one ``<provider> <base_url>`` line per provider (what each client takes as
``base_url``), then serves. The sandbox accepts the API key given by ``--api-key``.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from lipsync_core.sandbox.config import SandboxConfig
from lipsync_core.sandbox.server import SandboxServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lipsync_core.sandbox",
        description="Emulate AusyncLab, Kling (302.ai) and TwinSync on this machine.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--job-seconds", type=float, default=6.0, help="time from submission to a final state"
    )
    parser.add_argument("--api-key", default="sandbox", help="the key every provider accepts")
    parser.add_argument(
        "--twinsync-success-code",
        type=int,
        choices=(100, 103),
        default=100,
        help="how a finished TwinSync task is reported: 100 with result_url, as the document's "
        "example (default), or 103, as its status table",
    )
    parser.add_argument(
        "--ausynclab-empty-list",
        type=int,
        choices=(404, 200),
        default=404,
        help="how AusyncLab answers an empty list: 404, as its document lists (default), or "
        "200 with an empty result",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="inputs and outputs (default: the state file's folder, else a temp folder)",
    )
    parser.add_argument(
        "--state-file",
        type=Path,
        default=None,
        help="keep jobs, sessions and tasks in this JSON file across restarts",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = SandboxConfig(
        job_seconds=args.job_seconds,
        api_key=args.api_key,
        twinsync_success_code=args.twinsync_success_code,
        empty_list_404=args.ausynclab_empty_list == 404,
        data_dir=args.data_dir,
        state_file=args.state_file,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with SandboxServer(config, host=args.host, port=args.port) as server:
        for provider, base_url in server.base_urls.items():
            print(provider, base_url)
        print(end="", flush=True)
        try:
            while not stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
