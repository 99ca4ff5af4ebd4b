"""Waiting for asynchronous states (a backup `protecting` before `available`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from cbr_conformance.target import stalls
from cbr_conformance.target.stalls import WaitTimeout
from cbr_conformance.target.workspace import Workspace

__all__ = ["WaitTimeout", "pauses", "timing_dependent", "wait_for"]

T = TypeVar("T")
FIRST_PAUSE = 0.05  # seconds before the second poll; each later pause doubles, up to the interval
# Past the interval, a pause is this share of the time waited so far: a state is seen at most about
# a tenth late, and a wait that never ends reads a few dozen times, whatever its length.
LATE_SHARE = 0.1


# Set while the exchanges made depend on the target's timing (contract/exchange_facts.py keeps their facts
# apart): a context variable, so each thread and task has its own.
_TIMED: ContextVar[bool] = ContextVar("cbr_timing_dependent", default=False)


@contextmanager
def timing_dependent() -> Iterator[None]:
    """The exchanges made inside depend on the target's timing: what they answer, or whether
    they are made at all (a poll of an asynchronous state, a cleanup that waits for one)."""
    token = _TIMED.set(True)
    try:
        yield
    finally:
        _TIMED.reset(token)


# Set while an answer of a kind it accepts says the run's order got in the way (a resource another
# test still holds), not what the target does: the answer is then timing-dependent too.
_TIMED_ANSWER: ContextVar[Callable[[int | None, str], bool] | None] = ContextVar(
    "cbr_timing_dependent_answer", default=None
)


@contextmanager
def timing_dependent_answers(which: Callable[[int | None, str], bool]) -> Iterator[None]:
    """Answers `which` accepts (by status and body) depend on the target's timing."""
    token = _TIMED_ANSWER.set(which)
    try:
        yield
    finally:
        _TIMED_ANSWER.reset(token)


def depends_on_timing(status: int | None = None, body: str = "") -> bool:
    """Whether an exchange made now (answered `status` and `body`, when known) depends on the
    target's timing."""
    which = _TIMED_ANSWER.get()
    return _TIMED.get() or (which is not None and which(status, body))


def pauses(interval: float) -> Iterator[float]:
    """The pauses between a wait's polls: FIRST_PAUSE (or `interval`, if shorter), doubling up to
    `interval`, then LATE_SHARE of the time waited so far. A state reached in a fraction of a
    second is seen then; one never reached costs about 60 reads in two minutes at a 0.05 s
    interval, not 2,400."""
    pause = min(FIRST_PAUSE, interval)
    waited = 0.0
    while True:
        yield pause
        waited += pause
        pause = max(min(pause * 2, interval), waited * LATE_SHARE)


def wait_for(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    what: str,
    timeout: float,
    interval: float,
    failed: Callable[[T], bool] | None = None,
    describe: Callable[[T], str] = repr,
    state: Callable[[T], str | None] | None = None,
    workspace: Workspace | None = None,
) -> T:
    """Call `fetch` until `done(value)`; fail early when `failed(value)`, or after `timeout` seconds.

    Polling starts early and backs off (`pauses`): a state reached in a fraction of a second is
    seen then, and one never reached costs a bounded number of requests.

    With `state` (the asynchronous status a value is in, e.g. "protecting"), a time-out is recorded
    as a stall of the run, and a later wait that finds the same state fails at once, blocked by it
    (see target/stalls.py) in `workspace` (the client's: `client.workspace`), whose `on_wait` is told
    what the wait is for while it lasts."""
    workspace = workspace or Workspace()
    deadline = time.monotonic() + timeout
    backoff = pauses(interval)
    with timing_dependent():  # what a poll sees, and how many polls there are, is the target's timing
        value = fetch()
    notify = workspace.on_wait if not done(value) else None  # said once, when a wait begins
    if notify is not None:
        notify(what)
    try:
        while not done(value):
            if failed is not None and failed(value):
                raise WaitTimeout(f"{what}: reached a failed state: {describe(value)}")
            stalled = workspace.stalls.of_state(state(value) if state else None)
            if stalled is not None:
                raise stalls.AsyncStall(stalled, first=False)
            if time.monotonic() >= deadline:
                message = f"{what}: not reached within {timeout:g} s; last seen: {describe(value)}"
                if state is not None and (found := state(value)) in stalls.OPERATION_OF_STATE:
                    stall = stalls.Stall(stalls.OPERATION_OF_STATE[found], found, message)
                    workspace.stalls.record(stall)
                    raise stalls.AsyncStall(stall, first=True)
                raise WaitTimeout(message)
            time.sleep(min(next(backoff), max(0.0, deadline - time.monotonic())))
            with timing_dependent():
                value = fetch()
        return value
    finally:
        if notify is not None:
            notify(None)
