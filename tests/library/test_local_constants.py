"""A seed's generated cases depend on the seed and the contract alone.

hypothesis draws some values from the constants of the modules loaded from the folder it runs in:
for a suite installed from a checkout, its own modules, and whatever a worker happened to import
before. While the suite generates, it draws none, so a module loaded in between changes nothing.
Run in a fresh interpreter: the constants a module brings stay in hypothesis for the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cbr_conformance.generation.internals import HYPOTHESIS_PROVIDERS, without_local_constants

SCRIPT = r"""
import importlib, json, sys
import hypothesis
from hypothesis import HealthCheck, settings
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.fuzzing import MODES, generating, load_schema

contract = Contract.load()
operation = contract.operations["create_vault"]
api_operation = load_schema(contract)[operation.path][operation.method]
strategy = api_operation.as_strategy(generation_mode=MODES["negative"])

def draw(scoped):
    drawn = []

    @hypothesis.seed(11)
    @settings(max_examples=40, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @hypothesis.given(case=strategy)
    def collect(case):
        drawn.append(json.dumps(case.body, sort_keys=True, default=repr))

    if scoped:
        with generating(contract):
            collect()
    else:
        collect()
    return drawn

scoped = sys.argv[1] == "scoped"
before = draw(scoped)
sys.path.insert(0, sys.argv[2])
importlib.import_module("lots_of_constants")  # a module of the folder hypothesis runs in
after = draw(scoped)
print(json.dumps({"same": before == after}))
"""


def _run(tmp_path: Path, scoped: bool) -> bool:
    folder = tmp_path / "checkout"
    folder.mkdir()
    words = ", ".join(repr(f"constant-{n}-\u00e9x") for n in range(300))
    numbers = ", ".join(str(7919 * n) for n in range(300))
    (folder / "lots_of_constants.py").write_text(f"WORDS = [{words}]\nNUMBERS = [{numbers}]\n")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "scoped" if scoped else "plain", str(folder)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return bool(json.loads(result.stdout.strip().splitlines()[-1])["same"])


def test_a_module_loaded_in_between_changes_no_case_the_suite_generates(tmp_path: Path) -> None:
    assert _run(tmp_path, scoped=True)


def test_without_the_scope_it_would(tmp_path: Path) -> None:
    # what the scope guards against: hypothesis's own behaviour, which the test above relies on
    assert not _run(tmp_path, scoped=False)


def test_the_hypothesis_internals_left_aside_are_there() -> None:
    # when a hypothesis release moves them, this names them (the cases then depend on the code again)
    with without_local_constants() as found:
        assert found, f"{HYPOTHESIS_PROVIDERS}._get_local_constants or CONSTANTS_CACHE not found"
