"""The run's record of asynchronous work that never ended, shared by the workers of one target."""

from __future__ import annotations

from pathlib import Path

import pytest

from cbr_conformance.target import stalls
from cbr_conformance.target.waiters import wait_for
from cbr_conformance.target.workspace import Workspace


def test_a_time_out_is_recorded_and_a_later_wait_fails_at_once(tmp_path: Path) -> None:
    path = tmp_path / "stalls.jsonl"
    polls: list[int] = []

    def fetch() -> str:
        polls.append(1)
        return "protecting"

    first_worker = Workspace(stalls=stalls.Stalls(path))
    with pytest.raises(stalls.AsyncStall) as first:
        wait_for(
            fetch,
            lambda s: s == "available",
            what="x",
            timeout=0.2,
            interval=0.05,
            state=str,
            workspace=first_worker,
        )
    assert first.value.first and first.value.stall.operation == "create_checkpoint"
    # another worker's registry reads the same file
    other_worker = Workspace(stalls=stalls.Stalls(path))
    polls.clear()
    with pytest.raises(stalls.AsyncStall, match="blocked by an earlier time-out") as later:
        wait_for(
            fetch,
            lambda s: s == "available",
            what="y",
            timeout=60,
            interval=1,
            state=str,
            workspace=other_worker,
        )
    assert not later.value.first and polls == [1]  # one look, no waiting


def test_a_state_that_comes_to_an_end_is_waited_for_as_usual(tmp_path: Path) -> None:
    workspace = Workspace(stalls=stalls.Stalls(tmp_path / "stalls.jsonl"))
    seen = iter(["protecting", "protecting", "available"])
    assert wait_for(
        lambda: next(seen), lambda s: s == "available", what="x", timeout=5, interval=0.01, state=str,
        workspace=workspace,
    )  # fmt: skip
    assert workspace.stalls.of_state("protecting") is None


def test_a_wait_without_a_workspace_keeps_its_stall_to_itself() -> None:
    with pytest.raises(stalls.AsyncStall):
        wait_for(
            lambda: "protecting", lambda s: s == "available", what="x", timeout=0.05, interval=0.01, state=str
        )
    assert wait_for(
        lambda: "available", lambda s: s == "available", what="y", timeout=5, interval=0.01, state=str
    )
