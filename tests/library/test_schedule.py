"""The run handed out to workers by the suite's scheduler, driven here with stand-ins for
pytest-xdist's workers: every test once, the longest first, a stage's tests together, more to
whichever worker runs low, and a crashed worker's tests run by the others."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from cbr_conformance.plugin.distribution import distribution_chosen, pytest_xdist_make_scheduler, workers_of
from cbr_conformance.plugin.schedule import (
    Expected,
    Traits,
    estimate,
    measured_durations,
    read_plan,
    work_units,
    write_plan,
)
from cbr_conformance.plugin.scheduler import AHEAD, PlannedScheduling
from cbr_conformance.results import RunSummary, TestRecord
from cbr_conformance.results.run_header import RunHeader

# A slow target's shape: a staged group collected first, many quick tests, a few long waits last.
STAGED = {f"fuzz{i}": 2.0 for i in range(10)}
SECONDS = {f"quick{i}": 0.1 for i in range(40)} | {f"wait{i}": 5.0 for i in range(12)}
SECONDS |= {"scenario0": 25.0, "scenario1": 20.0, "scenario2": 15.0}
COLLECTION = [*STAGED, *SECONDS]
PLAN = {name: Expected(s, staged=False) for name, s in SECONDS.items()}
PLAN |= {name: Expected(s, staged=True) for name, s in STAGED.items()}
SHARE_OF_4 = sum(e.seconds for e in PLAN.values()) / 4


class Node:
    """What the scheduler uses of an xdist worker; it records what it is sent, and when."""

    def __init__(self, name: str, log: list[tuple[str, int]]) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.shutting_down = False
        self.log = log
        self.ran: list[int] = []
        self.clock = 0.0

    def send_runtest_some(self, indices: Sequence[int]) -> None:
        assert not self.shutting_down, f"{self.gateway.id} was sent tests after its shutdown"
        self.log.extend((self.gateway.id, index) for index in indices)

    def shutdown(self) -> None:
        self.shutting_down = True

    def __repr__(self) -> str:
        return str(self.gateway.id)


Started = tuple[PlannedScheduling, list["Node"], list[str]]


def started(workers: int, plan: dict[str, Expected] = PLAN) -> Started:
    reported: list[str] = []
    scheduler = PlannedScheduling(workers, lambda node: plan, reported.append)
    sent: list[tuple[str, int]] = []
    nodes = [Node(f"gw{i}", sent) for i in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        assert not scheduler.collection_is_completed
        scheduler.add_node_collection(node, COLLECTION)
    assert scheduler.collection_is_completed
    scheduler.schedule()
    return scheduler, nodes, reported


def run_one(scheduler: PlannedScheduling, nodes: list[Node]) -> bool:
    """The worker that is free first runs its next test (it needs the one after, or its shutdown,
    as xdist's workers do); False when none can run."""
    ready = [
        n
        for n in nodes
        if n in scheduler.node2pending and (len(scheduler.node2pending[n]) >= AHEAD or n.shutting_down)
    ]
    ready = [n for n in ready if scheduler.node2pending[n]]
    if not ready:
        return False
    node = min(ready, key=lambda n: n.clock)
    index = scheduler.node2pending[node][0]
    node.clock += PLAN[COLLECTION[index]].seconds
    node.ran.append(index)
    scheduler.mark_test_complete(node, index, PLAN[COLLECTION[index]].seconds)
    return True


def run_all(scheduler: PlannedScheduling, nodes: list[Node]) -> None:
    while run_one(scheduler, nodes):
        pass


def test_every_test_runs_once_and_the_run_ends_near_an_equal_share() -> None:
    scheduler, nodes, _ = started(4)
    run_all(scheduler, nodes)
    assert scheduler.tests_finished and not scheduler.has_pending
    assert sorted(i for n in nodes for i in n.ran) == list(range(len(COLLECTION)))
    assert all(n.shutting_down for n in nodes)
    assert max(n.clock for n in nodes) <= SHARE_OF_4 * 1.15
    # the longest test (25 s) alone rules out less than its share
    assert max(n.clock for n in nodes) >= max(e.seconds for e in PLAN.values())


def test_the_longest_work_is_handed_out_first() -> None:
    scheduler, nodes, _ = started(4)
    run_all(scheduler, nodes)
    sent = nodes[0].log
    unstaged = [PLAN[COLLECTION[i]].seconds for _, i in sent if not PLAN[COLLECTION[i]].staged]
    assert unstaged == sorted(unstaged, reverse=True)
    assert unstaged[:3] == [25.0, 20.0, 15.0]
    # each worker starts on one of the longest units: the scenarios and the stage's blocks
    first = {n.ran[0] for n in nodes}
    assert {COLLECTION[i] for i in first} <= {"scenario0", "scenario1", "scenario2", *STAGED}


def test_a_stages_tests_run_together_on_as_few_workers_as_their_time_allows() -> None:
    scheduler, nodes, _ = started(4)
    run_all(scheduler, nodes)
    staged = set(range(len(STAGED)))
    holders = [n for n in nodes if staged & set(n.ran)]
    assert len(holders) == 1  # 20 s of staged tests fit in one worker's share (~40 s)
    ran = holders[0].ran
    where = [ran.index(i) for i in sorted(staged)]
    assert where == list(range(where[0], where[0] + len(staged)))  # in collection order, no other between


def test_staged_tests_longer_than_a_share_are_cut_into_blocks_in_collection_order() -> None:
    expected = [Expected(2.0, staged=True)] * 10 + [Expected(1.0, staged=False)] * 4
    units = work_units(range(14), expected, workers=4)  # share 6 s: blocks of up to 3 tests
    blocks = [u.indices for u in units if len(u.indices) > 1 or u.indices[0] < 10]
    assert [i for block in sorted(blocks) for i in block] == list(range(10))
    assert all(sum(expected[i].seconds for i in block) <= 6 * 1.05 for block in blocks)
    assert [u.seconds for u in units] == sorted((u.seconds for u in units), reverse=True)


def test_a_workers_crash_reports_its_test_and_the_others_run_the_rest() -> None:
    scheduler, nodes, _ = started(2)
    for _ in range(5):
        run_one(scheduler, nodes)
    crashed = max(nodes, key=lambda n: len(scheduler.node2pending[n]))
    held = list(scheduler.node2pending[crashed])
    assert len(held) >= 2
    assert scheduler.remove_node(crashed) == COLLECTION[held[0]]
    assert crashed not in scheduler.nodes
    # it held the rest of the stage's block: they wait, one block still, first in the queue
    assert all(PLAN[COLLECTION[i]].staged for i in held)
    assert scheduler.queue[0].indices == tuple(held[1:])
    # its replacement joins, as xdist starts one, and takes work too
    replacement = Node("gw2", nodes[0].log)
    scheduler.add_node(replacement)
    scheduler.add_node_collection(replacement, COLLECTION)
    scheduler.schedule()
    survivors = [n for n in nodes if n is not crashed] + [replacement]
    run_all(scheduler, survivors)
    ran = [i for n in [*survivors, crashed] for i in n.ran]
    assert sorted(ran) == sorted(set(range(len(COLLECTION))) - {held[0]})
    assert replacement.ran and scheduler.tests_finished
    # what it held of the stage went on in order, on one worker
    staged_rest = [i for i in held[1:] if i < len(STAGED)]
    for node in survivors:
        mine = [i for i in node.ran if i in staged_rest]
        assert mine in ([], staged_rest)


def test_a_node_that_ends_normally_gives_back_nothing() -> None:
    scheduler, nodes, _ = started(2)
    run_all(scheduler, nodes)
    assert [scheduler.remove_node(n) for n in nodes] == [None, None]
    assert scheduler.tests_finished


def test_a_test_marked_pending_again_runs_next() -> None:
    scheduler, nodes, _ = started(2)
    run_all(scheduler, nodes)
    again = Node("gw9", nodes[0].log)
    scheduler.add_node(again)
    scheduler.add_node_collection(again, COLLECTION)
    scheduler.mark_test_pending("quick3")
    assert again.log[-1] == ("gw9", COLLECTION.index("quick3"))


def test_tests_a_node_gives_back_unrun_are_handed_out_again() -> None:
    scheduler, nodes, _ = started(2)
    node = nodes[0]
    given_back = scheduler.node2pending[node][-1:]
    scheduler.remove_pending_tests_from_node(node, given_back)
    assert given_back[0] not in scheduler.node2pending[node] or nodes[0].log[-1] == ("gw0", given_back[0])
    run_all(scheduler, nodes)
    assert sorted(i for n in nodes for i in n.ran) == list(range(len(COLLECTION)))


def test_workers_that_collected_different_tests_run_nothing() -> None:
    reported: list[str] = []
    scheduler = PlannedScheduling(2, lambda node: PLAN, reported.append)
    sent: list[tuple[str, int]] = []
    a, b = Node("gw0", sent), Node("gw1", sent)
    for node in (a, b):
        scheduler.add_node(node)
    scheduler.add_node_collection(a, COLLECTION)
    scheduler.add_node_collection(b, [*COLLECTION[:3], "other", *COLLECTION[4:]])
    scheduler.schedule()
    assert sent == [] and scheduler.tests_finished
    assert reported == ["gw1 collected 'other' at position 3, where gw0 has 'fuzz3'"]


def test_without_a_plan_the_tests_go_in_collection_order() -> None:
    _, nodes, _ = started(2, plan={})
    assert [index for _, index in nodes[0].log] == [0, 1, 2, 3]


def test_a_plan_is_read_as_written_and_an_unreadable_one_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "gw0.json"
    write_plan(path, PLAN)
    assert read_plan(path) == PLAN
    assert not list(tmp_path.glob("*.partial"))
    for broken in ("{torn", json.dumps({"version": 99, "tests": {}}), json.dumps({"version": 1})):
        path.write_text(broken)
        assert read_plan(path) == {}
    assert read_plan(tmp_path / "missing.json") == {}


@pytest.mark.parametrize(
    ("option", "chosen"),
    [
        (argparse.Namespace(dist="no", distload=False), False),
        (argparse.Namespace(), False),  # -p no:xdist
        (argparse.Namespace(dist="load", distload=False), True),
        (argparse.Namespace(dist="worksteal", distload=False), True),
        (argparse.Namespace(dist="no", distload=True), True),  # -d
    ],
)
def test_a_distribution_the_user_names_is_xdists_own(option: argparse.Namespace, chosen: bool) -> None:
    assert distribution_chosen(option) is chosen


def test_no_scheduler_of_the_suites_where_it_does_not_schedule() -> None:
    config = SimpleNamespace(stash=pytest.Stash())
    assert pytest_xdist_make_scheduler(config, print) is None  # type: ignore[arg-type]


def test_the_workers_xdist_starts_are_counted_from_its_specs() -> None:
    assert workers_of(["popen", "popen"]) == 2
    assert workers_of(["3*popen", "ssh=host//python=python3"]) == 4


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
    """A test kept waiting for a disk at the start of one run is not handed out first in the next."""
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


def test_the_scheduler_has_what_the_installed_xdist_asks_of_one() -> None:
    # The protocol is implemented, not imported: this fails, naming what is missing, when a release
    # of xdist asks its schedulers for more, or stops giving its workers what the scheduler uses.
    from xdist.scheduler.protocol import Scheduling
    from xdist.workermanage import WorkerController

    asked = {name for name in vars(Scheduling) if not name.startswith("_")}
    assert asked - set(dir(PlannedScheduling)) == set()
    # (and `gateway`, set when a worker is made: the real runs of tests/suite/test_distribution.py)
    used = {"shutting_down", "send_runtest_some", "shutdown"}
    assert used - set(dir(WorkerController)) == set()
