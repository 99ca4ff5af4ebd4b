"""What a run will create on the target, counted from the declarations the run itself enforces.

Each test's marker declares what it creates (target/creations.py), the fixtures that create for many
tests declare it too (`@creates`, shared_backups.SHARED_CREATES), and the run fails a test that
creates more. The plan adds them up for the settings and inventory given: only the tests that
will run count, and the others are named with the reason they will not. Deterministic tests
count exactly; fuzz and state-machine tests, at most their budget (`--fuzz-examples`); a fixture
made once per worker, at most once per worker that may set it up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cbr_conformance.contract.resource_types import SECTIONS
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.stateful.families import most_steps
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.resources.shared_backups import SHARED_CREATES
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.suite.test_kinds import CollectedTest
from cbr_conformance.suite.wants import not_tested_for_want
from cbr_conformance.target.creations import KINDS, LABELS, SECOND_PROJECT, Part, total_of, with_default_gb
from cbr_conformance.testkit.bodies import DEFAULT_VAULT_SIZE

BUDGETED = ("fuzz", "stateful")  # test kinds whose `creates` is per generated case or step
SHARED_FIXTURE = "cbr_shared_backups"  # the tests' handle on the run's shared backups
SHARED_MAKER = "cbr_run_shared_backups"  # the fixture that makes them, as the ledger names it
SECOND_PROJECT_FIXTURES = ("cbr_second", "cbr_second_resources")
CLOCK_FIXTURE = "cbr_clock"


class Declares(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def creates(self) -> tuple[tuple[str, int], ...]: ...


def cases_of(kind: str, fuzz_examples: int, contract: Contract) -> int:
    """How many cases (or steps) a test of `kind` sends at most; 1 for a deterministic test."""
    if kind == "fuzz":
        return fuzz_examples
    if kind == "stateful":
        return most_steps(contract, fuzz_examples)
    return 1


def allowance(test: Declares, config: SuiteConfig, contract: Contract) -> tuple[dict[str, int], int]:
    """What a test may create (its declaration, with the GB of its vaults) and the cases it is per.
    A deterministic test's vaults are of the size the resource makers give; a generated case's may
    be as large as the run allows (--max-vault-size)."""
    budgeted = test.kind in BUDGETED
    size = config.max_vault_size if budgeted else DEFAULT_VAULT_SIZE
    return with_default_gb(dict(test.creates), size), cases_of(test.kind, config.fuzz_examples, contract)


@dataclass
class Planned:
    """One test's or fixture's share: what it creates each time, and how many times: `least` for
    sure, `times` at most (a fuzz test's cases, a fixture set up by each worker)."""

    counts: dict[str, int]
    times: int = 1
    least: int = 1
    source: str = "tests"  # the plan's column: SOURCES

    def to_dict(self) -> dict[str, Any]:
        return {"creates": self.counts, "times": self.times, "least": self.least, "source": self.source}


# The plan's columns: what is made for sure, and what budgets and workers may add
SOURCES = {
    "tests": "tests",
    "fuzz": "+ fuzzing, at most",
    "stateful": "+ state machine, at most",
    "workers": "+ other workers, at most",
}


@dataclass
class RunPlan:
    tests: dict[str, Planned] = field(default_factory=dict)  # by node id, the tests that run
    fixtures: dict[str, Planned] = field(default_factory=dict)  # by name
    not_run: dict[str, list[str]] = field(default_factory=dict)  # reason -> node ids
    read_only: bool = False
    billed: bool = True  # False: the embedded emulator, which bills nothing

    def _total(self, at_most: bool) -> Counter[str]:
        total: Counter[str] = Counter()
        for part in [*self.tests.values(), *self.fixtures.values()]:
            times = part.times if at_most else part.least
            total.update({k: n * times for k, n in part.counts.items()})
        return total

    def by_source(self) -> dict[str, Counter[str]]:
        """The plan's columns (SOURCES): each fixture's set-ups beyond its first are other workers'."""
        columns: dict[str, Counter[str]] = {source: Counter() for source in SOURCES}
        for part in [*self.tests.values(), *self.fixtures.values()]:
            columns[part.source].update({k: n * part.least for k, n in part.counts.items()})
            extra = "workers" if part.source == "tests" else part.source
            columns[extra].update({k: n * (part.times - part.least) for k, n in part.counts.items()})
        return columns

    @property
    def exact(self) -> Counter[str]:
        """What a run whose tests all pass creates for sure: budgets at nothing, each fixture once."""
        return self._total(at_most=False)

    @property
    def at_most(self) -> Counter[str]:
        """Everything, budgets at their full."""
        return self._total(at_most=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "read_only": self.read_only,
            "billed": self.billed,
            "kinds": list(KINDS),
            "exact": {k: self.exact[k] for k in KINDS},
            "at_most": {k: self.at_most[k] for k in KINDS},
            "by_source": {s: {k: c[k] for k in KINDS} for s, c in self.by_source().items()},
            "tests": {nodeid: p.to_dict() for nodeid, p in sorted(self.tests.items())},
            "fixtures": {name: p.to_dict() for name, p in sorted(self.fixtures.items())},
            "not_run": {why: sorted(ids) for why, ids in sorted(self.not_run.items())},
        }

    def lines(self) -> list[str]:
        """The plan's figures, a row per kind it creates and a column per source, for a person."""
        if self.read_only:
            return ["creates nothing (read-only: GET requests only)"]
        columns = {s: c for s, c in self.by_source().items() if s == "tests" or any(c.values())}
        kinds = [k for k in KINDS if k in ("vault", "gb") or self.at_most[k]]
        width = max(len(LABELS[k]) for k in kinds)
        header = "".join(f"  {SOURCES[s]:>{len(SOURCES[s])}}" for s in columns)
        lines = [f"  {'':<{width}}{header}"]
        for kind in kinds:
            cells = []
            for source, counts in columns.items():
                figure = str(counts[kind]) if counts[kind] or source == "tests" else "-"
                if kind == "gb" and source in BUDGETED and not self.billed and counts[kind]:
                    figure = "no limit"  # the embedded emulator's vaults may be of any size
                cells.append(f"  {figure:>{len(SOURCES[source])}}")
            lines.append(f"  {LABELS[kind]:<{width}}{''.join(cells)}")
        return lines


def _not_run(
    tests: list[CollectedTest], config: SuiteConfig, inventory: Inventory, embedded: bool
) -> dict[str, list[str]]:
    """The tests that will not run, by why: the settings or the inventory lack what they need."""
    why: dict[str, list[str]] = {}
    if not embedded:
        lacking = not_tested_for_want(tests, inventory, allow_restore=config.allow_restore)
        restoring = {t.nodeid for t in tests if t.restores}
        for kind, nodeids in lacking.items():
            section = next(s for s, t in SECTIONS.items() if t == kind)
            for nodeid in nodeids:
                reason = (
                    f'the inventory has too few {section} marked "restore_target"'
                    if nodeid in restoring
                    else f"the inventory has too few {section} ({kind})"
                )
                why.setdefault(reason, []).append(nodeid)
        if not config.allow_restore and restoring:
            why["restores are off (--allow-restore)"] = sorted(restoring)
        if config.secondary() is None:
            second = [t.nodeid for t in tests if set(t.fixtures) & set(SECOND_PROJECT_FIXTURES)]
            if second:
                why["no second project (CBR_SECOND_PROJECT_ID and its credentials)"] = second
        if not config.control_url:
            clocked = [t.nodeid for t in tests if CLOCK_FIXTURE in t.fixtures]
            if clocked:
                why["no time control (--control-url)"] = clocked
    return why


def _has(need: str, config: SuiteConfig, inventory: Inventory, embedded: bool) -> bool:
    """Whether the run has what a fixture's part needs (the embedded emulator has everything)."""
    if embedded:
        return True
    if need == SECOND_PROJECT:
        return config.secondary() is not None
    return inventory.count(need) > 0


def plan(
    tests: list[CollectedTest],
    fixtures: Mapping[str, list[Part]],
    config: SuiteConfig,
    contract: Contract,
    inventory: Inventory,
    *,
    embedded: bool,
    workers: int,
    shared_once: bool,
) -> RunPlan:
    """The plan of a run of `tests` with `config` (effective: the embedded emulator's own for it)
    and `inventory`; `fixtures`: what each declaring fixture creates per set-up; `workers`: the
    processes running tests (1: one process); `shared_once`: the run's shared backups are made
    once for all of them (a target at a URL), else once per process."""
    result = RunPlan(read_only=config.read_only, billed=not embedded)
    if config.read_only:
        return result
    result.not_run = _not_run(tests, config, inventory, embedded)
    skipped = {nodeid for nodeids in result.not_run.values() for nodeid in nodeids}
    running = [t for t in tests if t.nodeid not in skipped]
    for test in running:
        declared, cases = allowance(test, config, contract)
        if not config.allow_restore:  # the client sends no restore without consent, whoever asks
            declared.pop("restore", None)
        if declared:
            budgeted = test.kind in BUDGETED
            source = test.kind if budgeted else "tests"
            result.tests[test.nodeid] = Planned(declared, cases, least=0 if budgeted else 1, source=source)
    _plan_shared(result, running, workers if not shared_once else 1)
    for name, parts in fixtures.items():
        users = Counter(t.module for t in running if name in t.fixtures)
        had = [p for p in parts if all(_has(need, config, inventory, embedded) for need in p[0])]
        declared = total_of(had)
        if users and declared:  # set up once per module and process running its tests
            times = sum(min(workers, n) for n in users.values())
            counts = with_default_gb(declared, DEFAULT_VAULT_SIZE)
            result.fixtures[name] = Planned(counts, times=times, least=len(users))
    return result


def _plan_shared(result: RunPlan, running: Iterable[CollectedTest], processes: int) -> None:
    """The run's shared backups: one of each kind the tests reading them declare (needs=)."""
    readers = [t for t in running if SHARED_FIXTURE in t.fixtures]
    kinds = sorted({kind for t in readers for kind, _ in t.needs if kind in SHARED_CREATES})
    counts: Counter[str] = Counter()
    for kind in kinds:
        counts.update(SHARED_CREATES[kind])
    if counts:
        result.fixtures[SHARED_MAKER] = Planned(dict(counts), times=min(processes, len(readers)))
