"""A scenario moves the clock it owns forward to moments after its now; a move it did not make (a
client outside the run) makes it not tested instead of a failure blamed on the target."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from cbr_conformance.outcome import NotTested, Why
from cbr_conformance.target.clock import ScenarioClock, TimeControl
from cbr_emulator.server import EmulatorServer


@pytest.fixture(scope="module")
def control() -> Iterator[TimeControl]:
    with EmulatorServer(async_delay=0) as emulator, requests.Session() as session:
        yield TimeControl(f"{emulator.url}/_emulator", session)


def test_a_scenario_moves_the_clock_to_the_moments_it_chose(control: TimeControl) -> None:
    clock = ScenarioClock(control)
    start = clock.now()
    clock.advance_to(start + timedelta(days=1, hours=1))
    clock.advance_to(start + timedelta(days=3, hours=1))
    assert timedelta(days=3, hours=1) <= clock.now() - start < timedelta(days=3, hours=1, minutes=1)
    clock.unmoved()


def test_a_move_by_another_client_makes_the_scenario_not_tested(control: TimeControl) -> None:
    clock = ScenarioClock(control)
    start = clock.now()
    control.advance(5)  # another run's settle, on the same emulator
    with pytest.raises(NotTested) as stopped:
        clock.advance_to(start + timedelta(hours=2))
    assert stopped.value.why == Why.TIME_CONTROL
    assert "moved +5 s by another client" in str(stopped.value)


def test_a_move_after_the_scenarios_own_is_seen_before_its_counts_are_judged(control: TimeControl) -> None:
    clock = ScenarioClock(control)
    clock.advance_to(clock.now() + timedelta(hours=1))
    control.advance(86400)
    with pytest.raises(NotTested, match=r"moved \+86400 s by another client"):
        clock.unmoved()


def test_a_moment_already_past_is_not_tested_the_clock_cannot_go_back(control: TimeControl) -> None:
    clock = ScenarioClock(control)
    with pytest.raises(NotTested, match=r"already past .* it cannot go back") as stopped:
        clock.advance_to(clock.now() - timedelta(minutes=1))
    assert stopped.value.why == Why.TIME_CONTROL
