"""`cbr-conformance run`: the suite under pytest, its header, its workers, its exit code."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.cli.common import config_of, contract_of, forwarded_args, isolated_args, suite_args
from cbr_conformance.cli.exits import EXIT_INTERRUPTED, NoTestsSelected, UsageProblem, exit_code_of
from cbr_conformance.cli.header import effective, header_settings
from cbr_conformance.cli.plan import plan_run
from cbr_conformance.cli.preflight import inventory_preflight, preflight, selected_tests
from cbr_conformance.cli.results_out import gate_on_baseline, print_incomplete, print_leftovers, print_matrix
from cbr_conformance.contract.errata import ERRATA_FILE, load_errata
from cbr_conformance.contract.spec import Contract
from cbr_conformance.plugin.isolation import only_named_plugins
from cbr_conformance.report import console
from cbr_conformance.results.header import header_lines
from cbr_conformance.results.run_header import Departure, RunHeader
from cbr_conformance.results.rundirs import (
    Completion,
    latest_summary,
    link_run,
    new_run_dir,
)
from cbr_conformance.results.summary import RunSummary, UnreadableSummary, read_summary
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.settings.loading import CONFIG_FLAG
from cbr_conformance.settings.registry import RUN, ConfigError
from cbr_conformance.target.made import LEDGER_FILE

REMOTE_WORKERS_PER_CORE = 6


REMOTE_WORKERS_MAX = 16


def header_of(
    config: SuiteConfig,
    contract: Contract,
    started: dt.datetime,
    prefix: str,
    workers: str = "-",
    pytest_args: Sequence[str] = (),
) -> RunHeader:
    """summary.json's header: every setting that changes what the run tests (cli/header.py), the
    contract's identity, and the run's own (prefix, gate, start)."""
    applied = [] if config.profile == "strict" else load_errata(contract.folder / ERRATA_FILE)
    return dataclasses.replace(
        header_settings(config, workers, pytest_args),
        profile=config.profile,
        require_complete=config.require_complete,
        baseline=str(config.baseline) if config.baseline else None,
        run_prefix=prefix,
        spec_version=contract.version,
        spec_sha256=contract.sha256,
        seed=config.fuzz_seed,
        fuzz_examples=config.fuzz_examples,
        fuzz_seconds=config.fuzz_seconds,
        started=started.isoformat(timespec="seconds"),
        errata=tuple(Departure(e.id, e.section, e.spec) for e in applied if e.kind == "departure"),
    )


def _run_fields(header: RunHeader, config: SuiteConfig) -> list[tuple[str, str]]:
    """The run's header on the console: what is tested, as whom, how."""
    (_, target), *rest = header_lines(header)
    used = effective(config)
    waits = f"up to {used.max_wait:g} s each, polled every {used.poll_interval:g} s"
    scope = [("scope", partial_scope)] if (partial_scope := _partial_scope(header)) else []
    return [("cbr-conformance", f"target {target}"), *scope, *rest, ("waits", waits)]


def _partial_scope(header: RunHeader) -> str:
    """Said first when the run is partial by design (read-only, a selection): its verdict will be."""
    parts = ["read-only"] if header.read_only else []
    if header.pytest_args:
        parts.append("selection " + " ".join(header.pytest_args))
    return f"partial ({'; '.join(parts)}): the verdict covers what runs" if parts else ""


def workers_shown(config: SuiteConfig, pytest_args: list[str]) -> str:
    count = _workers_given(pytest_args) or worker_count(config)
    if count == "auto":  # pytest-xdist's: one per core, each with its own embedded emulator
        return f"{os.cpu_count() or 1} (one per core, each with an emulator of its own)"
    return "one process" if count == "0" else count


# pytest arguments that ask for pytest's own console: its verbose report, tracebacks or short
# summary, a debugger's prompt, or what the tests themselves print (-s).
PYTEST_CONSOLE_ARGS = ("-v", "--verbose", "--tb", "-r", "--pdb", "--trace", "-s", "--capture=no")


def _workers_given(pytest_args: list[str]) -> str | None:
    """pytest-xdist's -n as the user's pytest arguments give it, if they do."""
    for index, arg in enumerate(pytest_args):
        for flag in ("-n", "--numprocesses"):
            if arg == flag and index + 1 < len(pytest_args):
                return pytest_args[index + 1]
            if arg.startswith(flag) and arg != flag:
                return arg.removeprefix(flag).removeprefix("=")
    return None


def quiet(pytest_args: list[str]) -> bool:
    return not any(arg.startswith(PYTEST_CONSOLE_ARGS) for arg in pytest_args)


def worker_count(config: SuiteConfig) -> str:
    """pytest-xdist's -n for the run: a remote target's run is bounded by its waits, so more
    workers than cores overlap them (see bench/README.md)."""
    if config.workers != "auto" or config.embedded:
        return config.workers
    return str(min(REMOTE_WORKERS_MAX, REMOTE_WORKERS_PER_CORE * (os.cpu_count() or 1)))


def pytest_argv(
    args: argparse.Namespace, config: SuiteConfig, run_dir: Path, prefix: str, pytest_args: list[str]
) -> list[str]:
    argv = [
        *isolated_args(),
        "-p",
        "no:cacheprovider",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        f"--junitxml={run_dir / 'junit.xml'}",
        f"--html={run_dir / 'tests.html'}",
        "--self-contained-html",
        "-o",
        "junit_logging=no",
        "--run-prefix",
        prefix,
        "--ledger",
        str(run_dir / LEDGER_FILE),
    ]
    argv += forwarded_args(args, leave_out=("run_prefix",))
    if config.durations_from is None and (last := _latest(config.report_dir)) is not None:
        # The newest complete run's durations lay this one out (the plugin uses them if the target
        # is the same); an interrupted run's would put the tests it never reached last.
        argv += ["--durations-from", str(last)]
    if args.config:
        argv += [CONFIG_FLAG, str(args.config)]
    if quiet(pytest_args):
        # Quiet by default: the distinct violations follow the run, tracebacks are in the report.
        argv += ["-q", "--tb=no"]
    if not any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in pytest_args):
        argv += ["-n", worker_count(config)]  # tests run in parallel (pytest-xdist); 0: one process
    return argv + suite_args(pytest_args)


