"""A run's workspace in one process: what its tests share there, and the folder that the worker
processes of one run share.

The plugin makes one per process when the target is known and keeps it on pytest's `config.stash`;
every client it makes carries it, so waits, cleanups and leases reach it through the client, never
through a module's globals. What it holds:
- `folder`: the run's shared folder (named after pytest-xdist's test run id, which the controller
  and every worker know), holding the inventory's leases, the stalls of a target the workers share
  and what each worker is waiting for, which the console shows live; None for a process alone;
- `stalls`: asynchronous work of the target that never ended (target/stalls.py);
- `pending`: what this process's clients and cleanups found since the last test report;
- `on_wait`: told what a wait is for when it starts, and None when it ends;
- `lease_waits`: seconds this process spent waiting for another worker to give a resource back.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cbr_conformance.contract.exchange_facts import FactSheet
from cbr_conformance.target.stalls import Stalls

STALLS_FILE = "stalls.jsonl"


def run_folder(run_uid: str) -> Path:
    """The folder the processes of one run (pytest-xdist's test run id) share."""
    return Path(tempfile.gettempdir()) / f"cbr-conformance-leases-{run_uid}"


@dataclass
class Pending:
    """What this process's clients and cleanups found since the last test report: the next report
    carries it to the run's results (a module's fixtures end in the teardown of its last test)."""

    leftovers: list[str] = field(default_factory=list)  # what cleanups could not undo
    facts: FactSheet = field(default_factory=FactSheet)  # what the exchanges exercised of the contract


@dataclass
class Workspace:
    run_uid: str | None = None  # pytest-xdist's test run id, shared by the run's processes
    folder: Path | None = None
    stalls: Stalls = field(default_factory=Stalls)
    pending: Pending = field(default_factory=Pending)
    on_wait: Callable[[str | None], None] | None = None
    lease_waits: float = 0.0

    @classmethod
    def of_run(cls, run_uid: str | None, *, target_shared: bool) -> Workspace:
        """The workspace of a process of run `run_uid` (None: a process alone). The workers of a
        run that share one target share its record of stalls; a worker with an emulator of its own
        keeps its own."""
        folder = run_folder(run_uid) if run_uid else None
        shared = folder / STALLS_FILE if folder is not None and target_shared else None
        return cls(run_uid, folder, Stalls(shared))
