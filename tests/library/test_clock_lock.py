"""One test of a run owns a shared target's clock at a time; a settle moves it only when nobody owns
it, and a test that cannot have it in time is not tested."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cbr_conformance.outcome import NotTested, Why
from cbr_conformance.target.clock_lock import ClockLock


def _worker(folder: Path | None, wait: float = 5.0) -> ClockLock:
    """One xdist worker's lock: each has its own, on the same files of the run's shared folder."""
    return ClockLock(folder, wait)


def test_owners_take_the_clock_in_turn(tmp_path: Path) -> None:
    owning: list[int] = []
    overlaps: list[list[int]] = []

    def scenario(index: int) -> None:
        with _worker(tmp_path).own():
            owning.append(index)
            if len(owning) > 1:
                overlaps.append(list(owning))
            time.sleep(0.1)
            owning.remove(index)

    threads = [threading.Thread(target=scenario, args=(i,)) for i in range(4)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert time.monotonic() - began >= 0.4  # one after the other


def test_a_settle_does_not_move_a_clock_another_test_owns(tmp_path: Path) -> None:
    owner, settler = _worker(tmp_path), _worker(tmp_path)
    with settler.share() as free:
        assert free
    with owner.own(), settler.share() as free:
        assert not free
    with settler.share() as free:
        assert free


def _own_in_thread(lock: ClockLock, owned: threading.Event, done: threading.Event) -> threading.Thread:
    """A test on another worker that owns the clock (once it can) until `done`."""

    def scenario() -> None:
        with lock.own():
            owned.set()
            done.wait(10)

    thread = threading.Thread(target=scenario)
    thread.start()
    return thread


def test_settles_move_the_clock_together_and_an_owner_waits_for_those_under_way(tmp_path: Path) -> None:
    owned, done = threading.Event(), threading.Event()
    with _worker(tmp_path).share() as free_first, _worker(tmp_path).share() as free_second:
        assert free_first and free_second  # settles do not wait for each other
        thread = _own_in_thread(_worker(tmp_path), owned, done)
        time.sleep(0.3)
        assert not owned.is_set()  # the owner waits for the settles under way...
        with _worker(tmp_path).share() as free_later:
            assert not free_later  # ...and a later settle leaves the clock to the owner
    assert owned.wait(5)
    done.set()
    thread.join()


def test_an_owner_kept_waiting_past_the_wait_is_not_tested(tmp_path: Path) -> None:
    with _worker(tmp_path).own():
        began = time.monotonic()
        with pytest.raises(NotTested) as stopped, _worker(tmp_path, wait=0.3).own():
            pass
    assert 0.3 <= time.monotonic() - began < 3
    assert stopped.value.why == Why.TIME_CONTROL
    assert "another test of the run owned the target's clock" in str(stopped.value)
    with _worker(tmp_path, wait=0.3).own() as waited:  # given back: the next owner has it at once
        assert waited < 0.3


def test_an_owner_reports_how_long_it_waited(tmp_path: Path) -> None:
    owned, done = threading.Event(), threading.Event()
    thread = _own_in_thread(_worker(tmp_path), owned, done)
    assert owned.wait(5)
    threading.Timer(0.3, done.set).start()
    with _worker(tmp_path).own() as waited:
        assert 0.2 <= waited < 3
    thread.join()


def test_alone_with_its_clock_a_process_never_waits_nor_locks(tmp_path: Path) -> None:
    alone = _worker(None, wait=0.0)
    with alone.own() as waited:
        assert waited == 0.0
        with alone.share() as free:
            assert not free  # the owner's own moves are the only ones
    with alone.share() as free:
        assert free
    assert list(tmp_path.iterdir()) == []


def test_the_owners_own_settle_leaves_the_clock_to_the_owner(tmp_path: Path) -> None:
    worker = _worker(tmp_path)
    with worker.own(), worker.share() as free:
        assert not free
