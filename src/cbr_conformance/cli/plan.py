"""`cbr-conformance run --plan`: what a run would do, without calling the target."""

from __future__ import annotations

import argparse
import contextlib
import io
from collections import Counter

from cbr_conformance.cli.common import contract_of
from cbr_conformance.cli.exits import EXIT_OK
from cbr_conformance.cli.header import effective
from cbr_conformance.cli.preflight import collection_argv, inventory_preflight
from cbr_conformance.plugin.isolation import only_named_plugins
from cbr_conformance.settings.config import (
    SuiteConfig,
)


def plan_run(config: SuiteConfig, args: argparse.Namespace, pytest_args: list[str]) -> int:
    """What the run would do, from the tests it would run, without calling the target."""
    from cbr_conformance.suite.test_kinds import collect_tests

    with contextlib.redirect_stdout(io.StringIO()), only_named_plugins():  # the report is not the plan
        tests = collect_tests([], collection_argv(args, pytest_args))
    contract = contract_of(config.profile)
    methods = {op.operation_id: op.method for op in contract}
    writing = [t for t in tests if t.mutates]
    calls = Counter(op for t in tests for op in t.operations)
    print(f"target: {config.target_url or 'the embedded emulator (its own, forgotten at the end)'}")
    used = effective(config)  # the embedded emulator's own projects, whatever a URL's settings name
    print(f"projects: {used.project_id}; second: {used.second_project_id or 'none (its tests skip)'}")
    print(
        f"{len(tests)} tests, {len(writing)} of them create or change data (names start with the run prefix)"
    )
    if config.read_only:
        print("read-only: GET requests only, nothing is created")
    else:
        budget = "no limit" if config.embedded else f"at most {config.max_vault_size} GB each"
        print(f"vaults: {budget}; policies: disabled; restore points and shares of the run's own vaults")
        restores = (
            "on (embedded)"
            if config.embedded
            else (
                "onto inventory items marked restore_target"
                if config.allow_restore
                else "off (--allow-restore)"
            )
        )
        print(f"restores: {restores}; fuzzing: {config.fuzz_examples} cases per operation and mode")
    print("\noperations called (tests):")
    for op in contract:
        if calls[op.operation_id]:
            print(f"  {methods[op.operation_id]:<6} {op.operation_id:<28} {calls[op.operation_id]}")
    wanting = inventory_preflight(config, tests, names=True)
    if wanting:
        print("\n" + "\n".join(wanting))
    return EXIT_OK
