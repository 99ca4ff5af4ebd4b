"""`run --plan` agrees with what a run really created, kind by kind: the plan's figures against the
run's ledger (created.jsonl) of the same settings, against the embedded emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from cbr_conformance.paths import suite_root
from cbr_conformance.target.made import LEDGER_FILE, RESTORE

SETTINGS = ["--workers", "0", "--fuzz-examples", "3"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cbr_conformance.cli", "run", *args, *SETTINGS],
        cwd=suite_root(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _made_by(ledger: Path) -> dict[str, Counter[str]]:
    """What each test and fixture made, by kind: each resource once, each restore as many times."""
    made: dict[str, Counter[str]] = {}
    seen = set()
    for line in ledger.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        key = (record["project_id"], record["kind"], record["id"])
        if record["kind"] != RESTORE and key in seen:
            continue
        seen.add(key)
        made.setdefault(record["by"], Counter()).update(record["counts"])
    return made


def _scaled(planned: dict[str, Any], times: str) -> Counter[str]:
    return Counter({kind: n * planned[times] for kind, n in planned["creates"].items()})


def test_the_plan_agrees_with_the_ledger_of_a_run(tmp_path: Path) -> None:
    planned = _cli("--plan", "--json")
    assert planned.returncode == 0, planned.stderr[-3000:]
    plan = json.loads(planned.stdout)
    run = _cli("--report-dir", str(tmp_path))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    made = _made_by(tmp_path / "latest" / LEDGER_FILE)
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text(encoding="utf-8"))
    outcomes = {t["nodeid"]: t["outcome"] for t in summary["tests"]}

    exact = budgeted = 0
    for nodeid, part in plan["tests"].items():
        got = made.pop(nodeid, Counter())
        assert outcomes[nodeid] in ("passed", "not tested"), (nodeid, outcomes[nodeid])
        if part["least"] == part["times"] and outcomes[nodeid] == "passed":  # deterministic: exactly
            assert got == _scaled(part, "times"), nodeid
            exact += 1
        else:  # fuzzing, the state machine: within their budget
            assert got <= _scaled(part, "times"), nodeid
            budgeted += 1
    for name, part in plan["fixtures"].items():
        got = made.pop(name, Counter())
        assert _scaled(part, "least") <= got <= _scaled(part, "times"), name
    assert not made, f"made by what the plan does not count: {sorted(made)}"
    assert exact > 80 and budgeted > 5  # the whole suite was planned and run
    total = Counter(plan["exact"])
    assert total["vault"] > 50 and total["server_backup"] and total["disk_backup"], total
    assert total["restore"] and total["share"] and total["policy"], total
