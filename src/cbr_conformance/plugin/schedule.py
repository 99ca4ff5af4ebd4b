"""The order tests are handed to workers in, so that the run ends when its longest chain does.

Against a slow target a run's wall time is its waits: a scenario that backs up three times waits
three times the target's backup time, while most tests wait for nothing. pytest-xdist's
`worksteal` scheduler first gives each of n workers an equal count of tests, in collection order,
and steals by count when one runs dry; a worker dealt the long tests ends long after the others,
holding few tests that nobody steals. So the collection is laid out as n chunks of exactly the
counts worksteal deals, each holding an equal share of the expected time (longest first into the
least loaded chunk), and each running its longest first.

Expected time: the durations the last run against the same target measured, when the run has them
(`--durations-from`); otherwise an estimate from what a test does (kind, asynchronous operations).
Tests that share a worker's stage of resources (the fuzzer and state machine's `cbr_stage`) stay
together, in as few chunks as their time allows, since each worker that runs one makes the stage.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T", bound=Hashable)

# operations whose work goes on after the answer: a test that calls them waits for it
ASYNC_OPERATIONS = frozenset({"create_checkpoint", "restore_backup"})
# valid cases of these wait too: each deletes a backup made for it
_FUZZ_WAITS = ASYNC_OPERATIONS | {"delete_backup"}
STAGE_FIXTURE = "cbr_stage"


@dataclass(frozen=True)
class Traits:
    """What the schedule knows of a test before it runs."""

    nodeid: str
    kind: str | None
    operations: tuple[str, ...]
    staged: bool  # uses the worker's stage of resources


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
    that run, and a test kept waiting at its start must not be put at the start of the next."""
    if summary is None or not summary.is_file():
        return {}
    from cbr_conformance.results.summary import RunSummary

    try:
        earlier = RunSummary.from_dict(json.loads(summary.read_text(encoding="utf-8")))
    except (OSError, ValueError):  # UnreadableSummary included
        return {}  # an unreadable history only costs the order its measure
    if earlier.header.target_url != target_url:
        return {}
    return {test.nodeid: max(0.0, test.duration - test.lease_wait) for test in earlier.tests}


def chunk_sizes(total: int, workers: int) -> list[int]:
    """How many tests worksteal deals each idle worker at the start: the pending count divided
    by the workers left, in turn."""
    sizes, remaining = [], total
    for index in range(workers):
        size = remaining // (workers - index)
        sizes.append(size)
        remaining -= size
    return sizes


def lay_out(
    items: Sequence[T], seconds: Callable[[T], float], staged: Callable[[T], bool], workers: int
) -> list[T]:
    """`items` rearranged as `workers` chunks of worksteal's counts with balanced seconds; each
    chunk keeps the items' order. One worker (or none): unchanged."""
    if workers <= 1 or len(items) <= workers:
        return list(items)
    sizes = chunk_sizes(len(items), workers)
    chunks: list[list[T]] = [[] for _ in sizes]
    load = [0.0] * workers
    share = sum(seconds(item) for item in items) / workers
    position = {item: index for index, item in enumerate(items)}

    def place(item: T, index: int) -> None:
        chunks[index].append(item)
        load[index] += seconds(item)

    # the staged tests first, filling a chunk up to its share of time before opening the next
    current = 0
    for item in (item for item in items if staged(item)):
        over_time = bool(chunks[current]) and load[current] + seconds(item) > share * 1.05
        if len(chunks[current]) >= sizes[current] or over_time:
            later = [k for k in range(current + 1, workers) if len(chunks[k]) < sizes[k]]
            if later:
                current = later[0]
            elif len(chunks[current]) >= sizes[current]:  # every later chunk full: the least loaded
                current = min((k for k in range(workers) if len(chunks[k]) < sizes[k]), key=load.__getitem__)
        place(item, current)
    rest = sorted((i for i in items if not staged(i)), key=lambda i: (-seconds(i), position[i]))
    for item in rest:
        open_chunks = [k for k in range(workers) if len(chunks[k]) < sizes[k]]
        place(item, min(open_chunks, key=lambda k: (load[k], k)))
    # In a chunk the longest first, so that a worker stealing from the end takes short tests; the
    # staged tests stay one block in their order, placed by their longest.
    staged_first = max((seconds(i) for i in items if staged(i)), default=0.0)

    def in_chunk(item: T) -> tuple[float, int]:
        return (-(staged_first if staged(item) else seconds(item)), position[item])

    return [item for chunk in chunks for item in sorted(chunk, key=in_chunk)]


def expected_makespan(items: Sequence[T], seconds: Callable[[T], float], workers: int) -> float:
    """The longest chunk's seconds, without stealing: what a layout promises (for tests)."""
    sizes = chunk_sizes(len(items), workers)
    start, worst = 0, 0.0
    for size in sizes:
        worst = max(worst, math.fsum(seconds(item) for item in items[start : start + size]))
        start += size
    return worst
