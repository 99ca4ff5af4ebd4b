"""One bug of a target, one entry of the report: single-bug targets made by a mutating proxy in
front of a correct emulator, each read back from the run's summary and console."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.shared_target.harness import RunResult, run_suite
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

SUBSET = ("-k", "test_vaults or test_fuzz or test_policies", "-n", "2")


def _is_list_vaults(exchange: Exchange) -> bool:
    return exchange.method == "GET" and exchange.path.split("?")[0].endswith("/vaults")


def test_a_field_dropped_from_one_operation_is_one_violation_and_blocks_the_rest(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator

    def drop_count(exchange: Exchange) -> None:
        if _is_list_vaults(exchange) and exchange.status == 200:
            body = json.loads(exchange.answer)
            body.pop("count", None)
            exchange.answer = json.dumps(body).encode()

    with MutatingProxy(url, on_answer=drop_count) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 1, *SUBSET)
    assert result.code == 1
    violations = result.summary["violations"]
    assert [(v["operation"], v["rule"], v["path"]) for v in violations] == [
        ("list_vaults", "response_schema", "$")
    ], [(v["operation"], v["rule"], v["path"], v["message"]) for v in violations]
    assert "count" in violations[0]["message"]
    assert "DOES NOT CONFORM: 1 distinct violation" in result.output
    assert "reference 4." in result.output  # the operation's section of the reference
    failed = [t for t in result.summary["tests"] if t["outcome"] in ("violated", "blocked", "suite error")]
    assert all(t.get("blocked_by") or "list_vaults" in t["operations"] for t in failed)
    assert len(result.output.splitlines()) < 150, result.output


def test_a_wrong_status_is_one_violation_of_its_operation(emulator: tuple[str, Path], tmp_path: Path) -> None:
    url, inventory = emulator

    def created_not_ok(exchange: Exchange) -> None:
        is_create = exchange.method == "POST" and exchange.path.split("?")[0].endswith("/policies")
        if is_create and exchange.status == 200:
            exchange.status = 201

    with MutatingProxy(url, on_answer=created_not_ok) as proxy:
        result = run_suite(proxy.url, inventory, tmp_path, 2, *SUBSET)
    assert result.code == 1
    violations = result.summary["violations"]
    assert [(v["operation"], v["rule"]) for v in violations] == [("create_policy", "status_documented")], [
        (v["operation"], v["rule"], v["path"], v["message"]) for v in violations
    ]
    assert len(result.output.splitlines()) < 150, result.output


def _the_one_violation(result: RunResult, operation: str) -> dict[str, Any]:
    """The run's only distinct violation, which must be of `operation`."""
    assert result.code == 1, result.output[-2000:]
    violations: list[dict[str, Any]] = result.summary["violations"]
    assert [v["operation"] for v in violations] == [operation], [
        (v["operation"], v["rule"], v["path"], v["message"]) for v in violations
    ]
    return violations[0]


def _ignoring(listing: str, parameter: str) -> Callable[[Exchange], None]:
    """A target that ignores a valid query `parameter` (a regular expression of `name=value`) of
    the GET listing whose path ends with `listing`; an invalid value is still refused."""

    def drop(exchange: Exchange) -> None:
        path, _, query = exchange.path.partition("?")
        if exchange.method == "GET" and path.endswith(listing):
            kept = [part for part in query.split("&") if not re.fullmatch(parameter, part)]
            exchange.path = path + ("?" + "&".join(kept) if kept else "")

    return drop


def _run_ignoring(
    emulator: tuple[str, Path], tmp_path: Path, seed: int, ignored: tuple[str, str], selection: str
) -> RunResult:
    url, inventory = emulator
    with MutatingProxy(url, on_request=_ignoring(*ignored)) as proxy:
        # the proxy changes the URL, which an AK/SK signature covers: tokens only
        subset = ("-k", selection, "-n", "2")
        return run_suite(proxy.url, inventory, tmp_path, seed, *subset, tokens_only=True)


def test_a_broken_paging_rule_is_one_violation_of_its_operation(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    # every page of the vaults starts at the first vault
    result = _run_ignoring(emulator, tmp_path, 3, ("/vaults", r"offset=[1-9][0-9]*"), "test_vaults")
    violation = _the_one_violation(result, "list_vaults")
    assert "offset" in violation["message"] and "4.4.3" in violation["message"]
    assert "DOES NOT CONFORM: 1 distinct violation" in result.output
    assert len(result.output.splitlines()) < 150, result.output


def test_a_filter_ignored_is_found_by_tests_reading_the_runs_shared_backups(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    # every backup is listed, whatever restore point is asked for; the tests read the run's shared
    # backups, from 2 workers
    selection = "test_list_backups_by_checkpoint_and_name or test_list_backups_by_time"
    result = _run_ignoring(emulator, tmp_path, 4, ("/backups", r"checkpoint_id=[^&]+"), selection)
    violation = _the_one_violation(result, "list_backups")
    assert "checkpoint_id=" in violation["message"] and "4.5.2" in violation["message"]
    outcomes = {t["nodeid"].split("::")[-1]: t["outcome"] for t in result.summary["tests"]}
    assert outcomes == {
        "test_list_backups_by_checkpoint_and_name": "violated",
        "test_list_backups_by_time_and_vault_usage": "passed",
    }, outcomes
