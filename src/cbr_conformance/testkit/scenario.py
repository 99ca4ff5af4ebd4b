"""Helpers of scenario tests: visible steps for the report, and the settling of asynchronous work
(time control itself: target/clock.py)."""

from __future__ import annotations

from collections.abc import Callable

# Hurries asynchronous work along where the target's clock can be moved; does nothing elsewhere.
Settle = Callable[[], None]
SETTLE_SECONDS = 5  # more than the embedded emulator's delay of backups and restores


class Steps:
    """The steps of a scenario as they happen: what was done, what was seen. Shown in the report."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(text)
