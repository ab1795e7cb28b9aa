"""Run every benchmark in turn (``make bench``), or the ones named: ``python -m bench probe``."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = {
    "probe": "bench.bench_probe",
    "faces": "bench.bench_faces",
    "render": "bench.bench_render",
    "poll_economy": "bench.poll_economy",
    "history": "bench.bench_history",
    "quality_jobs": "bench.bench_quality_jobs",
    "status_page": "bench.bench_status_page",
    "receiver": "bench.bench_receiver",
    "memory": "bench.bench_memory",
    "quality": "bench.bench_quality",
    "provider_reads": "bench.bench_provider_reads",
    "team": "bench.bench_team",
    "compare_page": "bench.bench_compare_page",
    "languages": "bench.bench_languages",
}


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    for name in chosen:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(BENCHMARKS[name]).main()
        print(f"--- {name} took {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
