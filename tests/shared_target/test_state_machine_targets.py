"""The state machine against a standalone emulator, as users run it: one bug of one operation is
one violation of that operation, named as the chain's failing step; a run with neither an
inventory nor a second project is not failed, and says which operations were not tested and why."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from tests.shared_target.harness import emulator_process, run_suite
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

_SHOW_VAULT = re.compile(r"/v3/[^/]+/vaults/[^/?]+")


def _machine(summary: dict[str, Any]) -> dict[str, Any]:
    """The state machine test's record in a run's summary."""
    return next(t for t in summary["tests"] if t["nodeid"].endswith("test_state_machine_along_links"))


def test_a_chain_failing_at_show_vault_is_one_violation_of_show_vault(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator

    def drop_size(exchange: Exchange) -> None:
        if exchange.method == "GET" and _SHOW_VAULT.fullmatch(exchange.path) and exchange.status == 200:
            body = json.loads(exchange.answer)
            del body["vault"]["billing"]["size"]
            exchange.answer = json.dumps(body).encode()

    with MutatingProxy(url, on_answer=drop_size) as proxy:
        # one test: one worker, not a dozen started for it
        result = run_suite(proxy.url, inventory, tmp_path, 1, "-k", "stateful", "--workers", "1")
    assert result.code == 1, result.output[-3000:]
    assert _machine(result.summary)["failed_operation"] == "show_vault"
    violations = result.summary["violations"]
    assert [(v["operation"], v["path"]) for v in violations] == [("show_vault", "$.vault.billing")], (
        violations
    )
    (test,) = result.summary["tests"]
    assert test["exchanges"][-1]["operation_id"] == "show_vault"  # the evidence: the failing step's
    assert "the failing step: show_vault (contract violation)" in test["message"]


def test_without_inventory_or_second_project_the_machine_is_not_failed_and_says_what_it_left_untested(
    tmp_path: Path,
) -> None:
    first = DEFAULT_CREDENTIALS[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CBR_", "HUAWEICLOUD_SDK_"))}
    env["CBR_AUTH_TOKEN"] = first.tokens[0]
    with emulator_process(tmp_path / "cbr.sqlite3", async_delay=0.05) as url:
        for seed in ("1", "2"):
            reports = tmp_path / f"seed{seed}"
            command = [sys.executable, "-m", "cbr_conformance.cli", "run", "--target-url", url]
            command += ["--project-id", first.project_id, "--report-dir", str(reports), "--fuzz-seed", seed]
            result = subprocess.run(
                [*command, "-k", "stateful", "--workers", "1"],
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            summary = json.loads((reports / "latest" / "summary.json").read_text(encoding="utf-8"))
            assert result.returncode == 0 and not summary["violations"], result.stdout[-3000:]
            assert [t["outcome"] for t in summary["tests"]] == ["passed"], summary["tests"][0]["message"]
            untested = _machine(summary)["untested"]
            assert untested["add_share_members"]["why"] == "inventory"  # a backup to share, first
            assert "second project" in untested["add_share_members"]["message"]
            assert untested["add_vault_resources"]["why"] == "inventory"
            assert "create_vault" not in untested and "show_policy" not in untested
            credited = set(_machine(summary)["credited"])
            # each operation not reached is a not-tested cell of the matrix, the rest passed cells
            assert all(summary["matrix"][op]["stateful"] == {"not tested": 1} for op in untested)
            assert all(summary["matrix"][op]["stateful"] == {"passed": 1} for op in credited)
            assert not credited & set(untested)
