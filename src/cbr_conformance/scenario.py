"""Helpers of scenario tests: visible steps for the report, and time control where a target offers it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

# Hurries asynchronous work along where the target's clock can be moved; does nothing elsewhere.
Settle = Callable[[], None]
SETTLE_SECONDS = 5  # more than the embedded emulator's delay of backups and restores


class Steps:
    """The steps of a scenario as they happen: what was done, what was seen. Shown in the report."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(text)


class TimeControl:
    """The emulator's control API (`/_emulator/clock`): move the target's clock forward."""

    def __init__(self, control_url: str, session: requests.Session, timeout: float = 30.0) -> None:
        self.control_url = control_url.rstrip("/")
        self.session = session
        self.timeout = timeout

    def now(self) -> Any:
        response = self.session.get(f"{self.control_url}/clock", timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float) -> Any:
        """Advance the clock; every trigger and asynchronous transition due meanwhile runs, in order."""
        response = self.session.post(
            f"{self.control_url}/clock/advance", json={"seconds": seconds}, timeout=self.timeout
        )
        response.raise_for_status()
        return response.json()
