"""The scheduler the controller hands tests to workers with: the run's plan, longest work first, and
more to whichever worker runs low.

pytest-xdist asks for a scheduler through its public hook (`pytest_xdist_make_scheduler`) and
drives it through the methods of its `Scheduling` protocol: nodes come and go (`add_node`,
`remove_node`), each reports its collection and each test it completes, and the scheduler sends
tests to nodes (`send_runtest_some`) and tells them when nothing is left (`shutdown`). A node runs
a test only once it holds the next one too (its teardown depends on it), so each node is kept two
tests ahead while work is left; once none is, every node is told to finish what it holds. A node
that crashes gives back what it held: the test it was running is the crash xdist reports, the
rest go back to the front of the queue, a stage's block still together.

The protocol is implemented here, nothing of xdist's scheduler modules imported;
tests/library/test_schedule.py checks it against the installed xdist.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from cbr_conformance.plugin.schedule import UNKNOWN, Expected, Unit, work_units

# A node holds the test it runs and the next one.
AHEAD = 2


class Node(Protocol):
    """What the scheduler uses of pytest-xdist's worker controller."""

    @property
    def gateway(self) -> Any: ...  # `.id`: the worker's name (gw0, ...)

    @property
    def shutting_down(self) -> bool: ...

    def send_runtest_some(self, indices: Sequence[int]) -> None: ...

    def shutdown(self) -> None: ...


class PlannedScheduling:
    """pytest-xdist's `Scheduling` protocol, handing out the run's plan (plugin/schedule.py).

    `workers`: how many nodes send their collection before the first tests are handed out;
    `plan_of`: a node's plan, read once every node has collected; `report`: told, in a line, why a
    node's collection is not run (it differs from the others')."""

    def __init__(
        self,
        workers: int,
        plan_of: Callable[[Node], Mapping[str, Expected]],
        report: Callable[[str], None],
    ) -> None:
        self.workers = workers
        self._plan_of = plan_of
        self._report = report
        self.node2pending: dict[Node, list[int]] = {}
        # every node's collection, a removed node's kept: the run's collection stays complete
        self._collections: dict[Node, list[str]] = {}
        self.collection: list[str] | None = None
        self._expected: list[Expected] = []
        self.queue: deque[Unit] = deque()

    @property
    def nodes(self) -> list[Node]:
        return list(self.node2pending)

    @property
    def collection_is_completed(self) -> bool:
        return len(self._collections) >= self.workers

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed or self.queue:
            return False
        return all(len(pending) < AHEAD for pending in self.node2pending.values())

    @property
    def has_pending(self) -> bool:
        return bool(self.queue) or any(self.node2pending.values())

    def add_node(self, node: Node) -> None:
        assert node not in self.node2pending, node
        self.node2pending[node] = []

    def add_node_collection(self, node: Node, collection: Sequence[str]) -> None:
        """A node's collection; one that differs from the run's is never handed tests."""
        assert node in self.node2pending, node
        if self.collection is not None and list(collection) != self.collection:
            self._report(_difference(self.collection, collection, node.gateway.id))
            return
        self._collections[node] = list(collection)

    def schedule(self) -> None:
        """Every node has collected: the first tests to each, longest first, one round at a time
        so that each starts on the longest left. Called again when a node joins (a crashed one's
        replacement): it gets work."""
        assert self.collection_is_completed
        if self.collection is None and not self._plan():
            return
        for _ in range(AHEAD):
            for node in self._serving():
                self._hand_out(node, limit=1)
        self._top_up_all()

    def mark_test_complete(self, node: Node, item_index: int, duration: float = 0) -> None:
        self.node2pending[node].remove(item_index)
        self._top_up(node)

    def mark_test_pending(self, item: str) -> None:
        """A test to run again (a crash handler's choice): first in the queue."""
        assert self.collection is not None
        self._requeue([self.collection.index(item)])

    def remove_pending_tests_from_node(self, node: Node, indices: Sequence[int]) -> None:
        """Tests a node gave back unrun: first in the queue again."""
        given_back = set(indices)
        self.node2pending[node] = [i for i in self.node2pending[node] if i not in given_back]
        self._requeue(list(indices))

    def remove_node(self, node: Node) -> str | None:
        """A node is gone: None if it had finished its tests; else it crashed in the first it
        held, which is returned (xdist reports it), and the others go back to the queue."""
        pending = self.node2pending.pop(node)
        if not pending:
            return None
        assert self.collection is not None
        self._requeue(pending[1:])
        return self.collection[pending[0]]

    def _plan(self) -> bool:
        """The run's collection and its units of work, from the first node's plan; False if the
        nodes collected different tests (nothing is run then, as with xdist's own schedulers)."""
        (first, collection), *others = self._collections.items()
        for node, other in others:
            if other != collection:
                self._report(_difference(collection, other, node.gateway.id, first.gateway.id))
                self.collection = []
                return False
        self.collection = collection
        plan = self._plan_of(first)
        self._expected = [plan.get(nodeid, UNKNOWN) for nodeid in collection]
        self.queue.extend(work_units(range(len(collection)), self._expected, len(self._collections)))
        return True

    def _requeue(self, indices: list[int]) -> None:
        if indices:
            # one worker's share: what a node gave back of a stage's block stays one block
            units = work_units(sorted(indices), self._expected, workers=1)
            self.queue.extendleft(reversed(units))
        self._top_up_all()

    def _serving(self) -> list[Node]:
        """The nodes that may be handed tests: present, with the run's collection, not finishing."""
        return [node for node in self.node2pending if node in self._collections and not node.shutting_down]

    def _hand_out(self, node: Node, limit: int) -> None:
        """The next units of the queue to `node`, up to `limit` units, while it holds fewer than
        AHEAD tests."""
        while self.queue and limit and len(self.node2pending[node]) < AHEAD:
            unit = self.queue.popleft()
            self.node2pending[node].extend(unit.indices)
            node.send_runtest_some(list(unit.indices))
            limit -= 1

    def _top_up(self, node: Node) -> None:
        if node not in self._collections or node.shutting_down:
            return
        self._hand_out(node, limit=len(self.queue))
        if not self.queue:
            node.shutdown()  # it runs what it holds, the last without a next

    def _top_up_all(self) -> None:
        for node in self._serving():
            self._top_up(node)


def _difference(expected: Sequence[str], found: Sequence[str], node: str, reference: str = "the run") -> str:
    """One line on how a node's collection differs from the run's."""
    for index, (want, got) in enumerate(zip(expected, found, strict=False)):
        if want != got:
            return f"{node} collected {got!r} at position {index}, where {reference} has {want!r}"
    return f"{node} collected {len(found)} tests, {reference} {len(expected)}"
