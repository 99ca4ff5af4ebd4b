"""A violation the target commits while the run's shared backup is being made blocks every test
that reads that backup, in every worker: one distinct violation, not one failure per reader."""

from __future__ import annotations

import json
from pathlib import Path

from tests.shared_target.harness import run_suite
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

READERS = (
    "test_list_backups_by_status_and_ownership",
    "test_list_backups_by_time_and_vault_usage",
    "test_show_disk_backup_echoes_the_backup_request",
)


def _checkpoint_without_status(exchange: Exchange) -> None:
    """create_checkpoint answers without the restore point's status (Table 4-38 requires it)."""
    created = exchange.method == "POST" and exchange.path.split("?")[0].endswith("/checkpoints")
    if created and exchange.status == 200:
        body = json.loads(exchange.answer)
        body["checkpoint"].pop("status", None)
        exchange.answer = json.dumps(body).encode()


def test_the_readers_of_a_shared_backup_are_blocked_by_the_violation_that_kept_it_from_being_made(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    with MutatingProxy(url, on_answer=_checkpoint_without_status) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 5, "-k", " or ".join(READERS), "-n", "2")
    assert result.code == 1, result.output[-3000:]
    violations = result.summary["violations"]
    assert [v["operation"] for v in violations] == ["create_checkpoint"], [
        (v["operation"], v["rule"], v["path"], v["message"]) for v in violations
    ]
    held_up = {nodeid.split("::")[-1] for nodeid in violations[0]["tests"] + violations[0]["blocked"]}
    assert held_up == set(READERS), violations[0]
    unavailable = [t["nodeid"] for t in result.summary["tests"] if "SharedUnavailable" in t["message"]]
    assert unavailable == [], result.output[-3000:]
