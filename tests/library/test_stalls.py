"""The run's record of asynchronous work that never ended, shared by the workers of one target."""

from __future__ import annotations

from pathlib import Path

import pytest

from cbr_conformance.target import stalls
from cbr_conformance.target.waiters import wait_for


def test_a_time_out_is_recorded_and_a_later_wait_fails_at_once(tmp_path: Path) -> None:
    path = tmp_path / "stalls.jsonl"
    stalls.use(stalls.Stalls(path))
    polls: list[int] = []

    def fetch() -> str:
        polls.append(1)
        return "protecting"

    with pytest.raises(stalls.AsyncStall) as first:
        wait_for(fetch, lambda s: s == "available", what="x", timeout=0.2, interval=0.05, state=str)
    assert first.value.first and first.value.stall.operation == "create_checkpoint"
    # another worker's registry reads the same file
    stalls.use(stalls.Stalls(path))
    polls.clear()
    with pytest.raises(stalls.AsyncStall, match="blocked by an earlier time-out") as later:
        wait_for(fetch, lambda s: s == "available", what="y", timeout=60, interval=1, state=str)
    assert not later.value.first and polls == [1]  # one look, no waiting
    stalls.use(stalls.Stalls())


def test_a_state_that_comes_to_an_end_is_waited_for_as_usual(tmp_path: Path) -> None:
    stalls.use(stalls.Stalls(tmp_path / "stalls.jsonl"))
    seen = iter(["protecting", "protecting", "available"])
    assert wait_for(
        lambda: next(seen), lambda s: s == "available", what="x", timeout=5, interval=0.01, state=str
    )
    assert stalls.stall_of("protecting") is None
    stalls.use(stalls.Stalls())