def _exit_code(code: int, summary: RunSummary | None) -> int:
    """The run's exit code, from pytest's and the summary's typed outcomes."""
    if code == pytest.ExitCode.INTERRUPTED or (summary and summary.interrupted):
        return EXIT_INTERRUPTED
    if code == pytest.ExitCode.NO_TESTS_COLLECTED or (summary is not None and not summary.tests):
        raise NoTestsSelected("no tests selected: the arguments match no test of the suite")
    if code == pytest.ExitCode.USAGE_ERROR or summary is None:
        raise UsageProblem(f"pytest stopped with exit code {int(code)} before running the suite")
    return exit_code_of(summary)


def _latest(report_dir: Path) -> Path | None:
    """Where the newest complete run's summary is, if there is one and it can be read."""
    try:
        latest = latest_summary(report_dir)
    except UnreadableSummary as exc:
        print(f"the tests are laid out without the latest run's durations: {exc}", file=sys.stderr)
        return None
    return latest[0] if latest is not None else None


def handle_run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    from cbr_conformance.resources.provision import new_run_prefix
    from cbr_conformance.results.collector import ResultCollector

    config = config_of(args, RUN)
    if args.json and not args.plan:
        raise UsageProblem("--json prints the plan: it goes with --plan")
    if args.plan:
        return plan_run(config, args, pytest_args, _workers_given(pytest_args) or worker_count(config))
    baseline = _before_the_run(config, args, pytest_args)
    contract = contract_of(config.profile, config.spec)
    started = dt.datetime.now(dt.UTC)
    prefix = config.run_prefix or new_run_prefix()
    run_dir = new_run_dir(config.report_dir, started)
    header = header_of(config, contract, started, prefix, workers_shown(config, pytest_args), pytest_args)
    collector = ResultCollector(run_dir / "summary.json", header, contract, read_only=config.read_only)
    out = console.console()
    out.print(console.header_table(_run_fields(header, config)))
    argv = pytest_argv(args, config, run_dir, prefix, pytest_args)
    code, completion = _pytest_run(argv, collector, out, quiet(pytest_args))
    summary = collector.summary  # None: pytest stopped before the session ended
    try:
        exit_code = _exit_code(code, summary)
    except UsageProblem:
        shutil.rmtree(run_dir, ignore_errors=True)  # reports/latest stays the last real run
        raise
    complete = completion.complete(summary)
    link_run(config.report_dir, run_dir, complete=complete)
    if summary is not None:
        exit_code = _report(summary, contract, run_dir, exit_code, baseline, config)
    if not complete:
        print_incomplete(config.report_dir, run_dir, completion)
    print(f"report: {run_dir / 'index.html'}")
    return exit_code


def _before_the_run(
    config: SuiteConfig, args: argparse.Namespace, pytest_args: list[str]
) -> RunSummary | None:
    """What is checked before anything is sent: the target and credentials, what the inventory
    leaves untested, and the baseline (read now: given as reports/latest, it is the run it named)."""
    preflight(config)
    if not (config.embedded or config.read_only):  # what the inventory leaves untested, by kind
        for line in inventory_preflight(config, selected_tests(args, pytest_args)):
            print(line)
    try:
        return read_summary(config.baseline) if config.baseline else None
    except UnreadableSummary as exc:
        raise ConfigError(f"--baseline: {exc}") from None


def _pytest_run(
    argv: list[str], collector: object, out: Any, quietly: bool
) -> tuple[int | pytest.ExitCode, Completion]:
    """pytest on the suite, its workers sharing one folder named after the run's id; quietly: live
    progress by area, and no report of pytest's own (its counts are not the suite's)."""
    from cbr_conformance.plugin.bytecode import shared_bytecode
    from cbr_conformance.target.workspace import run_folder

    run_uid = uuid.uuid4().hex  # the workers' test run id: it names the folder they share
    completion = Completion()
    plugins: list[object] = [collector, completion]
    held = console.HeldPytestReport() if quietly else None
    if held is not None:
        plugins += [console.LiveProgress(out, run_folder(run_uid)), held]
    try:
        with shared_bytecode(), only_named_plugins(), held.held() if held else contextlib.nullcontext():
            code = pytest.main([*argv, "--testrunuid", run_uid], plugins=plugins)
    finally:
        shutil.rmtree(run_folder(run_uid), ignore_errors=True)
    if held is not None:
        held.show_problems()
    return code, completion


def _report(
    summary: RunSummary,
    contract: Contract,
    run_dir: Path,
    exit_code: int,
    baseline: RunSummary | None,
    config: SuiteConfig,
) -> int:
    """The run's page, its matrix and leftovers on the console, and the gate against a baseline."""
    from cbr_conformance.report.html import write_html

    write_html(summary, run_dir / "index.html", contract)  # the page `report` rebuilds
    print_matrix(summary, contract)
    print_leftovers(summary, run_dir)
    if baseline is not None:
        exit_code = gate_on_baseline(exit_code, summary, baseline, str(config.baseline))
    return exit_code
