"""One owner of a shared target's clock at a time, across the workers of a run.

The scenarios that move the clock by days (a policy firing, retention) count what their policy did
in a window of time: another test moving the same clock meanwhile adds runs of the policy, or
leaves the scenario's next moment in the past. So a test that sets the time of its scenario owns
the clock for the whole test (an exclusive lock), and a settle, which only moves time forward by
seconds so that a backup ends, moves it only while nobody owns it (a shared lock, held for the one
request); when the clock is owned, the settle leaves it alone and the backup ends in real time, as
on a target without time control.

The locks are `flock`s on two files of the run's shared folder, which the system frees if a worker
dies. An owner first queues on `clock.queue`, then takes `clock.lock`: a settle that finds the
queue taken (an owner waiting or owning) does not move the clock, so an owner waits for the settles
under way as it queues, never for later ones. Without a shared folder (one process, or one embedded
emulator per worker) nobody else moves the clock: nothing is locked and nothing waits.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from cbr_conformance.outcome import Why, not_tested

_QUEUE = "clock.queue"
_LOCK = "clock.lock"
_POLL = 0.05


class ClockLock:
    """The clock's locks in `folder` (None: this process is alone with its clock); an owner waits
    up to `wait` seconds for the clock."""

    def __init__(self, folder: Path | None, wait: float) -> None:
        self.folder = folder
        self.wait = wait
        self._owned = False  # owned by a test of this process

    @contextmanager
    def own(self) -> Iterator[float]:
        """Own the clock for the block; yields the seconds spent waiting for it. When another test
        holds it past the wait, the test that asked is not tested."""
        with ExitStack() as held:
            waited = 0.0
            if self.folder is not None:
                began = time.monotonic()
                deadline = began + self.wait
                # Closing a file frees its lock: the stack closes the lock, then the queue.
                for name in (_QUEUE, _LOCK):
                    fd = self._open(name)
                    held.callback(os.close, fd)
                    _take(fd, deadline, began)
                waited = time.monotonic() - began
            self._owned = True
            try:
                yield waited
            finally:
                self._owned = False

    @contextmanager
    def share(self) -> Iterator[bool]:
        """For one move of the clock forward by a few seconds: yields True when nobody else owns
        or waits for the clock (the move may be made), False otherwise. Never waits for an owner;
        in the owner's own test, too, only the owner's moves move the clock."""
        if self._owned or self.folder is None:
            yield not self._owned
            return
        queue = self._open(_QUEUE)
        try:
            try:
                fcntl.flock(queue, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                lock = None
            else:
                lock = self._open(_LOCK)
                fcntl.flock(lock, fcntl.LOCK_SH)  # free at once: an owner holds the queue first
        finally:
            os.close(queue)  # past the queue, an owner waits for this request alone, not later ones
        try:
            yield lock is not None
        finally:
            if lock is not None:
                os.close(lock)

    def _open(self, name: str) -> int:
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)  # made again if a sweep of /tmp took it
        return os.open(self.folder / name, os.O_RDWR | os.O_CREAT, 0o600)


def _take(fd: int, deadline: float, began: float) -> None:
    """The exclusive lock of `fd`, polled until `deadline` (a blocking flock cannot time out)."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                not_tested(
                    Why.TIME_CONTROL,
                    f"another test of the run owned the target's clock for {time.monotonic() - began:.0f} s, "
                    "the longest a test waits for it (--max-wait)",
                )
            time.sleep(_POLL)
