"""The whole conformance suite passes against the embedded emulator: a failure here is a bug in
the spec, the suite or the emulator, to be fixed where it lies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cbr_conformance.contract.links import linked_operations
from cbr_conformance.contract.spec import Contract
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


def test_valid_fuzz_cases_succeed_and_the_state_machine_reaches_every_linked_operation(
    tmp_path: Path,
) -> None:
    """At the default budget against the emulator: at least half of the valid cases of every
    mutating operation answer 2xx, and every operation the spec's links chain answers 2xx to a
    step of the state machine at least once."""
    command = [sys.executable, "-m", "cbr_conformance.cli", "run", "test_fuzz.py", "test_stateful.py"]
    result = subprocess.run(
        [*command, "--report-dir", str(tmp_path), "-k", "positive or stateful"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text(encoding="utf-8"))
    mutating = {t["operations"][0] for t in summary["tests"] if t.get("fuzz") and t["mutates"]}
    acceptance = summary["acceptance"]
    below = {op: acceptance[op] for op in mutating if (acceptance[op]["share"] or 0) < 0.5}
    assert mutating and not below, f"valid cases of these operations were mostly refused: {below}"
    chains = summary["chains"]
    assert set(chains) == set(linked_operations(Contract.load()))
    never = [operation for operation, count in chains.items() if not count]
    assert not never, f"linked operations the state machine never reached with a 2xx: {never}"
