"""The run's plan: how long each test is expected to take, and the units of work it is handed out in.

Against a slow target a run's wall time is its waits: a scenario that backs up three times waits
three times the target's backup time, while most tests wait for nothing. The run ends when its
longest chain of tests does, so the workers are handed the longest work first and an idle worker
takes the next (plugin/scheduler.py, pytest-xdist's scheduler hook in plugin/distribution.py).

Expected time: the durations the last run against the same target measured, when the run has them
(`--durations-from`); otherwise an estimate from what a test does (kind, asynchronous operations).
Each worker computes the plan of its collection and writes it where the controller reads it
(`write_plan`, `read_plan`): only a worker sees the tests' markers.

Tests that share a worker's stage of resources (the fuzzer and state machine's module-scoped
`cbr_stage`) are handed out in blocks, each to one worker and run there in collection order, in as
few blocks as their time allows: each worker that runs one makes the stage, and a test of another
module run between two of them would tear it down. Within the staged tests the fuzz tests come
first: the state machine reuses the generation strategies they built in its worker.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# operations whose work goes on after the answer: a test that calls them waits for it
ASYNC_OPERATIONS = frozenset({"create_checkpoint", "restore_backup"})
# valid cases of these wait too: each deletes a backup made for it
_FUZZ_WAITS = ASYNC_OPERATIONS | {"delete_backup"}
STAGE_FIXTURE = "cbr_stage"
# A block of staged tests may run this much past an equal share of the run's time: one worker fewer
# makes the stage.
STAGE_SLACK = 1.05
PLAN_VERSION = 1


@dataclass(frozen=True)
class Traits:
    """What the schedule knows of a test before it runs."""

    nodeid: str
    kind: str | None
    operations: tuple[str, ...]
    staged: bool  # uses the worker's stage of resources


@dataclass(frozen=True)
class Expected:
    """What the plan expects of one test."""

    seconds: float
    staged: bool


# A test the plan does not name (a plan that could not be read): all such tests weigh the same.
UNKNOWN = Expected(1.0, staged=False)


@dataclass(frozen=True)
class Unit:
    """Tests handed to one worker together, in this order."""

    indices: tuple[int, ...]  # positions in the run's collection
    seconds: float


def estimate(traits: Traits, *, remote: bool) -> float:
    """Expected seconds of a test without a measure of it. Against a target at a URL an
    asynchronous step costs the target's delay (a few seconds assumed); on the embedded emulator
    only fuzzing costs time."""
    if traits.kind == "fuzz":
        if not remote:
            return 1.0
        waits = _FUZZ_WAITS & set(traits.operations) and traits.nodeid.endswith("-positive]")
        return 20.0 if waits else 2.0
    if traits.kind == "stateful":
        return 10.0 if remote else 2.0
    if remote and ASYNC_OPERATIONS & set(traits.operations):
        return 25.0 if traits.kind == "scenario" else 5.0
    return 0.05


def measured_durations(summary: Path | None, target_url: str | None) -> dict[str, float]:
    """Test durations of an earlier run's summary.json, if it tested the same target, less what
    each spent waiting for another worker's inventory resource: that wait came from the order of
    that run, and a test kept waiting at its start must not be handed out first in the next."""
    if summary is None or not summary.is_file():
        return {}
    from cbr_conformance.results.summary import RunSummary

    try:
        earlier = RunSummary.from_dict(json.loads(summary.read_text(encoding="utf-8")))
    except (OSError, ValueError):  # UnreadableSummary included
        return {}  # an unreadable history only costs the plan its measure
    if earlier.header.target_url != target_url:
        return {}
    return {test.nodeid: max(0.0, test.duration - test.lease_wait) for test in earlier.tests}


def write_plan(path: Path, plan: Mapping[str, Expected]) -> None:
    """The plan of a worker's collection, for the controller (written whole, then renamed)."""
    tests = {nodeid: [expected.seconds, expected.staged] for nodeid, expected in plan.items()}
    partial = path.with_name(f"{path.name}.partial")
    partial.write_text(json.dumps({"version": PLAN_VERSION, "tests": tests}), encoding="utf-8")
    partial.replace(path)


def read_plan(path: Path) -> dict[str, Expected]:
    """A worker's plan; empty when it is missing or unreadable: the run then goes in collection
    order, each test weighing the same."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != PLAN_VERSION:
            return {}
        return {
            str(nodeid): Expected(float(seconds), bool(staged))
            for nodeid, (seconds, staged) in data["tests"].items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def work_units(indices: Sequence[int], expected: Sequence[Expected], workers: int) -> list[Unit]:
    """The tests at `indices` as units of work, longest first (ties in collection order): each
    unstaged test alone; the staged ones in collection order, cut into blocks of at most about an
    equal share of the tests' time across `workers`."""
    share = math.fsum(expected[i].seconds for i in indices) / max(1, workers)
    units: list[Unit] = []
    block: list[int] = []
    block_seconds = 0.0
    for index in indices:
        seconds = expected[index].seconds
        if not expected[index].staged:
            units.append(Unit((index,), seconds))
            continue
        if block and block_seconds + seconds > share * STAGE_SLACK:
            units.append(Unit(tuple(block), block_seconds))
            block, block_seconds = [], 0.0
        block.append(index)
        block_seconds += seconds
    if block:
        units.append(Unit(tuple(block), block_seconds))
    return sorted(units, key=lambda unit: (-unit.seconds, unit.indices[0]))
