"""``python -m ui.serve [streamlit options]``: start the dashboard's services, then Streamlit.

The refresher, the receiver and the sandbox start before anyone opens a page, so jobs are
followed, results copied and callbacks taken from the first second (``streamlit run app.py``
alone starts them on the first page). Options after the module name go to ``streamlit run``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.web import cli

from lipsync_core.errors import LipsyncError
from lipsync_core.worker import describe
from ui.runtime import start_before_pages

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(argv: list[str] | None = None) -> int:
    try:
        runtime = start_before_pages()
    except LipsyncError as exc:
        print(f"The dashboard did not start: {exc}", flush=True)
        return 2
    for line in describe(runtime.services):
        print(line, flush=True)
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    try:
        cli.main()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    finally:
        runtime.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
