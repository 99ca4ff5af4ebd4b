"""The runs of a history, read from a folder of run folders, and each distinct violation across them.

A distinct violation is the same bug from run to run by (operation, rule, JSON path), as `diff`
compares them. A run that wrote no summary was interrupted before its end; one whose summary this
suite cannot read is kept with why. A violation missing from an interrupted run is not taken for
fixed: the run may not have reached its test. `report.history` renders them as a static site.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote

from cbr_conformance.paths import SUMMARY_FILE
from cbr_conformance.results.summary import RunSummary, UnreadableSummary, read_summary
from cbr_conformance.results.violations import Violation, ViolationKey

INDEX = "index.html"
RUNS = "runs"  # the site's folder of run pages
_STAMP = re.compile(r"^(\d{8}-\d{6})(?:-\d+)?$")  # a run folder's name (rundirs.new_run_dir)


class NoRuns(ValueError):
    """The folder holds no run folder; the message says which folder, in one line."""


@dataclass(frozen=True)
class Run:
    """One run folder of the history: its summary, or why it has none."""

    name: str  # the folder's name, and its page's folder in the site
    folder: Path
    started: dt.datetime | None
    summary: RunSummary | None = None
    problem: str | None = None  # why there is no summary to show, one line

    @property
    def page(self) -> str | None:
        """The run's page, relative to the site's index (None: the run has none)."""
        return f"{RUNS}/{quote(self.name)}/{INDEX}" if self.summary is not None else None

    @property
    def interrupted(self) -> bool:
        """Cut short: its summary says so, or it wrote none."""
        return self.summary.interrupted if self.summary is not None else self.problem == NO_SUMMARY


NO_SUMMARY = "interrupted: the run wrote no summary"


def _started(name: str, summary: RunSummary | None) -> dt.datetime | None:
    """When the run started: its header's, else its folder's name (both UTC)."""
    stamp = summary.header.started if summary is not None else None
    try:
        if isinstance(stamp, str):
            started = dt.datetime.fromisoformat(stamp)
            return started if started.tzinfo else started.replace(tzinfo=dt.UTC)  # ordered with the others
    except ValueError:
        pass
    named = _STAMP.match(name)
    if named is None:
        return None
    try:
        return dt.datetime.strptime(named.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def read_run(folder: Path) -> Run:
    """A run folder as the history shows it. A problem names the summary relative to DIR, never
    by this machine's path."""
    file = folder / SUMMARY_FILE
    if not file.exists():
        return Run(folder.name, folder, _started(folder.name, None), problem=NO_SUMMARY)
    try:
        summary = read_summary(file)
    except UnreadableSummary as exc:
        problem = str(exc).replace(str(file), f"{folder.name}/{SUMMARY_FILE}")
        return Run(folder.name, folder, _started(folder.name, None), problem=f"unreadable: {problem}")
    return Run(folder.name, folder, _started(folder.name, summary), summary)


def read_runs(root: Path, *, besides: Path | None = None) -> list[Run]:
    """The run folders of `root`, oldest first: not `latest` and `last` (links to runs listed
    anyway), hidden folders, or `besides` (the site itself, when it is written inside `root`)."""
    skip = besides.resolve() if besides is not None else None
    folders = [
        p for p in root.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and p.resolve() != skip
    ]  # fmt: skip
    if (root / SUMMARY_FILE).exists():
        raise NoRuns(f"{root} is one run's folder: give the folder that holds the run folders (reports)")
    if not folders:
        raise NoRuns(f"no run folder in {root}")
    runs = [read_run(folder) for folder in folders]
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(runs, key=lambda run: (run.started or never, run.name))


class Seen(StrEnum):
    """A distinct violation in one run of the history."""

    NEW = "new"  # in this run, not in the run before that could have shown it
    STILL = "still"  # in this run and the one before
    FIRST = "present"  # in the history's first run that shows anything: since when is unknown
    FIXED = "fixed"  # not in this (whole) run, in the one before
    ABSENT = "absent"
    UNKNOWN = "unknown"  # no summary, or an interrupted run that did not show it


@dataclass(frozen=True)
class Track:
    """A distinct violation across the runs: its latest entry and what each run saw of it."""

    violation: Violation
    seen: tuple[Seen, ...]  # one per run, oldest first

    @property
    def open(self) -> bool:
        """Still there in the newest run that tells."""
        told = [s for s in self.seen if s is not Seen.UNKNOWN]
        return bool(told) and told[-1] in (Seen.NEW, Seen.STILL, Seen.FIRST)


def tracks(runs: Sequence[Run]) -> list[Track]:
    """Every distinct violation of the runs, in the order they first appeared."""
    latest: dict[ViolationKey, Violation] = {}
    for run in runs:
        for entry in run.summary.violations if run.summary else ():
            latest[entry.key] = entry
    return [Track(entry, _seen(key, runs)) for key, entry in latest.items()]


def _seen(key: ViolationKey, runs: Sequence[Run]) -> tuple[Seen, ...]:
    seen: list[Seen] = []
    before: bool | None = None  # was it there in the last run that told?
    for run in runs:
        summary = run.summary
        there = summary is not None and any(entry.key == key for entry in summary.violations)
        if summary is None or (summary.interrupted and not there):
            seen.append(Seen.UNKNOWN)
            continue
        if there:
            seen.append(Seen.FIRST if before is None else Seen.STILL if before else Seen.NEW)
        else:
            seen.append(Seen.FIXED if before else Seen.ABSENT)
        before = there
    return tuple(seen)


# --- the index page ------------------------------------------------------------------------------
