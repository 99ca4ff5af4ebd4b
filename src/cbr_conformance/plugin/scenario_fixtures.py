"""Fixtures of scenario tests: their visible steps and notes for the report, and the target's clock,
owned by one test of the run at a time (target/clock_lock.py), with the settling of asynchronous
work between steps.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.plugin.keys import (
    CLOCK_WAIT,
    RECORD,
    STEPS,
    TestNotes,
)
from cbr_conformance.target.clock import ScenarioClock, TimeControl
from cbr_conformance.target.clock_lock import ClockLock
from cbr_conformance.target.endpoint import Target
from cbr_conformance.testkit.scenario import SETTLE_SECONDS, Settle, Steps


@pytest.fixture
def cbr_notes(request: pytest.FixtureRequest) -> TestNotes:
    """What the test tells its report beyond its outcome: a fuzz test's answers, a chain's
    operations exercised and not reached."""
    notes = TestNotes()
    request.node.stash[RECORD] = notes
    return notes


@pytest.fixture
def cbr_steps(request: pytest.FixtureRequest) -> Steps:
    """Record the steps of a scenario: `cbr_steps("created vault v-1")`; the report shows them."""
    steps = Steps()
    request.node.stash[STEPS] = steps
    return steps


@pytest.fixture(scope="session")
def cbr_clock_lock(pytestconfig: pytest.Config, cbr_target: Target) -> ClockLock:
    """Who moves the target's clock (target/clock_lock.py): one test of the run at a time, across the
    workers that share one target; an owner waits for another as long as for a resource."""
    from cbr_conformance.plugin.shared import shared_folder

    return ClockLock(shared_folder(pytestconfig), wait=cbr_target.config.max_wait)


@pytest.fixture
def cbr_clock(
    request: pytest.FixtureRequest, cbr_target: Target, cbr_http: requests.Session, cbr_clock_lock: ClockLock
) -> Iterator[ScenarioClock]:
    """The target's clock, for scenarios that need time to pass, owned by the test from its set-up
    to its teardown: no other test of the run moves it meanwhile. Not tested on targets without
    time control, or when another test keeps the clock past the wait."""
    if cbr_target.control_url is None:
        not_tested(
            Why.TIME_CONTROL,
            "needs time control: the embedded emulator's, or a standalone cbr-emulator's given with "
            "--control-url (CBR_CONTROL_URL)",
        )
    with cbr_clock_lock.own() as waited:
        request.node.stash[CLOCK_WAIT] = waited
        yield ScenarioClock(TimeControl(cbr_target.control_url, cbr_http))


@pytest.fixture
def cbr_settle(cbr_target: Target, cbr_http: requests.Session, cbr_clock_lock: ClockLock) -> Settle:
    """Call after starting a backup or restore: moves a controllable clock past the work's delay,
    unless another test owns the clock (`cbr_clock`): then, as on targets without time control,
    nothing moves and the waiters wait in real time."""
    if cbr_target.control_url is None:
        return lambda: None
    clock = TimeControl(cbr_target.control_url, cbr_http)

    def settle() -> None:
        with cbr_clock_lock.share() as free:
            if free:
                clock.advance(SETTLE_SECONDS)

    return settle
