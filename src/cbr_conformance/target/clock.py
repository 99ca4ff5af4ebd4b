"""The target's clock where it can be moved: the emulator's control API, and a scenario's view of
a clock it owns (target/clock_lock.py makes it the only test of its run that moves it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.target.moments import moment

_OFFSET_TOLERANCE = 0.001  # seconds: the offset is a sum of floats


@dataclass(frozen=True)
class ClockReading:
    now: datetime  # the target's time, aware (UTC)
    offset: float  # seconds the control API has moved it ahead of real time, all clients together


class TimeControl:
    """The emulator's control API (`/_emulator/clock`): read the target's clock, move it forward."""

    def __init__(self, control_url: str, session: requests.Session, timeout: float = 30.0) -> None:
        self.control_url = control_url.rstrip("/")
        self.session = session
        self.timeout = timeout

    def reading(self) -> ClockReading:
        response = self.session.get(f"{self.control_url}/clock", timeout=self.timeout)
        response.raise_for_status()
        return _reading(response.json())

    def advance(self, seconds: float) -> ClockReading:
        """Advance the clock; every trigger and asynchronous transition due meanwhile runs, in order."""
        response = self.session.post(
            f"{self.control_url}/clock/advance", json={"seconds": seconds}, timeout=self.timeout
        )
        response.raise_for_status()
        return _reading(response.json())


def _reading(state: Any) -> ClockReading:
    return ClockReading(moment(state["now"]), float(state["offset_seconds"]))


class ScenarioClock:
    """The target's clock as a scenario that owns it sees it: moved only by the scenario.

    A scenario counts what happened between two moments it chose after the clock's own now, so it
    never needs the clock to go back. If the clock moved by more than the scenario moved it (a
    client outside the run, or another run against the same emulator), what it counts is no
    evidence against the target: the scenario stops, not tested, instead of failing."""

    def __init__(self, control: TimeControl) -> None:
        self.control = control
        self._offset: float | None = None  # the offset the scenario's own moves account for

    def now(self) -> datetime:
        """The target's now, after checking that only the scenario has moved its clock."""
        return self._checked(self.control.reading()).now

    def advance_to(self, when: datetime) -> None:
        """Move the clock forward to `when`, a moment the scenario chose after its now."""
        reading = self._checked(self.control.reading())
        if when <= reading.now:
            not_tested(
                Why.TIME_CONTROL,
                f"the target's clock is at {reading.now:%Y-%m-%d %H:%M:%S}, already past "
                f"{when:%Y-%m-%d %H:%M:%S} where the scenario would move it: it cannot go back",
            )
        seconds = (when - reading.now).total_seconds()
        moved = self.control.advance(seconds)
        self._offset = reading.offset + seconds
        self._checked(moved)

    def unmoved(self) -> None:
        """Check, after reading what a move did, that nobody else has moved the clock since."""
        self.now()

    def _checked(self, reading: ClockReading) -> ClockReading:
        if self._offset is None:
            self._offset = reading.offset
        elif abs(reading.offset - self._offset) > _OFFSET_TOLERANCE:
            not_tested(
                Why.TIME_CONTROL,
                f"the target's clock was moved {reading.offset - self._offset:+.0f} s by another client "
                "during the scenario (another run against the same emulator?): what the scenario "
                "counted cannot be told from what that move did",
            )
        return reading
