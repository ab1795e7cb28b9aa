"""``make team``: try a team's set-up on this computer — PostgreSQL, one worker, two dashboards.

Starts a throwaway PostgreSQL cluster (Debian's server binaries, as the tests start theirs; its
data is gone when this stops), one ``python -m lipsync_core.worker`` (the refresher, result
copies and the receiver on port 8502) and two dashboards (``python -m ui.serve``) on ports 8501
and 8503, all on one database and the data directory ``data/team``. Providers without a key use
the directory's one sandbox. Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.postgres_server import PostgresServer  # noqa: E402  (after the path is set)

DASHBOARD_PORTS = (8501, 8503)


def main() -> int:
    data = ROOT / "data" / "team"
    data.mkdir(parents=True, exist_ok=True)
    print("Starting PostgreSQL (a throwaway cluster for trying this out)…", flush=True)
    server = PostgresServer().start()
    started: list[subprocess.Popen[bytes]] = []
    try:
        url = server.url(server.create_database("lipsync"))
        environ = {**os.environ, "LIPSYNC_DATABASE_URL": url, "LIPSYNC_DATA_DIR": str(data)}
        print("Starting the worker (receiver on port 8502)…", flush=True)
        started.append(launch([sys.executable, "-m", "lipsync_core.worker"], environ))
        for port in DASHBOARD_PORTS:
            started.append(
                launch(
                    [sys.executable, "-m", "ui.serve", "--server.port", str(port)],
                    {**environ, "LIPSYNC_RECEIVER_PORT": "off"},
                )
            )
        time.sleep(3)
        print("\nA team's set-up is running on one PostgreSQL database and data/team:")
        for port in DASHBOARD_PORTS:
            print(f"  dashboard  http://localhost:{port}")
        print("  worker     status checks, result copies, receiver on http://localhost:8502")
        print("Send a job on one dashboard and watch it on the other. Ctrl-C stops it all.\n")
        while all(process.poll() is None for process in started):
            time.sleep(0.5)
        print("A process stopped; stopping the rest.", flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            process.wait(timeout=30)
        server.stop()


def launch(command: list[str], environ: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env={**environ, "PYTHONPATH": str(ROOT)})


if __name__ == "__main__":
    raise SystemExit(main())
