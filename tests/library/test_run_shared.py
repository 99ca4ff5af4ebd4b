"""A resource shared by a run's workers is made once, and what it is made of is recorded."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.lifecycle import Made
from cbr_conformance.run_shared import RunShared, SharedUnavailable, recorded_made


def _worker(folder: Path | None, wait: float = 5.0) -> RunShared:
    return RunShared(folder, wait=wait)


def _vault(shared: RunShared, calls: list[str]) -> dict[str, Any]:
    calls.append("made")
    time.sleep(0.3)  # a backup under way: the other workers wait for it
    shared.born(Made("p1", "vault", "v-1", "cbrc-shared-vault", "create_vault", {"vault_id": "v-1"}))
    return {"vault_id": "v-1"}


def test_the_first_worker_makes_it_and_the_others_read_it(tmp_path: Path) -> None:
    calls: list[str] = []
    got: list[dict[str, Any]] = []
    workers = [_worker(tmp_path) for _ in range(4)]
    threads = [
        threading.Thread(target=lambda w=w: got.append(w.get("vault", lambda: _vault(w, calls))))
        for w in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["made"] and got == [{"vault_id": "v-1"}] * 4
    assert [m.id for m in recorded_made(tmp_path)] == ["v-1"]  # for the controller to delete


def test_a_worker_asked_again_does_not_read_the_folder_again(tmp_path: Path) -> None:
    worker = _worker(tmp_path)
    assert worker.get("vault", lambda: {"n": 1}) == {"n": 1}
    (tmp_path / "shared-vault.json").unlink()
    assert worker.get("vault", lambda: {"n": 2}) == {"n": 1}


def test_a_failure_to_make_it_fails_every_worker_that_needs_it(tmp_path: Path) -> None:
    def broken() -> dict[str, Any]:
        raise AssertionError("create_checkpoint answered 500: {...}\nmore lines")

    with pytest.raises(AssertionError, match="answered 500"):
        _worker(tmp_path).get("backup", broken)
    with pytest.raises(SharedUnavailable, match="could not be made: create_checkpoint answered 500"):
        _worker(tmp_path).get("backup", lambda: {"made": "again"})


def test_a_maker_that_never_finishes_is_waited_for_a_bounded_time(tmp_path: Path) -> None:
    (tmp_path / "shared-backup.making").touch()  # another worker claimed it, and died
    with pytest.raises(SharedUnavailable, match=r"waited 0\.3 s"):
        _worker(tmp_path, wait=0.3).get("backup", lambda: {})


def test_without_a_shared_folder_the_process_keeps_its_own(tmp_path: Path) -> None:
    calls: list[str] = []
    one, other = _worker(None), _worker(None)
    one.get("vault", lambda: _vault(one, calls))
    other.get("vault", lambda: _vault(other, calls))
    assert calls == ["made", "made"]
