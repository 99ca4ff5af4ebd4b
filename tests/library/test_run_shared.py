"""A resource shared by a run's workers is made once, and what it is made of is recorded."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.outcome import NotTested, Why
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.resources.provision import Resources
from cbr_conformance.resources.run_shared import RunShared, SharedUnavailable, recorded_made
from cbr_conformance.target.client import CBRClient, ContractViolation, TargetUnreachable
from cbr_conformance.target.lifecycle import Cleanups
from cbr_conformance.target.made import Made
from cbr_conformance.transport.recording import Exchange, Violation


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


def _leaser(inventory: Inventory, allow_restore: bool = False) -> Resources:
    """The real leasing path of a shared resource's maker, with a client that sends nothing."""
    client = cast(CBRClient, SimpleNamespace(allow_restore=allow_restore))
    return Resources(client, inventory, "cbrc-t", Cleanups(1.0, 0.1), max_wait=1.0, poll_interval=0.1)


def test_a_maker_without_the_inventory_it_needs_leaves_every_worker_not_tested_naming_the_kind(
    tmp_path: Path,
) -> None:
    resources = _leaser(Inventory.empty())
    with pytest.raises(pytest.skip.Exception) as maker:  # a bare skip, too: its reason has no kind
        _worker(tmp_path).get("volume-backup", lambda: {"lease": resources.lease(VOLUME).id})
    assert isinstance(maker.value, NotTested) and maker.value.why is Why.INVENTORY, maker.value
    assert VOLUME in str(maker.value)
    record = json.loads((tmp_path / "shared-volume-backup.json").read_text(encoding="utf-8"))
    assert record["not_tested"]["why"] == "inventory"
    assert record["not_tested"]["lacking"] == {"type": VOLUME, "restore_target": False, "total": 0}
    for _ in range(2):  # another worker, reading the record; and asked again
        with pytest.raises((AssertionError, pytest.skip.Exception)) as reader:
            _worker(tmp_path).get("volume-backup", lambda: {"made": "again"})
        assert isinstance(reader.value, NotTested), reader.value
        assert reader.value.why is Why.INVENTORY, reader.value.msg
        assert f"the inventory has no {VOLUME}" in str(reader.value)


def test_a_maker_kept_by_an_opt_in_leaves_the_others_not_tested_for_that_opt_in(tmp_path: Path) -> None:
    resources = _leaser(Inventory.empty())
    with pytest.raises(pytest.skip.Exception):
        _worker(tmp_path).get("restore", lambda: {"lease": resources.lease(VOLUME, restore_target=True).id})
    with pytest.raises(pytest.skip.Exception) as reader:
        _worker(tmp_path).get("restore", lambda: {})
    assert isinstance(reader.value, NotTested)
    assert reader.value.why is Why.OPT_IN and "--allow-restore" in str(reader.value)


def _violating_exchange() -> Exchange:
    violation = Violation("schema", "create_checkpoint", "$.checkpoint.status", "'made' is not one of [...]")
    return Exchange(
        "create_checkpoint",
        "POST",
        "http://target/v3/p1/checkpoint",
        {"X-Auth-Token": "***"},
        '{"checkpoint": {}}',
        200,
        {"Content-Type": "application/json"},
        '{"checkpoint": {"status": "made"}}',
        violations=[violation],
    )


def test_a_maker_stopped_by_a_violation_blocks_every_worker_with_that_violation(tmp_path: Path) -> None:
    exchange = _violating_exchange()

    def broken() -> dict[str, Any]:
        raise ContractViolation(exchange)

    with pytest.raises(ContractViolation) as maker:
        _worker(tmp_path).get("backup", broken)
    assert maker.value.exchange is exchange
    with pytest.raises(ContractViolation) as reader:
        _worker(tmp_path).get("backup", lambda: {"made": "again"})
    # the report attributes the reader's failure by this exchange, as it does the maker's
    assert reader.value.exchange.to_dict() == exchange.to_dict()
    assert reader.value.exchange.violations == exchange.violations


def test_without_a_shared_folder_a_missing_kind_is_not_tested_too() -> None:
    resources = _leaser(Inventory.empty())
    with pytest.raises(pytest.skip.Exception) as missing:
        _worker(None).get("server-backup", lambda: {"lease": resources.lease(SERVER).id})
    assert isinstance(missing.value, NotTested) and missing.value.why is Why.INVENTORY, missing.value
    assert SERVER in str(missing.value)


def test_a_maker_whose_target_did_not_answer_leaves_every_worker_with_an_unreachable_target(
    tmp_path: Path,
) -> None:
    def unanswered() -> dict[str, Any]:
        raise TargetUnreachable("POST http://target/v3/p1/checkpoints -> no response (timed out)")

    with pytest.raises(TargetUnreachable):
        _worker(tmp_path).get("backup", unanswered)
    with pytest.raises(TargetUnreachable, match="no response"):  # the CLI's exit 3, not a failure
        _worker(tmp_path).get("backup", lambda: {})
