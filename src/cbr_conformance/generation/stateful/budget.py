"""When the state machine may start an example, and how long a failing chain is shrunk.

Every step reaches the target, so both are bounded in time: no example starts once the run's
time budget is spent (unless a failure is being shrunk), and once a failure has been shrunk for
`shrink_seconds`, only the shortest failing chain so far is walked again (hypothesis replays it
to report it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Budget:
    deadline: float | None  # no example starts after it (the clock's time), unless shrinking
    shrink_seconds: float
    clock: Callable[[], float] = time.monotonic
    failing_since: float | None = None  # when the first failure came: shrinking is bounded from then
    failing_steps: list[str] = field(default_factory=list)  # those of the latest (shortest) failure

    @classmethod
    def starting_now(
        cls, seconds: float | None, shrink_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> Budget:
        """A budget of `seconds` from now (None or 0: no time limit)."""
        return cls(clock() + seconds if seconds else None, shrink_seconds, clock)

    @property
    def shrinking(self) -> bool:
        """Whether a failure was found: the examples from then on shrink it."""
        return self.failing_since is not None

    def example_may_start(self) -> bool:
        """No example starts once the budget is spent, unless a failure is being shrunk; and none
        once shrinking has had twice its time: replays of the failing chain's beginnings could
        go on for minutes (the failure then stands as last caught)."""
        if self.failing_since is not None:
            return self.clock() - self.failing_since <= 2 * self.shrink_seconds
        return self.deadline is None or self.clock() <= self.deadline

    def failed(self, walked: Sequence[str]) -> None:
        """An example failed after the steps `walked`: shrinking starts (or goes on) from it."""
        self.failing_since = self.failing_since or self.clock()
        self.failing_steps = list(walked)

    def step_may_be_walked(self, walked: Sequence[str]) -> bool:
        """Whether an example whose steps so far are `walked` may go on: once shrinking has had
        its time, only a replay of the shortest failing chain may."""
        if self.failing_since is None or self.clock() - self.failing_since <= self.shrink_seconds:
            return True
        return list(walked) == self.failing_steps[: len(walked)]


def share_of(ends: float | None, shares: int, clock: Callable[[], float] = time.monotonic) -> float | None:
    """The seconds one of `shares` machines gets of a budget that ends at `ends` (None: no limit):
    what one leaves, the next gets; each gets a moment at least."""
    return max(0.1, (ends - clock()) / shares) if ends is not None else None
