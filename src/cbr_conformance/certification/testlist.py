"""The versioned test list (conformance/conformance.yaml): which tests a certification requires.

Each test of the suite has one entry by its stable id (the `id=` of its `cbr` marker), with a
status, the reference section it checks (the start of its docstring, up to the first ": ") and,
for a flagged test, why. The cases of a parametrized test share its id and its one entry: a
status applies to all its cases, and a certification takes the worst of their outcomes.

- *required*: a certification needs it passed;
- *advisory*: run and reported, never counted against a certification; a new test starts here
  for at least one release of the list;
- *flagged*: known to be wrong (the reason says how); run and reported, never counted. A test is
  flagged, never deleted, so that a version of the list names what it always named.

The changelog says, version by version, what changed (`list --since VERSION`).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance import paths
from cbr_conformance.suite.markers import info_of

LIST_FILE = "conformance.yaml"


class Status(StrEnum):
    REQUIRED = "required"
    ADVISORY = "advisory"
    FLAGGED = "flagged"


class BadTestList(ValueError):
    """The test list file is not what this module reads: the message says where."""


@dataclass(frozen=True)
class Entry:
    id: str
    status: Status
    section: str
    reason: str = ""  # why a test is flagged (or advisory, when a reason helps)


@dataclass(frozen=True)
class Release:
    """One version of the list in its changelog: what it changed, by test id."""

    version: str
    note: str
    changes: tuple[tuple[str, str], ...] = ()  # (test id, what changed)


@dataclass(frozen=True)
class TestList:
    __test__ = False  # a list of tests, not a test class, for pytest's collection
    version: str
    entries: tuple[Entry, ...]
    changelog: tuple[Release, ...]  # oldest first; the last one is `version`

    @property
    def by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}

    def ids(self, status: Status) -> list[str]:
        return [entry.id for entry in self.entries if entry.status is status]

    @property
    def versions(self) -> list[str]:
        return [release.version for release in self.changelog]

    def since(self, version: str) -> list[Release]:
        """The releases after `version`, oldest first; a version the changelog lacks is an error."""
        if version not in self.versions:
            raise BadTestList(
                f"the test list has no version {version!r} (its versions: {', '.join(self.versions)})"
            )
        return list(self.changelog[self.versions.index(version) + 1 :])


def list_path() -> Path:
    return paths.suite_dir() / LIST_FILE


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str | int | float) or isinstance(value, bool) or str(value) == "":
        raise BadTestList(f"{where}: {key} must be a non-empty text")
    return str(value)


def parse_test_list(data: Any, where: str = LIST_FILE) -> TestList:
    """The list from its parsed YAML, checked: every flag has a reason, ids are unique, and the
    changelog ends with the list's version."""
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise BadTestList(f"{where}: a mapping with version, changelog and tests")
    version = _text(data, "version", where)
    entries: list[Entry] = []
    for raw in data["tests"]:
        if not isinstance(raw, dict):
            raise BadTestList(f"{where}: each test is a mapping of id, status, section")
        test_id = _text(raw, "id", where)
        try:
            status = Status(str(raw.get("status")))
        except ValueError:
            raise BadTestList(
                f"{where}: {test_id}: status is one of {', '.join(s.value for s in Status)}"
            ) from None
        reason = str(raw.get("reason") or "")
        if status is Status.FLAGGED and not reason:
            raise BadTestList(f"{where}: {test_id} is flagged without a reason")
        entries.append(Entry(test_id, status, _text(raw, "section", f"{where}: {test_id}"), reason))
    repeated = sorted({e.id for e in entries if sum(o.id == e.id for o in entries) > 1})
    if repeated:
        raise BadTestList(f"{where}: ids listed twice: {', '.join(repeated)}")
    releases: list[Release] = []
    for raw in data.get("changelog") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("changes") or {}, dict):
            raise BadTestList(f"{where}: each changelog entry has version, note and changes (id: what)")
        changes = tuple((str(k), str(v)) for k, v in (raw.get("changes") or {}).items())
        releases.append(Release(_text(raw, "version", where), str(raw.get("note") or ""), changes))
    if not releases or releases[-1].version != version:
        raise BadTestList(f"{where}: the changelog's last entry must be the list's version {version}")
    return TestList(version, tuple(entries), tuple(releases))


def load_test_list(path: Path | None = None) -> TestList:
    source = path or list_path()
    try:
        data = paths.read_yaml(source)
    except OSError as exc:
        raise BadTestList(f"cannot read the test list {source}: {exc.strerror}") from None
    return parse_test_list(data, source.name)


