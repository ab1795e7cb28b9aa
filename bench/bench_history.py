"""Status page rerun time with 10,000 jobs in the history (goal: at most 150 ms server side).

Run: ``.venv/bin/python -m bench.bench_history``. It fills a fresh SQLite file (in a temporary
folder) with 10,000 realistic jobs over 90 days, then times what the status page does on every
rerun — :meth:`JobService.history`: one page of jobs newest first, the counts per state, and
the "is anything still working" check — with no filter and with the page's filters.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.history_fill import fill_history, timed
from lipsync_core.config import load_settings
from lipsync_core.jobs import JobService, JobState
from lipsync_core.store import JobFilter, JobStore

RUNS = 50
GOAL_MS = 150.0
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-history-") as folder:
        settings = load_settings(
            {"LIPSYNC_SANDBOX": "off", "LIPSYNC_DATA_DIR": folder}, secrets_path=None
        )
        store = JobStore(settings.database_url)
        took = fill_history(store, now=NOW, output=Path(folder) / "outputs" / "result.mp4")
        print(
            f"history: {store.count():,} jobs in {Path(folder).name}/lipsync.db "
            f"(filled in {took:.1f} s)"
        )
        service = JobService(store, {}, settings)
        week = JobFilter(since=NOW - timedelta(days=7), until=NOW)
        cases = [
            ("page 1 of 25, no filter", None, 1, 25),
            ("page 1 of 50, no filter", None, 1, 50),
            ("page 40 of 25, no filter", None, 40, 25),
            ("Kling only, 25", JobFilter(providers=["kling"]), 1, 25),
            ("failed only, 25", JobFilter(states=[JobState.FAILED]), 1, 25),
            ("last 7 days, 25", week, 1, 25),
            (
                "AusyncLab + succeeded + 7 days, 50",
                JobFilter(
                    providers=["ausynclab"],
                    states=[JobState.SUCCEEDED],
                    since=week.since,
                    until=NOW,
                ),
                1,
                50,
            ),
        ]
        print(
            f"{'status page rerun (history(): page + counts + active check)':<62}"
            f"{'median':>8}{'p95':>8}"
        )
        worst = 0.0
        for label, filters, page, size in cases:
            median, p95 = timed(
                lambda f=filters, p=page, s=size: service.history(f, page=p, page_size=s), RUNS
            )
            worst = max(worst, p95)
            print(f"  {label:<60}{median:7.1f}ms{p95:6.1f}ms")
        verdict = "meets" if worst <= GOAL_MS else "MISSES"
        print(f"worst p95 {worst:.1f} ms: {verdict} the {GOAL_MS:.0f} ms goal")
        store.close()


if __name__ == "__main__":
    main()
