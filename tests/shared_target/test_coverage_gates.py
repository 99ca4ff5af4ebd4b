"""Coverage and the baseline gate against targets that misbehave in one known way: a mutating
proxy in front of a correct emulator, each run read back from its summary and console."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from tests.shared_target.harness import RunResult, run_suite
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

# The tests that meet list_vaults' and list_policies' 400 (bad paging, an unknown type). They make
# nothing: a target that misbehaves here slows no cleanup.
SUBSET = (
    "-k",
    "test_list_vaults_with_invalid_paging_is_refused"
    " or test_list_policies_with_unknown_operation_type_is_refused",
    "-n",
    "0",
)
EMPTY = {"vaults": {"vaults": [], "count": 0}, "policies": {"policies": [], "count": 0}}


def never_refuses(*collections: str) -> Callable[[Exchange], None]:
    """A target that never answers 400 to a list of these collections: it answers an empty page
    instead (a body the spec allows), so the status it withholds is the only thing wrong."""
    lists = re.compile(rf"/v3/[^/]+/({'|'.join(collections)})$")

    def accept(exchange: Exchange) -> None:
        found = lists.search(exchange.path.split("?")[0])
        if exchange.method == "GET" and found and exchange.status == 400:
            exchange.status, exchange.answer = 200, json.dumps(EMPTY[found.group(1)]).encode()

    return accept


def _run(
    url: str, inventory: Path, reports: Path, hook: Callable[[Exchange], None] | None, *extra: str
) -> RunResult:
    with MutatingProxy(url, on_answer=hook) as proxy:
        return run_suite(proxy.url, inventory, reports, 1, *SUBSET, *extra)


def _missing_statuses(result: RunResult, operation: str) -> list[str]:
    missing: list[str] = result.summary["coverage"]["operations"][operation]["responses"]["missing"]
    return missing


def test_a_status_the_target_never_returns_is_not_exercised(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    honest = _run(url, inventory, tmp_path / "honest", None)
    assert honest.code == 0, honest.output
    assert "400" not in _missing_statuses(honest, "list_vaults")

    broken = _run(url, inventory, tmp_path / "broken", never_refuses("vaults"))
    assert broken.code == 1, broken.output
    assert "400" in _missing_statuses(broken, "list_vaults")
    assert "400" not in _missing_statuses(broken, "list_policies")  # only what the target withholds
    codes = broken.summary["coverage"]["operations"]["list_vaults"]["error_codes"]["missing"]
    assert "BackupService.9900" in codes  # the code of that refusal never came back either


def test_the_baseline_passes_an_old_violation_and_fails_a_new_one(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    release = _run(url, inventory, tmp_path / "release", never_refuses("vaults"))
    assert release.code == 1, release.output
    baseline = str(tmp_path / "release" / "latest")

    same_bug = _run(url, inventory, tmp_path / "same", never_refuses("vaults"), "--baseline", baseline)
    assert same_bug.code == 0, same_bug.output
    assert "DOES NOT CONFORM" in same_bug.output  # the verdict does not change; the gate does
    assert "1 of its violations remain, 0 fixed, 0 new" in same_bug.output

    new_bug = _run(
        url, inventory, tmp_path / "new", never_refuses("vaults", "policies"), "--baseline", baseline
    )
    assert new_bug.code == 1, new_bug.output
    assert "1 of its violations remain, 0 fixed, 1 new" in new_bug.output
    assert "new: list_policies: [behaviour (policy-list-invalid-operation-type)]" in new_bug.output
