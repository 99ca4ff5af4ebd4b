"""The whole conformance suite passes against the embedded emulator: a failure here is a bug in
the spec, the suite or the emulator, to be fixed where it lies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cbr_conformance.contract.links import linked_operations
from cbr_conformance.contract.spec import Contract
from cbr_conformance.paths import suite_dir, suite_root
from cbr_conformance.results.summary import RunSummary, read_summary
from cbr_conformance.target.stalls import OPERATION_OF_STATE

CLI = [sys.executable, "-m", "cbr_conformance.cli"]


# What the main job did on a fixed seed: its verdict, each test's id and outcome, and what of the
# contract its exchanges left unexercised. A change of the library meant to leave behaviour alone
# leaves this unchanged; a change that adds or changes tests, or the emulator's answers, rewrites it
# on purpose: CBR_UPDATE_BEHAVIOUR=1 pytest tests/suite/test_suite_against_emulator.py -k behaves
BEHAVIOUR = Path(__file__).with_name("data") / "main_job_behaviour.json"
# The seed, a small budget, and the workers: which tests share a worker's emulator shapes its state.
FIXED = ["--fuzz-seed", "7", "--fuzz-examples", "5", "-n", "2"]
# Coverage that follows the emulator's timing is no behaviour of the suite's: the items the run
# marked timing-dependent (in either run), and an asynchronous state seen in passing (a backup
# still `protecting` when shown right after it was asked for, or already `available`).
PASSING_STATES = tuple(f"={state}" for state in OPERATION_OF_STATE)


def behaviour_of(summary: RunSummary) -> dict[str, Any]:
    data = summary.to_dict()
    coverage = data["coverage"]
    return {
        "verdict": data["verdict"],
        "tests": sorted(f"{t['test_id']} {t['nodeid']}: {t['outcome']}" for t in data["tests"]),
        "missed": {
            f"{operation} {category}": sorted(i for i in figures["missing"] if not i.endswith(PASSING_STATES))
            for operation, categories in coverage["operations"].items()
            for category, figures in categories.items()
            if isinstance(figures, dict)
        },
        "timed": sorted(f"{t['operation']} {t['category']} {t['item']}" for t in coverage.get("timed", [])),
    }


def _missed_apart_from(behaviour: dict[str, Any], timed: set[str]) -> dict[str, list[str]]:
    return {
        where: [item for item in items if f"{where} {item}" not in timed]
        for where, items in behaviour["missed"].items()
    }


def test_the_suite_passes_against_the_embedded_emulator_and_behaves_as_before(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "run", "--report-dir", str(tmp_path), *FIXED, "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    found = behaviour_of(read_summary(tmp_path / "latest"))
    if os.environ.get("CBR_UPDATE_BEHAVIOUR"):
        BEHAVIOUR.parent.mkdir(exist_ok=True)
        BEHAVIOUR.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(BEHAVIOUR.read_text(encoding="utf-8"))
    assert found["verdict"] == expected["verdict"]
    assert found["tests"] == expected["tests"], "the tests or their outcomes changed"
    timed = {*found["timed"], *expected["timed"]}
    missed, missed_before = _missed_apart_from(found, timed), _missed_apart_from(expected, timed)
    changed = {
        where: (missed_before.get(where), items)
        for where, items in missed.items()
        if items != missed_before.get(where)
    }
    assert not changed, f"what the run left unexercised changed (before, now): {changed}"


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
