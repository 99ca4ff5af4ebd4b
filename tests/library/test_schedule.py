"""Tests laid out across workers so that no worker is left with the long ones."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from cbr_conformance.plugin.schedule import (
    Traits,
    chunk_sizes,
    estimate,
    expected_makespan,
    lay_out,
    measured_durations,
)
from cbr_conformance.results import RunSummary, TestRecord
from cbr_conformance.results.run_header import RunHeader

# A slow target's shape: a few long waits collected last, many quick tests, a staged group.
SECONDS = {f"quick{i}": 0.1 for i in range(40)} | {f"wait{i}": 5.0 for i in range(12)}
SECONDS |= {"scenario0": 25.0, "scenario1": 20.0, "scenario2": 15.0}
STAGED = {f"fuzz{i}": 2.0 for i in range(10)}
ITEMS = [*STAGED, *SECONDS]
ALL = SECONDS | STAGED


def test_chunks_have_the_counts_worksteal_deals() -> None:
    assert chunk_sizes(10, 3) == [3, 3, 4]
    assert sum(chunk_sizes(344, 8)) == 344


def test_the_longest_chunk_is_close_to_an_equal_share() -> None:
    workers = 4
    laid = lay_out(ITEMS, ALL.__getitem__, STAGED.__contains__, workers)
    assert sorted(laid) == sorted(ITEMS)
    share = sum(ALL.values()) / workers
    assert expected_makespan(laid, ALL.__getitem__, workers) <= share * 1.2
    # in collection order, the chunk holding the scenarios takes far longer
    assert expected_makespan(ITEMS, ALL.__getitem__, workers) > share * 1.5


def test_staged_tests_stay_together_in_their_order() -> None:
    laid = lay_out(ITEMS, ALL.__getitem__, STAGED.__contains__, 4)
    where = [laid.index(name) for name in STAGED]
    assert where == sorted(where) and where[-1] - where[0] == len(STAGED) - 1


def test_each_chunk_runs_its_longest_first() -> None:
    workers = 4
    laid = lay_out(ITEMS, ALL.__getitem__, STAGED.__contains__, workers)
    start = 0
    for size in chunk_sizes(len(laid), workers):
        chunk = [name for name in laid[start : start + size] if name not in STAGED]
        assert [ALL[n] for n in chunk] == sorted((ALL[n] for n in chunk), reverse=True)
        start += size


def test_one_worker_keeps_the_collection_order() -> None:
    assert lay_out(ITEMS, ALL.__getitem__, STAGED.__contains__, 1) == ITEMS


def _write(path: Path, *tests: TestRecord) -> None:
    summary = RunSummary(header=RunHeader(target_url="http://cbr:1"), tests=tests)
    path.write_text(json.dumps(summary.to_dict()))


def test_durations_of_a_run_against_another_target_are_not_used(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    _write(summary, TestRecord("a", duration=3.5))
    assert measured_durations(summary, "http://cbr:1") == {"a": 3.5}
    assert measured_durations(summary, "http://other:1") == {}
    summary.write_text("{torn")
    assert measured_durations(summary, "http://cbr:1") == {}
    old_format = {"header": {"target_url": "http://cbr:1"}, "tests": [{"nodeid": "a", "duration": 3.5}]}
    summary.write_text(json.dumps(old_format))
    assert measured_durations(summary, "http://cbr:1") == {}


def test_a_measured_duration_leaves_out_the_waits_for_inventory_resources(tmp_path: Path) -> None:
    """A test kept waiting for a disk at the start of one run is not laid out first in the next."""
    summary = tmp_path / "summary.json"
    _write(summary, TestRecord("waited", duration=40.0, lease_wait=31.5), TestRecord("long", duration=20.0))
    assert measured_durations(summary, "http://cbr:1") == {"waited": 8.5, "long": 20.0}


def test_without_a_measure_waiting_tests_are_expected_to_take_longest_on_a_remote_target() -> None:
    scenario = Traits("s", "scenario", ("create_checkpoint", "restore_backup"), staged=False)
    read = Traits("r", "contract", ("list_vaults",), staged=False)
    fuzz_wait = Traits("f[create_checkpoint-positive]", "fuzz", ("create_checkpoint",), staged=True)
    fuzz_read = Traits("f[list_vaults-positive]", "fuzz", ("list_vaults",), staged=True)
    remote = [estimate(t, remote=True) for t in (scenario, fuzz_wait, fuzz_read, read)]
    assert remote == sorted(remote, reverse=True) and len(set(remote)) == 4
    # on the embedded emulator nothing waits: only fuzzing costs time
    assert estimate(scenario, remote=False) < estimate(fuzz_read, remote=False)


class _Node:
    """What xdist's scheduler needs of a worker: it records the tests it is sent."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.shutting_down = False
        self.sent: list[int] = []

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


@pytest.mark.parametrize(("total", "workers"), [(10, 3), (344, 8), (7, 2), (131, 12)])
def test_chunk_sizes_are_what_xdist_worksteal_deals_first(total: int, workers: int) -> None:
    # The layout copies worksteal's first dealing: xdist's own scheduler, driven here with
    # recording workers, fails this test when a release deals otherwise.
    from xdist.scheduler.worksteal import WorkStealingScheduling

    config = SimpleNamespace(getvalue=lambda name: [f"{workers}*popen"] if name == "tx" else None)
    scheduler = WorkStealingScheduling(config)
    nodes = [_Node(f"gw{i}") for i in range(workers)]
    collection = [f"test_{i}" for i in range(total)]
    for node in nodes:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    assert [len(node.sent) for node in nodes] == chunk_sizes(total, workers)
