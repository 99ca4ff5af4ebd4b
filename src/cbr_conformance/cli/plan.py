"""`cbr-conformance run --plan`: what a run would create and call, without calling the target.

Its figures are the declarations the run enforces (suite/plan.py): what each test and fixture
declares it creates, for the tests the settings and inventory let run. `--json` prints the same
as one JSON document.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
from collections import Counter

from cbr_conformance.cli.common import contract_of
from cbr_conformance.cli.exits import EXIT_OK, UsageProblem
from cbr_conformance.cli.header import effective
from cbr_conformance.cli.preflight import collection_argv
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.stateful.families import most_steps
from cbr_conformance.plugin.isolation import only_named_plugins
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.suite.plan import RunPlan, plan
from cbr_conformance.suite.test_kinds import CollectedTest
from cbr_conformance.target.endpoint import inventory_path
from cbr_conformance.testkit.bodies import DEFAULT_VAULT_SIZE


def _processes(count: str) -> int:
    """How many processes run the tests, of pytest-xdist's -n (0 is one process)."""
    if count == "auto":
        return os.cpu_count() or 1
    try:
        return max(1, int(count))
    except ValueError:
        raise UsageProblem(f"-n {count}: a number of workers, or auto") from None


def _inventory(config: SuiteConfig) -> Inventory:
    path = inventory_path(config)
    if path is None:
        return Inventory.empty()
    try:
        return Inventory.load(path, effective(config).project_id or "")
    except KeyError as exc:
        raise UsageProblem(f"--inventory {path}: an item lacks {exc}") from None
    except (OSError, ValueError, TypeError) as exc:
        raise UsageProblem(
            f"--inventory {path}: {(str(exc).splitlines() or [type(exc).__name__])[0]}"
        ) from None


def make_plan(
    config: SuiteConfig, args: argparse.Namespace, pytest_args: list[str], workers: str
) -> tuple[RunPlan, list[CollectedTest]]:
    """The plan of the run these arguments ask for (`workers`: its -n), and the tests it would run."""
    from cbr_conformance.suite.test_kinds import collect_run

    with contextlib.redirect_stdout(io.StringIO()), only_named_plugins():  # the report is not the plan
        tests, fixtures = collect_run([], collection_argv(args, pytest_args))
    processes = _processes(workers)
    used = effective(config)
    result = plan(
        tests,
        fixtures,
        used,
        contract_of(config.profile, config.spec),
        _inventory(config),
        embedded=config.embedded,
        workers=processes,
        # a target at a URL: the workers share the run's backups (plugin/shared.py)
        shared_once=not config.embedded,
    )
    return result, tests


def plan_run(config: SuiteConfig, args: argparse.Namespace, pytest_args: list[str], workers: str) -> int:
    """What the run would create and call, from the tests it would run, without calling the target;
    `workers`: pytest-xdist's -n of the run."""
    result, tests = make_plan(config, args, pytest_args, workers)
    if getattr(args, "json", False):
        print(json.dumps({"target": config.target_url or "embedded", **result.to_dict()}, indent=2))
        return EXIT_OK
    contract = contract_of(config.profile, config.spec)
    methods = {op.operation_id: op.method for op in contract}
    writing = [t for t in tests if t.mutates]
    calls = Counter(op for t in tests for op in t.operations)
    print(f"target: {config.target_url or 'the embedded emulator (its own, forgotten at the end)'}")
    used = effective(config)  # the embedded emulator's own projects, whatever a URL's settings name
    print(f"projects: {used.project_id}; second: {used.second_project_id or 'none (its tests skip)'}")
    print(
        f"{len(tests)} tests, {len(writing)} of them create or change data (names start with the run prefix)"
    )
    print("\n" + "\n".join(_creation_lines(config, result, contract)))
    if result.not_run:
        left_out = {nodeid for nodeids in result.not_run.values() for nodeid in nodeids}
        print(f"\nwill not run ({len(left_out)} of {len(tests)} tests), and why:")
        for why, nodeids in sorted(result.not_run.items()):
            print(f"  {why}: {len(nodeids)} test{'s' if len(nodeids) != 1 else ''}")
            print("\n".join(f"    {nodeid}" for nodeid in sorted(nodeids)))
    print("\noperations called (tests):")
    for op in contract:
        if calls[op.operation_id]:
            print(f"  {methods[op.operation_id]:<6} {op.operation_id:<28} {calls[op.operation_id]}")
    return EXIT_OK


def _creation_lines(config: SuiteConfig, result: RunPlan, contract: Contract) -> list[str]:
    if result.read_only:
        return ["creates nothing: read-only, GET requests only"]
    billed = "" if result.billed else " (the embedded emulator bills nothing: a target at a URL would)"
    lines = [f"creates on the target{billed}, each deleted again when its test ends:", *result.lines()]
    columns = {source for source, counts in result.by_source().items() if any(counts.values())}
    told = {
        "fuzz": f"fuzzing: --fuzz-examples {config.fuzz_examples} cases per operation and mode",
        "stateful": f"the state machine: at most {most_steps(contract, config.fuzz_examples)} steps",
        "workers": "other workers: the shared resources each makes of its own",
    }
    if columns & set(told):
        lines.append("  " + "; ".join(words for source, words in told.items() if source in columns))
    if result.billed:
        lines.append(
            f"vaults: {DEFAULT_VAULT_SIZE} GB each as the tests make them; none created or resized "
            f"over --max-vault-size ({config.max_vault_size} GB)"
        )
        restores = (
            "onto inventory items marked restore_target" if config.allow_restore else "off (--allow-restore)"
        )
        lines.append(f"restores: {restores}; policies: disabled when made (the scenarios fire their own)")
    return lines
