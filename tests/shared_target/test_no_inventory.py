"""A target at a URL with a token and a project only: no inventory, no second project. What needs
a resource of the inventory, or the second project, is not tested, saying which; nothing fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.shared_target.harness import RunResult, credentials_env, emulator_process


def _run_bare(url: str, reports: Path, *extra: str) -> RunResult:
    """`cbr-conformance run` as a new user first types it: a URL, a token and a project."""
    env = {k: v for k, v in credentials_env().items() if not k.startswith(("CBR_", "HUAWEICLOUD_SDK_"))}
    first = DEFAULT_CREDENTIALS[0]
    env.update(CBR_AUTH_TOKEN=first.tokens[0])
    command = [sys.executable, "-m", "cbr_conformance.cli", "run", "--target-url", url]
    command += ["--project-id", first.project_id, "--report-dir", str(reports), *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
    summary_path = reports / "latest" / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return RunResult(done.returncode, summary, done.stdout[-8000:] + done.stderr[-4000:])


def test_a_run_without_inventory_conforms_and_says_what_each_skipped_test_needs(tmp_path: Path) -> None:
    with emulator_process(tmp_path / "cbr.sqlite3", async_delay=0.2) as url:
        # 4 workers: a dozen would spend most of the run starting on 2 cores
        run = _run_bare(url, tmp_path / "reports", "-k", "test_backups or test_vaults", "--workers", "4")
    assert run.code == 0 and run.summary.get("conforms") is True, "\n".join(run.failures()) or run.output
    assert not run.failures()
    tests = run.summary["tests"]
    skipped = {t["nodeid"]: t["message"] for t in tests if t["outcome"] == "not tested"}
    assert {t["why"] for t in tests if t["nodeid"] in skipped} <= {
        "inventory", "second project", "opt-in", "credentials", "time control"
    }  # fmt: skip
    for kind in ("OS::Cinder::Volume", "OS::Nova::Server"):
        assert any(kind in message for message in skipped.values()), (kind, skipped)
    # the backup tests that read the run's shared backups are among them, for want of a kind
    shared = [n for n in skipped if "test_list_backups" in n or "test_show_backup" in n]
    assert shared and all("inventory" in skipped[n] for n in shared), {n: skipped[n] for n in shared}
    assert any(t["outcome"] == "passed" for t in tests)  # what needs no inventory still ran
    # the preflight said beforehand what would not be tested, by kind
    assert "not tested for want of" in run.output and "OS::Cinder::Volume" in run.output, run.output
