"""The Makefile: `make run` says what it is doing before each slow step."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def dry_run(target: str, tmp_path: Path) -> list[str]:
    """The commands ``make -n <target>`` would run for a fresh checkout (no ``.venv`` yet)."""
    make = shutil.which("make")
    assert make is not None, "make is needed to build and run the dashboard"
    shutil.copy(REPO / "Makefile", tmp_path / "Makefile")
    done = subprocess.run(
        [make, "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.splitlines()


@pytest.mark.parametrize(
    ("message", "before"),
    [
        ("Making a Python environment", "-m venv .venv"),
        ("Installing the dashboard's packages", "pip install --disable-pip-version-check -r "
         "requirements.txt"),
        ("Starting the dashboard", "-m ui.serve"),
    ],
)  # fmt: skip
def test_make_run_announces_each_step_before_it_runs(tmp_path, message, before):
    """Each slow step of `make run` is preceded by an echo saying what it does."""
    lines = dry_run("run", tmp_path)
    said = next(i for i, line in enumerate(lines) if line.startswith("echo") and message in line)
    step = next(i for i, line in enumerate(lines) if before in line)
    assert said < step


def test_make_run_installs_the_packages_with_their_progress_shown(tmp_path):
    """The package install of `make run` is not silenced: pip lists what it collects."""
    (install,) = [line for line in dry_run("run", tmp_path) if "-r requirements.txt" in line]
    assert "--quiet" not in install and " -q" not in install
