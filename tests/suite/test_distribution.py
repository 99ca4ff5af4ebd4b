"""pytest-xdist runs the suite with the suite's scheduler, through the command and through pytest
alike, unless the user names a distribution of xdist's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cbr_conformance.paths import suite_dir

SELECTION = ["-k", "test_create_vault_echoes_its_input or test_show_vault"]
CLI = [sys.executable, "-m", "cbr_conformance.cli", "run"]
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(suite_dir())]


@pytest.mark.parametrize(
    ("command", "dist", "scheduler"),
    [
        ("cli", [], "PlannedScheduling"),
        ("cli", ["--dist", "load"], "LoadScheduling"),
        ("pytest", [], "PlannedScheduling"),
    ],
)
def test_the_suites_scheduler_unless_the_user_names_a_distribution(
    tmp_path: Path, command: str, dist: list[str], scheduler: str
) -> None:
    # a temporary folder of its own: other runs of the project's tests make plans at the same time
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    start = [*CLI, "--report-dir", str(tmp_path)] if command == "cli" else PYTEST
    result = subprocess.run(
        [*start, "-n", "2", "-v", *dist, *SELECTION],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(temporary)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    # xdist names the scheduler it was given, verbose
    assert f"scheduling tests via {scheduler}" in result.stdout
    assert " 2 passed" in result.stdout
    assert not list(temporary.glob("cbr-conformance-plan-*")), "the run left its plans behind"
