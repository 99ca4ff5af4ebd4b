"""The whole conformance suite passes against the embedded emulator: a failure here is a bug in
the spec, the suite or the emulator, to be fixed where it lies."""

from __future__ import annotations

import subprocess
import sys

from cbr_conformance.paths import suite_dir, suite_root


def test_the_suite_passes_against_the_embedded_emulator() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(suite_dir()),
            "-q",
            "-n",
            "2",
            "-p",
            "no:cacheprovider",
            "--fuzz-examples",
            "5",
        ],
        cwd=suite_root(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary


def test_the_hand_built_tests_pass_under_the_strict_profile_too() -> None:
    """Under the reference's letter (--profile strict) the hand-built requests must stay ones the
    spec allows (e.g. no offset=0, which the letter forbids) and the emulator's answers conform."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(suite_dir()),
            "-q",
            "-n",
            "2",
            "-p",
            "no:cacheprovider",
            "--profile",
            "strict",
            "-k",
            "not fuzz and not stateful",
        ],
        cwd=suite_root(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
