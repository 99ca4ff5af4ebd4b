"""Waits back off to a bounded number of reads; a deletion that never takes effect is one stall of
its delete operation, and a read that misreports a deletion fails at once."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import accumulate, islice, takewhile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from cbr_conformance.target import lifecycle, stalls, waiters
from cbr_conformance.target.lifecycle import DELETED, REFUSED, Cleanups, DeletionMisreported
from cbr_conformance.target.made import Made
from cbr_conformance.target.workspace import Workspace


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """A clock that sleeping moves: a wait of minutes takes no time."""
    now = [1000.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    for module in (waiters, lifecycle):
        monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
        monkeypatch.setattr(module.time, "sleep", sleep)
    yield now


@pytest.fixture(autouse=True)
def own_stalls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> stalls.Stalls:
    """The test's workspace, which every client of the test carries (as the run's clients do)."""
    registry = stalls.Stalls(tmp_path / "stalls.jsonl")
    monkeypatch.setattr(Target, "workspace", Workspace(stalls=registry), raising=False)
    return registry


def test_pauses_start_short_double_to_the_interval_then_grow_with_the_time_waited() -> None:
    assert list(islice(waiters.pauses(0.2), 5)) == [0.05, 0.1, 0.2, 0.2, 0.2]
    assert list(islice(waiters.pauses(0.01), 3)) == [0.01, 0.01, 0.01]
    waited = 0.0
    for pause in islice(waiters.pauses(0.2), 200):
        assert pause <= max(0.2, waited * waiters.LATE_SHARE) + 1e-9  # a state is seen at most ~10% late
        waited += pause
    assert waited > 3600


@pytest.mark.parametrize("interval", [0.05, 0.2, 2.0])
def test_a_wait_of_two_minutes_reads_a_bounded_number_of_times(interval: float) -> None:
    waited = takewhile(lambda total: total < 120, accumulate(waiters.pauses(interval)))
    assert len(list(waited)) <= 70


def test_a_state_never_reached_is_read_a_few_times_in_its_whole_wait(clock: list[float]) -> None:
    reads: list[float] = []

    def fetch() -> str:
        reads.append(clock[0])
        return "protecting"

    with pytest.raises(waiters.WaitTimeout):
        waiters.wait_for(fetch, lambda s: s == "available", what="a backup", timeout=120, interval=0.05)
    assert reads[-1] - reads[0] >= 120
    assert len(reads) <= 70, len(reads)  # 2,400 at a fixed 0.05 s


class Target:
    """A client of a target whose deletions answer `deleted` and whose reads then answer `shown`."""

    workspace: Workspace  # the test's (the `own_stalls` fixture)

    def __init__(self, deleted: int = 204, shown: int = 200, backups: str = "available") -> None:
        self.deleted, self.shown, self.backups = deleted, shown, backups
        self.calls: list[str] = []

    def call(self, operation: str, **_: Any) -> Any:
        self.calls.append(operation)
        status = self.deleted if operation.startswith("delete_") else self.shown
        code = "BackupService.6105" if status >= 400 else None
        exchange = SimpleNamespace(violations=[], response_text="{}")
        body: dict[str, Any] = {"backup": {"id": "b-1", "status": self.backups}, "vault": {"id": "v-1"}}
        if operation == "list_backups":
            status, body = 200, {"backups": [body["backup"]]}
        return SimpleNamespace(status=status, error_code=code, exchange=exchange, json=lambda: body)


def _vault(n: int) -> Made:
    return Made("p-1", "vault", f"v-{n}", f"vault {n}", "create_vault", {"vault_id": f"v-{n}"})


def test_the_first_deletion_never_taking_effect_is_the_stall_later_ones_are_blocked(
    clock: list[float], own_stalls: stalls.Stalls
) -> None:
    target = Target()
    started = clock[0]
    first = lifecycle.delete(target, _vault(1), max_wait=5, poll_interval=0.05)  # type: ignore[arg-type]
    assert first.result == REFUSED and "still shown (200) 5 s after its deletion" in first.detail
    assert isinstance(first.failure, stalls.AsyncStall) and first.failure.first
    assert first.failure.stall.operation == "delete_vault"
    assert "vault v-1" in str(first.failure) and "never took effect" in str(first.failure)
    assert clock[0] - started == pytest.approx(5, abs=0.5)
    assert own_stalls.find("delete_vault", stalls.STILL_SHOWN) is not None

    target.calls.clear()
    started = clock[0]
    later = lifecycle.delete(target, _vault(2), max_wait=5, poll_interval=0.05)  # type: ignore[arg-type]
    assert later.result == REFUSED and "not waited for" in later.detail
    assert isinstance(later.failure, stalls.AsyncStall) and not later.failure.first
    assert target.calls == ["delete_vault", "show_vault"]  # one look, no waiting
    assert clock[0] == started


def test_a_later_deletion_that_takes_effect_is_not_blocked(clock: list[float]) -> None:
    lifecycle.delete(Target(), _vault(1), max_wait=5, poll_interval=0.05)  # type: ignore[arg-type]
    gone = lifecycle.delete(Target(shown=404), _vault(2), max_wait=5, poll_interval=0.05)  # type: ignore[arg-type]
    assert gone.result == DELETED and gone.failure is None


def test_a_read_that_misreports_a_deletion_fails_at_once(clock: list[float]) -> None:
    target = Target(shown=400)
    started = clock[0]
    outcome = lifecycle.delete(target, _vault(1), max_wait=120, poll_interval=0.05)  # type: ignore[arg-type]
    assert target.calls == ["delete_vault", "show_vault"] and clock[0] == started
    assert outcome.result == REFUSED and isinstance(outcome.failure, DeletionMisreported)
    assert "show_vault answered 400" in str(outcome.failure) and "404 BackupService.6105" in str(
        outcome.failure
    )


def test_cleanups_list_what_stays_and_fail_on_the_first_stall_not_a_blocked_one(clock: list[float]) -> None:
    target = Target()
    cleanups = Cleanups(max_wait=5, poll_interval=0.05)
    for n in (1, 2, 3):
        cleanups.born(_vault(n), target)  # type: ignore[arg-type]
    leftovers = cleanups.run()
    assert [line.split(":")[0] for line in leftovers] == ["refused"] * 3
    assert all(f"v-{n}" in " ".join(leftovers) for n in (1, 2, 3))
    with pytest.raises(stalls.AsyncStall) as failed:
        cleanups.raise_failure()
    assert failed.value.first


def test_a_backup_left_in_work_that_never_ended_is_not_waited_for_again(clock: list[float]) -> None:
    """Deleting a restore point whose backups stay `protecting`, once the run saw that never end:
    no second --max-wait, for its backups' deletion or their reads."""
    Target.workspace.stalls.record(stalls.Stall("create_checkpoint", "protecting", "not reached within 5 s"))
    target = Target(backups="protecting")
    made = Made("p-1", "checkpoint", "c-1", "", "create_checkpoint", {"checkpoint_id": "c-1"})
    started = clock[0]
    outcome = lifecycle.delete(target, made, max_wait=5, poll_interval=0.05)  # type: ignore[arg-type]
    assert clock[0] == started
    assert target.calls == ["list_backups", "delete_backup", "show_backup"]
    assert outcome.result == REFUSED and "still protecting" in outcome.detail
    assert isinstance(outcome.failure, stalls.AsyncStall) and not outcome.failure.first


def test_a_restore_point_whose_backups_stay_busy_is_one_wait_then_a_stall(clock: list[float]) -> None:
    """The first restore point whose backups never leave `protecting` waits one --max-wait; its
    backups' deletion, and every later wait for the state, meet the stall at once."""
    target = Target(backups="protecting")
    made = Made("p-1", "checkpoint", "c-1", "", "create_checkpoint", {"checkpoint_id": "c-1"})
    started = clock[0]
    outcome = lifecycle.delete(target, made, max_wait=5, poll_interval=0.05)  # type: ignore[arg-type]
    assert clock[0] - started == pytest.approx(5, abs=1)
    assert target.calls[-2:] == ["delete_backup", "show_backup"]  # its deletion is not waited for
    assert isinstance(outcome.failure, stalls.AsyncStall) and outcome.failure.first
    assert outcome.failure.stall.operation == "create_checkpoint" and "still protecting" in str(
        outcome.failure
    )
    assert target.workspace.stalls.of_state("protecting") is not None