def section_of(docstring: str | None) -> str:
    """The reference section a test checks: its docstring's first line, up to the first ": "."""
    first = (docstring or "").strip().splitlines()[0] if (docstring or "").strip() else ""
    return first.split(": ", 1)[0].strip() if ": " in first else ""


@dataclass(frozen=True)
class SuiteTest:
    """One test of the suite as the list sees it: its id, and the section its docstring names."""

    __test__ = False
    id: str
    nodeid: str
    section: str


class _Sections:
    def __init__(self) -> None:
        self.tests: list[SuiteTest] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            info = info_of(item)
            function = getattr(item, "function", None)
            self.tests.append(
                SuiteTest(
                    info.id if info else "",
                    item.nodeid,
                    section_of(getattr(function, "__doc__", None)),
                )
            )


def suite_tests(extra: Iterable[str] = ()) -> list[SuiteTest]:
    """The suite's tests with their ids and sections, collected without running them."""
    from cbr_conformance.suite.test_kinds import CollectionFailed

    collector = _Sections()
    argv = ["--collect-only", "-qq", "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestWarning"]
    with contextlib.redirect_stdout(io.StringIO()):  # pytest's own count of what it collected
        code = pytest.main([*argv, *extra, str(paths.suite_dir())], plugins=[collector])
    if code != pytest.ExitCode.OK:
        raise CollectionFailed(f"collecting the suite failed with exit code {code}")
    return collector.tests


def mismatches(test_list: TestList, tests: Iterable[SuiteTest]) -> list[str]:
    """What keeps the list and the suite from naming the same tests: a test without an entry, an
    entry without a test, a test without a stable id, or an entry whose section is not the one
    the test's docstring names. Empty: they agree."""
    problems: list[str] = []
    entries = test_list.by_id
    sections: dict[str, set[str]] = {}
    for test in tests:
        if not test.id:
            problems.append(f"{test.nodeid}: no stable id (cbr marker's id=)")
            continue
        sections.setdefault(test.id, set()).add(test.section)
    for test_id, named in sorted(sections.items()):
        entry = entries.get(test_id)
        if entry is None:
            problems.append(f"{test_id}: a test without an entry in {LIST_FILE}")
        elif entry.section not in named:
            problems.append(f"{test_id}: listed for section {entry.section!r}, its docstring names {named}")
    problems += [f"{test_id}: an entry without a test" for test_id in sorted(set(entries) - set(sections))]
    return problems


def first_list(tests: Iterable[SuiteTest]) -> dict[str, Any]:
    """Version 1.0 of the list, from the suite as it is: every test required."""
    seen: dict[str, str] = {}
    for test in tests:
        seen.setdefault(test.id, test.section)
    return {
        "version": "1.0",
        "changelog": [{"version": "1.0", "note": "first list", "changes": {}}],
        "tests": [{"id": i, "status": Status.REQUIRED.value, "section": s} for i, s in sorted(seen.items())],
    }


def listing_lines(test_list: TestList, tests: Iterable[SuiteTest]) -> list[str]:
    """`cbr-conformance list`: each test by id with its status, section and cases."""
    cases: dict[str, int] = {}
    for test in tests:
        cases[test.id] = cases.get(test.id, 0) + 1
    width = max((len(e.id) for e in test_list.entries), default=10)
    lines = [f"test list {test_list.version}: {_counts(test_list)}"]
    for entry in test_list.entries:
        count = cases.get(entry.id, 0)
        note = f"  ({count} cases)" if count > 1 else ""
        flag = f"  - {entry.reason}" if entry.reason else ""
        lines.append(f"  {entry.id:<{width}}  {entry.status.value:<8}  {entry.section}{note}{flag}")
    return lines


def _counts(test_list: TestList) -> str:
    return ", ".join(f"{len(test_list.ids(status))} {status.value}" for status in Status)


def since_lines(test_list: TestList, version: str) -> list[str]:
    """`cbr-conformance list --since VERSION`: what each later version changed."""
    releases = test_list.since(version)
    if not releases:
        return [f"no change since {version}: it is the list's current version"]
    lines: list[str] = []
    for release in releases:
        lines.append(f"{release.version}: {release.note}".rstrip(": "))
        lines += [f"  {test_id}: {change}" for test_id, change in release.changes]
    return lines
