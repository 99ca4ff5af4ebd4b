"""A fuzz failure's printed replay command sends the minimal case again and fails the same way."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from tests.shared_target.harness import run_suite
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

TEST = "test_fuzz.py::test_fuzz[create_policy-positive]"


def _long_retention_crashes(exchange: Exchange) -> None:
    """The target fails with a 500 on a policy kept more than 500 days (a bug behind validation)."""
    if exchange.method != "POST" or not exchange.path.split("?")[0].endswith("/policies"):
        return
    try:
        definition = json.loads(exchange.body)["policy"]["operation_definition"]
    except (ValueError, KeyError, TypeError):
        return
    days = definition.get("retention_duration_days") if isinstance(definition, dict) else None
    if isinstance(days, int) and days > 500:
        exchange.status = 500
        exchange.answer = json.dumps(
            {"error_code": "BackupService.9910", "error_msg": "Unknown error."}
        ).encode()


def test_the_replay_command_reproduces_the_minimal_failure(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    with MutatingProxy(url, on_answer=_long_retention_crashes) as proxy:
        first = run_suite(
            proxy.url, inventory, tmp_path / "first", 5, TEST, "-n", "0", "--fuzz-examples", "60"
        )
        assert first.code == 1, first.output[-3000:]
        [failed] = [t for t in first.summary["tests"] if t["outcome"] == "violated"]
        command = re.search(
            r"cbr-conformance run '[^']+' --fuzz-seed \d+ --fuzz-replay \S+", failed["message"]
        )
        assert command, failed["message"][-2000:]
        args = shlex.split(command.group(0))[2:]  # after "cbr-conformance run"
        again = run_suite(proxy.url, inventory, tmp_path / "again", 5, *args, "-n", "0")
    assert again.code == 1, again.output[-3000:]
    [replayed] = [t for t in again.summary["tests"] if t["outcome"] == "violated"]
    assert "server error 500" in replayed["message"]
    # what was sent again is the minimal case: a policy kept just over 500 days
    [sent] = [e for e in replayed["exchanges"] if e["operation_id"] == "create_policy" and e["status"] == 500]
    days = json.loads(sent["request_body"])["policy"]["operation_definition"]["retention_duration_days"]
    assert days == 501, days
