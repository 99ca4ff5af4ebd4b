"""Which operations the suite covers with which kind of test, read from the tests' markers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest

from cbr_conformance.contract.spec import Contract
from cbr_conformance.suite.markers import KINDS, info_of
from cbr_conformance.target.creations import Part, declared_by

REQUIRED_KINDS = ("contract", "negative")


@dataclass(frozen=True)
class CollectedTest:
    nodeid: str
    operations: tuple[str, ...]
    kind: str
    mutates: bool
    test_id: str
    cross_cutting: bool = False
    needs: tuple[tuple[str, int], ...] = ()  # the inventory resources it holds at once (suite/markers.py)
    restores: bool = False
    creates: tuple[tuple[str, int], ...] = ()  # what it creates on the target (markers.py)
    fixtures: tuple[str, ...] = ()  # the fixtures it uses, those they use included
    module: str = ""  # the node id of its module


class _Collector:
    def __init__(self) -> None:
        self.tests: list[CollectedTest] = []
        self.unmarked: list[str] = []
        self.fixture_creates: dict[str, list[Part]] = {}  # fixtures declaring @creates

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            info_of_fixtures = getattr(item, "_fixtureinfo", None)
            for name, defs in info_of_fixtures.name2fixturedefs.items() if info_of_fixtures else ():
                declared = declared_by(defs[-1].func) if defs else None
                if declared is not None:
                    self.fixture_creates[name] = declared
            info = info_of(item)
            if info is None:
                self.unmarked.append(item.nodeid)
            else:
                self.tests.append(
                    CollectedTest(
                        item.nodeid,
                        info.operations,
                        info.kind,
                        info.mutates,
                        info.id,
                        info.cross_cutting,
                        info.needs,
                        info.restores,
                        info.creates,
                        tuple(getattr(item, "fixturenames", ())),
                        item.nodeid.split("::")[0],
                    )
                )


class CollectionFailed(RuntimeError):
    pass


def collect_tests(paths: list[str], extra: list[str] | None = None) -> list[CollectedTest]:
    """The tests a run of `paths` (with pytest arguments `extra`) would run, without running them."""
    return collect_run(paths, extra)[0]


def collect_run(
    paths: list[str], extra: list[str] | None = None
) -> tuple[list[CollectedTest], dict[str, list[Part]]]:
    """The tests a run would run, and what each fixture they use that declares it creates
    (creations.creates) creates per set-up."""
    collector = _Collector()
    argv = ["--collect-only", "-qq", "-p", "no:cacheprovider", *(extra or []), *paths]
    code = pytest.main(argv, plugins=[collector])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise CollectionFailed(f"collecting {paths} failed with exit code {code}")
    if collector.unmarked:
        raise CollectionFailed("tests without the cbr marker: " + ", ".join(collector.unmarked))
    return collector.tests, collector.fixture_creates


def coverage_counts(tests: list[CollectedTest]) -> dict[tuple[str, str], int]:
    """Tests per (operation, kind), of the operation's own behaviour: a rule every operation shares
    (authentication) says nothing of what one operation does."""
    counts: Counter[tuple[str, str]] = Counter()
    for test in tests:
        if test.cross_cutting:
            continue
        for operation in test.operations:
            counts[(operation, test.kind)] += 1
    return dict(counts)


def gaps(tests: list[CollectedTest], contract: Contract) -> list[tuple[str, str]]:
    """(operation, kind) pairs of the required kinds that no test covers."""
    counts = coverage_counts(tests)
    return [
        (op.operation_id, kind)
        for op in contract
        for kind in REQUIRED_KINDS
        if not counts.get((op.operation_id, kind))
    ]


def coverage_table(tests: list[CollectedTest], contract: Contract) -> str:
    counts = coverage_counts(tests)
    lines = [f"{'operation':<30}" + "".join(f"{kind:>10}" for kind in KINDS)]
    for op in contract:
        lines.append(
            f"{op.operation_id:<30}"
            + "".join(f"{counts.get((op.operation_id, kind), 0) or '-':>10}" for kind in KINDS)
        )
    return "\n".join(lines)
