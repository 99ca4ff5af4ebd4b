"""A target whose asynchronous work never ends is reported within about one --max-wait: the first
time-out is the violation, and every later wait for the same state is blocked by it."""

from __future__ import annotations

import time
from pathlib import Path

from tests.shared_target.harness import emulator_process, run_suite, suite_inventory

MAX_WAIT = 4.0
WORKERS = 4
SUBSET = ("-k", "test_backups or test_restore_points or test_scenario_backup", "-n", str(WORKERS))


def test_restore_points_that_stay_protecting_are_one_violation_reported_fast(tmp_path: Path) -> None:
    with emulator_process(tmp_path / "cbr.sqlite3", async_delay=86400) as url:
        started = time.monotonic()
        result = run_suite(
            url, suite_inventory(tmp_path), tmp_path / "reports", 1, *SUBSET, "--max-wait", str(MAX_WAIT)
        )
        took = time.monotonic() - started
    violations = result.summary["violations"]
    assert [(v["operation"], v["rule"], v["path"]) for v in violations][:1] == [
        ("create_checkpoint", "async work never ended", "status protecting")
    ], [(v["operation"], v["rule"], v["path"], v["message"]) for v in violations]
    stalled = violations[0]
    waited = len(stalled["tests"]) + len(stalled["blocked"])
    assert waited >= 10, stalled
    assert "not reached within 4 s" in stalled["message"]
    assert result.code == 1, result.output[-2000:]
    # Only the first wait of each worker runs to the end of MAX_WAIT (they start together, before
    # any time-out is known); every later test fails at once, its cleanup included.
    waited_out = [t["nodeid"] for t in result.summary["tests"] if t["duration"] >= MAX_WAIT]
    assert len(waited_out) <= WORKERS, waited_out
    print(f"{waited} tests needed a backup; {len(waited_out)} waited it out; the run took {took:.1f} s")
