"""Asynchronous work that never ends, reported once: the first time-out is the violation, and
every later wait for the same state is *blocked* by it instead of waiting its own `--max-wait`.

A target whose restore points stay `protecting` for ever would otherwise cost each test that
backs something up a full wait, one after the other: hours for a run. The registry is shared by
the run's workers when they share one target (a file beside their inventory leases), and kept in
the process when each worker has its own embedded emulator.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


class WaitTimeout(AssertionError):
    """The awaited state did not come in time; the message says what was seen last."""


# The operation whose asynchronous work a resource is left in, by the status it stays in.
OPERATION_OF_STATE = {
    "protecting": "create_checkpoint",
    "waiting_protect": "create_checkpoint",
    "restoring": "restore_backup",
    "waiting_restore": "restore_backup",
    "deleting": "delete_backup",
    "waiting_delete": "delete_backup",
}


# The state of a resource whose deletion was accepted but never took effect: its stall is
# recorded under the delete operation (target/lifecycle.py), so later deletions of the kind do not wait.
STILL_SHOWN = "still shown after its deletion"


@dataclass(frozen=True)
class Stall:
    operation: str
    state: str
    message: str  # the first time-out's words: what was awaited, for how long, what was seen


class AsyncStall(WaitTimeout):
    """Awaited asynchronous work did not end: the first time-out (`first`), or a later wait that
    met the same state and was not made to wait again."""

    def __init__(self, stall: Stall, first: bool) -> None:
        told = stall.message if first else f"blocked by an earlier time-out: {stall.message}"
        super().__init__(told)
        self.stall = stall
        self.first = first


class Stalls:
    """The run's stalled (operation, state) pairs."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._known: dict[tuple[str, str], Stall] = {}

    def find(self, operation: str, state: str) -> Stall | None:
        if (operation, state) not in self._known and self.path is not None and self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    stall = Stall(**json.loads(line))
                    self._known.setdefault((stall.operation, stall.state), stall)
        return self._known.get((operation, state))

    def of_state(self, state: str | None) -> Stall | None:
        """The stall of the operation that leaves a resource in `state`, if one was recorded."""
        operation = OPERATION_OF_STATE.get(state or "")
        return self.find(operation, state or "") if operation else None

    def record(self, stall: Stall) -> None:
        self._known.setdefault((stall.operation, stall.state), stall)
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, (json.dumps(asdict(stall)) + "\n").encode())
        finally:
            os.close(fd)
