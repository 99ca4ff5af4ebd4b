"""`cbr-conformance`: run the suite, compare two runs, rebuild reports, list tests, sweep
leftovers, inspect the spec, check real clients' traffic through a validating proxy, and certify a
service and verify its certification report.

Exit codes: 0 the target conforms; 1 it does not (with --baseline: a violation the baseline did
not have; for diff: the new run has a new violation); 2 usage or configuration error (no test
selected included); 3 the target is unreachable, refuses the credentials or is not CBR;
4 it conforms, but the run could not delete all it made (the project needs a cleanup);
5 the suite's own code failed, and no violation was found; 130 the run was interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import shutil
import sys
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance import console, paths
from cbr_conformance.auth import AkSkAuth
from cbr_conformance.catalogue import Catalogue
from cbr_conformance.config import (
    CONFIG_ENV,
    CONFIG_FLAG,
    SETTINGS,
    ConfigError,
    ProjectAccess,
    SuiteConfig,
    load_config,
    settings_for,
)
from cbr_conformance.contract import Contract
from cbr_conformance.coverage import CollectedTest, CollectionFailed
from cbr_conformance.errata import load_errata
from cbr_conformance.exercised import coverage_line
from cbr_conformance.lifecycle import LEDGER_FILE
from cbr_conformance.plugin_isolation import only_named_plugins, plugin_args
from cbr_conformance.report import negative_split
from cbr_conformance.results.outcome import Outcome
from cbr_conformance.results.record import Origin
from cbr_conformance.results.summary import RunSummary, UnreadableSummary, read_summary, reason_of, verdict
from cbr_conformance.results.violations import first_line
from cbr_conformance.run_header import effective, header_lines, header_settings
from cbr_conformance.rundirs import (
    LAST,
    LATEST,
    Completion,
    RunDirTaken,
    latest_summary,
    link_run,
    new_run_dir,
)
from cbr_conformance.settings import CLEANUP, PROXY, PYTEST, RUN, SPEC

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_LEFTOVERS = 4
EXIT_SUITE_ERROR = 5
EXIT_INTERRUPTED = 130
REMOTE_WORKERS_PER_CORE = 6
REMOTE_WORKERS_MAX = 16
# Settings of a run's header that a proxy session has none of: its clients bring their own.
PROXY_UNUSED = (
    "fuzz_examples",
    "fuzz_seconds",
    "read_only",
    "require_complete",
    "auth",
    "second_auth",
    "inventory",
    "allow_restore",
    "max_vault_size",
    "time_control",
    "workers",
    "pytest_args",
)


class UsageProblem(Exception):
    """The command cannot run as asked; the message says why."""


class NoTestsSelected(UsageProblem):
    """The selection matched no test: a typo in a CI gate must not pass as a verdict."""


class TargetProblem(Exception):
    """The target cannot be judged: it does not answer, refuses the credentials, or is not CBR."""


# The one table from failures to exit codes; the first class of an exception's MRO found wins.
EXIT_CODES: dict[type[BaseException], int] = {
    ConfigError: EXIT_USAGE,
    UsageProblem: EXIT_USAGE,
    RunDirTaken: EXIT_USAGE,
    paths.MissingSuiteFiles: EXIT_USAGE,
    CollectionFailed: EXIT_USAGE,
    UnreadableSummary: EXIT_USAGE,
    TargetProblem: EXIT_UNREACHABLE,
    KeyboardInterrupt: EXIT_INTERRUPTED,
}


def exit_code_for(error: BaseException) -> int | None:
    return next((EXIT_CODES[cls] for cls in type(error).__mro__ if cls in EXIT_CODES), None)


def _config(args: argparse.Namespace, command: str) -> SuiteConfig:
    flags = {d.name: getattr(args, d.name, None) for d in settings_for(command) if d.flag}
    config = load_config(flags, config_file=args.config)
    paths.use_spec(config.spec)
    return config


def _contract(profile: str) -> Contract:
    return Contract.for_profile(profile)


# --- spec ---------------------------------------------------------------------------------------


def _spec(args: argparse.Namespace) -> int:
    """Validate the contract files and print what they hold."""
    from openapi_spec_validator import validate  # only this command needs it; it is slow to import

    config = _config(args, SPEC)
    errata = load_errata()
    contract = _contract(config.profile)
    validate(contract.document)
    catalogue = Catalogue.load()
    print(
        f"{contract.source}  OpenAPI {contract.document['openapi']}, API version {contract.version}, "
        f"profile {config.profile}, sha256 {contract.sha256[:16]}"
    )
    by_area: dict[str, list[str]] = {}
    for op in contract:
        by_area.setdefault(op.tag, []).append(f"{op.method:<6} {op.path}  ({op.operation_id})")
    for area, lines in by_area.items():
        print(f"\n{area} ({len(lines)})")
        for line in lines:
            print(f"  {line}")
    kinds = Counter(e.kind for e in errata)
    sources = Counter(e.source for e in catalogue.entries)
    print(
        f"\n{len(contract.operations)} operations, {len(contract.document['components']['schemas'])} "
        f"schemas; errata: {kinds['departure']} departures, {kinds['note']} notes; error codes: "
        f"{sources['appendix']} from the appendix, {sources['gateway']} from the API gateway"
    )
    return EXIT_OK


# --- run ----------------------------------------------------------------------------------------


def preflight(config: SuiteConfig) -> None:
    """For a remote target: is it there, is it CBR, does it take each project's credentials?

    Both projects are asked, so that one message names every credential the target refuses.
    """
    if config.embedded:
        return
    from cbr_conformance.client import TargetUnreachable, client_for

    config.check_target_access()
    if config.control_url:
        _check_control(config.control_url, min(config.request_timeout, 15))
    contract = _contract(config.profile)
    refused: list[str] = []
    for second, access in ((False, config.primary()), (True, config.secondary())):
        if access is None:
            continue
        client = client_for(config, contract, timeout=min(config.request_timeout, 15), access=access)
        try:
            response = client.call("list_vaults", query={"limit": 1}, check=False)
        except TargetUnreachable as exc:
            raise TargetProblem(f"the target does not answer: {exc}") from None
        exchange = response.exchange
        try:
            body = response.json()  # redacted: the client hides the credentials in what it returns
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TargetProblem(
                f"not a CBR endpoint: {exchange.method} {exchange.url} answered {response.status} "
                f"{exchange.content_type or 'without a content type'}, not a JSON object"
            )
        if response.status in (401, 403):
            refused.append(_refusal(response.status, body, access, second))
    if refused:
        raise TargetProblem("; and ".join(refused))


def _refusal(status: int, body: dict[str, Any], access: ProjectAccess, second: bool) -> str:
    """Why the target refused a project's credentials, and which settings to check.

    The API gateway answers 401 (APIGW.0301) to credentials it does not know and 403 (APIGW.0302)
    to credentials valid for another project than the URL's, or whose user may not call CBR.
    """
    prefix, whose = ("second_", "the second project") if second else ("", "the project")
    code, message = (" ".join(str(body.get(key) or "").split()) for key in ("error_code", "error_msg"))
    answer = f"HTTP {status}" + (f" {code[:40]}" if code else "") + (f": {message[:200]}" if message else "")
    names: tuple[str, ...] = (prefix + "token",)
    credential = "token"
    if isinstance(access.auth, AkSkAuth):
        credential, names = "AK/SK pair", (prefix + "ak", prefix + "sk")
    settings = (
        f"{' and '.join(SETTINGS[n].env[0] for n in names)} "
        f"(or {' and '.join(repr(n) for n in names)} in the config file)"
    )
    if status == 401:
        why = (
            "the token is wrong or has expired"
            if credential == "token"
            else "the AK/SK pair is wrong, or this machine's clock is off"
        )
        fix = f"check {settings}"
    else:
        reach = (
            f"may be issued for another project than {access.project_id}"
            if credential == "token"
            else f"may not reach project {access.project_id} (a key of another account or project)"
        )
        why = f"the {credential} {reach}, or its IAM user may not be allowed to call CBR"
        fix = f"check {settings} against {whose}'s id ({SETTINGS[prefix + 'project_id'].sources})"
    return f"the target refuses the credentials of {whose} {access.project_id} ({answer}): {why}; {fix}"


def inventory_preflight(
    config: SuiteConfig, tests: list[CollectedTest], *, names: bool = False
) -> list[str]:
    """For a target at a URL: which of the selected tests the inventory (or its absence) leaves
    not tested, by the kind of resource they need; `names`: each test's node id too."""
    from cbr_conformance.inventory import Inventory
    from cbr_conformance.inventory_wants import not_tested_for_want, preflight_lines

    if config.embedded or config.read_only:
        return []
    inventory = (
        Inventory.load(config.inventory, config.project_id or "") if config.inventory else Inventory.empty()
    )
    lacking = not_tested_for_want(tests, inventory, allow_restore=config.allow_restore)
    lines = preflight_lines(lacking, len(tests), config.inventory is not None)
    if names:
        lines += [f"    {kind}: {nodeid}" for kind, nodeids in sorted(lacking.items()) for nodeid in nodeids]
    return lines


def _selected_tests(args: argparse.Namespace, pytest_args: list[str]) -> list[CollectedTest]:
    """The tests the run would run, collected without calling the target (none if the user's
    arguments do not collect: the run itself then says why)."""
    from cbr_conformance.coverage import collect_tests

    try:
        with contextlib.redirect_stdout(io.StringIO()), only_named_plugins():
            return collect_tests([], _collection_argv(args, pytest_args))
    except CollectionFailed:
        return []


def _collection_argv(args: argparse.Namespace, pytest_args: list[str]) -> list[str]:
    """pytest's arguments to collect what the run would run: the workers' options (and their
    values: -n 0) mean nothing to a collection."""
    kept: list[str] = []
    skip_value = False
    for arg in pytest_args:
        if skip_value:
            skip_value = False
        elif arg in ("-n", "--numprocesses", "--dist"):
            skip_value = True
        elif not arg.startswith(("-n", "--dist", "--numprocesses")):
            kept.append(arg)
    return [*_isolated(), *_forwarded(args), *_suite_args(kept)]


def _check_control(control_url: str, timeout: float) -> None:
    import requests

    try:
        answer = requests.get(f"{control_url}/health", timeout=timeout)
        healthy = answer.status_code == 200 and isinstance(answer.json(), dict)
    except (requests.RequestException, ValueError):
        healthy = False
    if not healthy:
        raise TargetProblem(f"no emulator time control answers at {control_url} (GET {control_url}/health)")


def _header(
    config: SuiteConfig,
    contract: Contract,
    started: dt.datetime,
    prefix: str,
    workers: str = "-",
    pytest_args: Sequence[str] = (),
) -> dict[str, Any]:
    """summary.json's header: every setting that changes what the run tests (run_header.py), the
    contract's identity, and the run's own (prefix, gate, start)."""
    errata = (
        []
        if config.profile == "strict"
        else [
            {"id": e.id, "section": e.section, "spec": e.spec} for e in load_errata() if e.kind == "departure"
        ]
    )
    return {
        **header_settings(config, workers, pytest_args),
        "profile": config.profile,
        "require_complete": config.require_complete,
        "baseline": str(config.baseline) if config.baseline else None,
        "run_prefix": prefix,
        "spec_version": contract.version,
        "spec_sha256": contract.sha256,
        "seed": config.fuzz_seed,
        "fuzz_examples": config.fuzz_examples,
        "fuzz_seconds": config.fuzz_seconds,
        "started": started.isoformat(timespec="seconds"),
        "errata": errata,
    }


def print_matrix(summary: RunSummary, contract: Contract) -> None:
    """The end of a run: the matrix, what was not tested, the distinct violations, the verdict."""
    print()
    console.console().print(console.matrix_table(summary, contract))
    split = negative_split(summary)
    if split:
        print(f"\n{split}")
    print_untested(summary)
    print_violations(summary, contract)
    print_suite_errors(summary)
    if summary.coverage:
        print(f"\n{coverage_line(summary.coverage)}")
    print(f"\n{verdict_line(summary)}")


def verdict_line(summary: RunSummary) -> str:
    """The verdict with the run's counts, by outcome: the same words on the console and in CI."""
    totals = ", ".join(f"{v} {k}" for k, v in summary.totals.items() if v)
    return f"{verdict(summary)} · {totals or 'nothing ran'} in {summary.header.get('duration')} s"


def print_untested(summary: RunSummary) -> None:
    """What the run did not cover: its scope, operations not exercised, tests by reason."""
    if summary.scope.read_only:
        print("\nread-only: the tests that create or change anything were not selected")
    if summary.scope.selection:
        print(f"\nselection: {summary.scope.selection}")
    if summary.unexercised:
        print(
            f"\n{len(summary.unexercised)} of {len(summary.operations)} operations not exercised: "
            + ", ".join(summary.unexercised)
        )
    reasons = Counter(reason_of(t) for t in summary.untested)
    if reasons:
        print("\nnot tested:")
        for reason, count in reasons.most_common():
            print(f"  {count:>4} {reason}")
    not_applicable = len(summary.not_applicable)
    if not_applicable:
        print(f"\n{not_applicable} negative fuzz modes not applicable: no input of theirs can be broken")


def print_suite_errors(summary: RunSummary) -> None:
    """Failures of the suite's own code: not the target's, and where to report them."""
    errors = summary.suite_errors
    if not errors:
        return
    errors_said = f"{len(errors)} suite error{'s' * (len(errors) != 1)}"
    print(f"\n{errors_said}: the suite's own code failed, not the target")
    for test in errors[:5]:
        print(f"  {test.nodeid}: {first_line(test.message)}")
    print(
        "  these are bugs of cbr-conformance: report them to its maintainers with this run's "
        "summary.json (it holds no secret)"
    )


def print_violations(summary: RunSummary, contract: Contract, top: int = 10, noun: str = "tests") -> None:
    """The distinct violations, most tests first: what, where in the reference, how to reproduce."""
    found = summary.violations
    if not found:
        return
    print(f"\n{len(found)} distinct violation{'s' * (len(found) != 1)}:")
    for number, entry in enumerate(found[:top], 1):
        operation = contract.operations.get(entry.operation)
        where = f"{operation.method} {operation.path}, reference {operation.section}" if operation else ""
        print(f"{number:>3}. {entry.operation}: [{entry.rule}] {entry.path} ({where})")
        print(f"     {entry.message[:300]}")
        if entry.reference:
            print(f"     the reference's {entry.schema.rsplit('/', 1)[-1]}: {entry.reference}")
        counts = f"{len(entry.tests)} {noun} failed on it"
        if entry.blocked:
            counts += f", {len(entry.blocked)} blocked by it"
        print(f"     {counts}; first: {(entry.tests or entry.blocked)[0]}")
        if entry.exchange:
            print(f"     reproduce: {str(entry.exchange.get('curl', ''))[:400]}")
    if len(found) > top:
        print(f"  ... and {len(found) - top} more in the report")


def _suite_args(pytest_args: list[str]) -> list[str]:
    """The user's pytest arguments, with paths of suite modules found in the installed suite.

    `conformance/test_vaults.py`, `test_vaults.py` and `test_vaults.py::test_x` name the suite's
    own modules from any folder; with no path at all, the whole suite runs.
    """
    suite = paths.suite_dir()
    resolved, narrowed = [], False
    for arg in pytest_args:
        file, sep, rest = arg.partition("::")
        named = file.endswith(".py") or bool(sep) or Path(file).is_dir()
        if arg.startswith("-") or not named:
            resolved.append(arg)
            continue
        narrowed = True
        if not Path(file).exists() and (suite / Path(file).name).exists():
            arg = f"{suite / Path(file).name}{sep}{rest}"
        resolved.append(arg)
    return resolved if narrowed else [str(suite), *resolved]


def _run_fields(header: dict[str, Any], config: SuiteConfig) -> list[tuple[str, str]]:
    """The run's header on the console: what is tested, as whom, how."""
    (_, target), *rest = header_lines(header)
    used = effective(config)
    waits = f"up to {used.max_wait:g} s each, polled every {used.poll_interval:g} s"
    scope = [("scope", partial_scope)] if (partial_scope := _partial_scope(header)) else []
    return [("cbr-conformance", f"target {target}"), *scope, *rest, ("waits", waits)]


def _partial_scope(header: dict[str, Any]) -> str:
    """Said first when the run is partial by design (read-only, a selection): its verdict will be."""
    parts = ["read-only"] if header.get("read_only") else []
    if header.get("pytest_args"):
        parts.append("selection " + " ".join(header["pytest_args"]))
    return f"partial ({'; '.join(parts)}): the verdict covers what runs" if parts else ""


def _workers_shown(config: SuiteConfig, pytest_args: list[str]) -> str:
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


def _quiet(pytest_args: list[str]) -> bool:
    return not any(arg.startswith(PYTEST_CONSOLE_ARGS) for arg in pytest_args)


def worker_count(config: SuiteConfig) -> str:
    """pytest-xdist's -n for the run: a remote target's run is bounded by its waits, so more
    workers than cores overlap them (see bench/README.md)."""
    if config.workers != "auto" or config.embedded:
        return config.workers
    return str(min(REMOTE_WORKERS_MAX, REMOTE_WORKERS_PER_CORE * (os.cpu_count() or 1)))


def _isolated() -> list[str]:
    """pytest arguments that make a run of the suite the same from any folder."""
    return [
        # The suite's own configuration only, whatever folder the user runs it from.
        "-c",
        os.devnull,
        "--rootdir",
        str(paths.suite_root()),
        # The suite's plugins only (plugin_isolation.py): not schemathesis's or hypothesis's, whose
        # APIs the fuzzing drives, nor any other the environment has installed.
        *plugin_args(),
        # Each process's end ran five full garbage collections to find unraisable exceptions
        # (~0.25 s of CPU a worker, at the run's tail): hygiene of a test suite's own code, not a
        # verdict on the target.
        "-p",
        "no:unraisableexception",
    ]


def _forwarded(args: argparse.Namespace, leave_out: tuple[str, ...] = ()) -> list[str]:
    """The settings given on the command line, as the plugin's options (it checks them again)."""
    argv: list[str] = []
    for declared in settings_for(PYTEST):
        value = getattr(args, declared.name, None)
        if declared.flag is None or value is None or declared.name in leave_out:
            continue
        argv += [declared.flag] if declared.kind == "bool" else [declared.flag, str(value)]
    return argv


def _pytest_argv(
    args: argparse.Namespace, config: SuiteConfig, run_dir: Path, prefix: str, pytest_args: list[str]
) -> list[str]:
    argv = [
        *_isolated(),
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
    argv += _forwarded(args, leave_out=("run_prefix",))
    last = latest_summary(config.report_dir)
    if config.durations_from is None and last is not None:
        # The newest complete run's durations lay this one out (the plugin uses them if the target
        # is the same); an interrupted run's would put the tests it never reached last.
        argv += ["--durations-from", str(last)]
    if args.config:
        argv += [CONFIG_FLAG, str(args.config)]
    if _quiet(pytest_args):
        # Quiet by default: the distinct violations follow the run, tracebacks are in the report.
        argv += ["-q", "--tb=no"]
    if not any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in pytest_args):
        argv += ["-n", worker_count(config)]  # tests run in parallel (pytest-xdist); 0: one process
    if not any(arg.startswith("--dist") for arg in pytest_args):
        # An idle worker takes tests queued for a busy one: the long fuzz tests run first
        # (see the plugin), and a static split of them leaves one worker seconds behind the other.
        argv += ["--dist", "worksteal"]
    return argv + _suite_args(pytest_args)


def _exit_code(code: int, summary: RunSummary | None) -> int:
    """The run's exit code, from pytest's and the summary's typed outcomes."""
    if code == pytest.ExitCode.INTERRUPTED or (summary and summary.interrupted):
        return EXIT_INTERRUPTED
    if code == pytest.ExitCode.NO_TESTS_COLLECTED or (summary is not None and not summary.tests):
        raise NoTestsSelected("no tests selected: the arguments match no test of the suite")
    if code == pytest.ExitCode.USAGE_ERROR or summary is None:
        raise UsageProblem(f"pytest stopped with exit code {int(code)} before running the suite")
    return exit_code_of(summary)


def exit_code_of(summary: RunSummary) -> int:
    """What a run's summary says to a CI gate: only a violation fails it as nonconformant."""
    if summary.interrupted:
        return EXIT_INTERRUPTED
    if summary.conforms:
        if summary.header.get("require_complete") and summary.partial:
            return EXIT_NONCONFORMANT
        return EXIT_LEFTOVERS if summary.leftovers else EXIT_OK
    violated = [t for t in summary.tests if t.outcome in (Outcome.VIOLATED, Outcome.BLOCKED)]
    if not violated:
        return EXIT_SUITE_ERROR  # the suite failed itself and found nothing against the target
    # Every failure is the target not answering, and nothing passed: unreachable, not nonconformant.
    unreachable = all(t.origin is Origin.UNREACHABLE for t in violated)
    if unreachable and not summary.totals[Outcome.PASSED]:
        return EXIT_UNREACHABLE
    return EXIT_NONCONFORMANT


def _plan(config: SuiteConfig, args: argparse.Namespace, pytest_args: list[str]) -> int:
    """What the run would do, from the tests it would run, without calling the target."""
    from cbr_conformance.coverage import collect_tests

    with contextlib.redirect_stdout(io.StringIO()), only_named_plugins():  # the report is not the plan
        tests = collect_tests([], _collection_argv(args, pytest_args))
    contract = _contract(config.profile)
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


def _run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    from cbr_conformance.bytecode import shared_bytecode
    from cbr_conformance.resources import new_run_prefix
    from cbr_conformance.results.collector import ResultCollector

    config = _config(args, RUN)
    if args.plan:
        return _plan(config, args, pytest_args)
    preflight(config)
    if not (config.embedded or config.read_only):  # what the inventory leaves untested, by kind
        for line in inventory_preflight(config, _selected_tests(args, pytest_args)):
            print(line)
    # Read before the run: a baseline given as reports/latest is the run it named then.
    baseline = read_summary(config.baseline) if config.baseline else None
    contract = _contract(config.profile)
    started = dt.datetime.now(dt.UTC)
    prefix = config.run_prefix or new_run_prefix()
    report_root = config.report_dir
    run_dir = new_run_dir(report_root, started)
    header = _header(config, contract, started, prefix, _workers_shown(config, pytest_args), pytest_args)
    collector = ResultCollector(run_dir / "summary.json", header, contract, read_only=config.read_only)
    out = console.console()
    out.print(console.header_table(_run_fields(header, config)))
    from cbr_conformance.plugin.fixtures import lease_dir

    run_uid = uuid.uuid4().hex  # the workers' test run id: it names their shared inventory leases
    argv = [*_pytest_argv(args, config, run_dir, prefix, pytest_args), "--testrunuid", run_uid]
    completion = Completion()
    plugins: list[object] = [collector, completion]
    # Quiet: live progress by area, and no report of pytest's own (its counts are not the suite's).
    held = console.HeldPytestReport() if _quiet(pytest_args) else None
    if held is not None:
        plugins += [console.LiveProgress(out, lease_dir(run_uid)), held]
    try:
        with shared_bytecode(), only_named_plugins(), held.held() if held else contextlib.nullcontext():
            code = pytest.main(argv, plugins=plugins)
    finally:
        shutil.rmtree(lease_dir(run_uid), ignore_errors=True)
    if held is not None:
        held.show_problems()
    summary = collector.summary  # None: pytest stopped before the session ended
    try:
        exit_code = _exit_code(code, summary)
    except UsageProblem:
        shutil.rmtree(run_dir, ignore_errors=True)  # reports/latest stays the last real run
        raise
    complete = completion.complete(summary)
    link_run(report_root, run_dir, complete=complete)
    if summary is not None:
        from cbr_conformance.report import write_html

        write_html(summary, run_dir / "index.html", contract)  # the page `report` rebuilds
        print_matrix(summary, contract)
        print_leftovers(summary, run_dir)
        if baseline is not None:
            exit_code = gate_on_baseline(exit_code, summary, baseline, str(config.baseline))
    if not complete:
        print_incomplete(report_root, run_dir, completion)
    print(f"report: {run_dir / 'index.html'}")
    return exit_code


def print_incomplete(report_root: Path, run_dir: Path, completion: Completion) -> None:
    """A run that did not finish is not `latest`: say which run is, and how to clean up this one."""
    never_ran = completion.never_ran()
    why = f"{never_ran} selected tests never ran" if never_ran else "it was interrupted"
    latest = report_root / LATEST
    still = f"still names {os.readlink(latest)}" if latest.is_symlink() else "names no run yet"
    print(
        f"\nthe run did not finish ({why}): {latest} {still}; this run is {report_root / LAST}\n"
        f"delete what it made with: cbr-conformance cleanup --run {run_dir} (and the run's settings)"
    )


def gate_on_baseline(exit_code: int, summary: RunSummary, baseline: RunSummary, name: str) -> int:
    """The exit code of a run gated against an earlier one: a nonconforming run passes when every
    distinct violation it found was the baseline's already (old ones are being fixed)."""
    from cbr_conformance.diff import compare_violations, questionable

    changes = compare_violations(baseline, summary)
    print()
    for warning in questionable(baseline, summary):  # first: the comparison may not be the target's
        print(f"WARNING: {warning}")
    print(
        f"baseline {name}: {len(changes.still)} of its violations remain, {len(changes.fixed)} fixed, "
        f"{len(changes.new)} new"
    )
    for entry in changes.new:
        print(f"  new: {entry.operation}: [{entry.rule}] {entry.path or '-'}")
    if exit_code != EXIT_NONCONFORMANT or summary.conforms:
        return exit_code  # conforming, incomplete, unreachable or interrupted: the baseline changes nothing
    if changes.new:
        print("the gate fails: violations the baseline did not have")
        return exit_code
    print("the gate passes: every violation was the baseline's already")
    return EXIT_LEFTOVERS if summary.leftovers else EXIT_OK


# --- diff ---------------------------------------------------------------------------------------


def _diff(args: argparse.Namespace) -> int:
    """Compare two runs: violations new, fixed and still present; skips; coverage; exit 1 on new."""
    from cbr_conformance.diff import diff_html, diff_runs, diff_text

    old, new = Path(args.old), Path(args.new)
    diff = diff_runs(read_summary(old), read_summary(new), str(old), str(new))
    print(diff_text(diff))
    page = Path(args.html) if args.html else (new if new.is_dir() else new.parent) / "diff.html"
    try:
        page.write_text(diff_html(diff), encoding="utf-8")
    except OSError as exc:
        raise UsageProblem(f"cannot write {page}: {exc.strerror or exc}") from None
    print(f"html: {page}")
    return EXIT_NONCONFORMANT if diff.has_new_violations else EXIT_OK


def print_leftovers(summary: RunSummary, run_dir: Path) -> None:
    leftovers = summary.leftovers
    if not leftovers:
        return
    print(f"\nLEFTOVERS: the run could not delete {len(leftovers)} of the things it made:")
    for line in leftovers:
        print(f"  {line}")
    print(f"delete them with: cbr-conformance cleanup --run {run_dir} (and the run's settings)")


# --- report, list, cleanup ----------------------------------------------------------------------


def _report(args: argparse.Namespace) -> int:
    from cbr_conformance.report import write_html

    if args.merge:
        return _merge(args)
    summary_path = Path(args.summary)
    if summary_path.is_dir():
        summary_path = summary_path / "summary.json"
    if not summary_path.exists():
        raise UsageProblem(f"no summary at {summary_path}")
    summary = read_summary(summary_path)
    out = Path(args.output) if args.output else summary_path.parent / "index.html"
    write_html(summary, out, _contract(summary.header.get("profile", "errata")))
    print(f"report: {out}")
    return EXIT_OK


def _merge(args: argparse.Namespace) -> int:
    """Shards' summaries (pytest-split's groups of one run) into one run folder and its report."""
    from cbr_conformance.merge import ShardsDisagree, merge_summaries
    from cbr_conformance.report import write_html

    if len(args.merge) < 2 or not args.into:
        raise UsageProblem("report --merge takes two or more shard summaries and --into DIR")
    try:
        merged = merge_summaries([read_summary(Path(shard)) for shard in args.merge])
    except ShardsDisagree as exc:
        raise UsageProblem(str(exc)) from None
    folder = Path(args.into)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(merged.to_dict(), indent=2), encoding="utf-8")
    contract = _contract(merged.header.get("profile", "errata"))
    write_html(merged, folder / "index.html", contract)
    print_matrix(merged, contract)
    print(f"report: {folder / 'index.html'}")
    return exit_code_of(merged)


def _list(args: argparse.Namespace) -> int:
    from cbr_conformance.certification.testlist import (
        BadTestList,
        listing_lines,
        load_test_list,
        since_lines,
        suite_tests,
    )
    from cbr_conformance.coverage import collect_tests, coverage_table

    try:
        test_list = load_test_list()
        if args.since is not None:
            print("\n".join(since_lines(test_list, args.since)))
            return EXIT_OK
    except BadTestList as exc:
        raise UsageProblem(str(exc)) from None
    tests = collect_tests([str(paths.suite_dir())])
    for info in tests:
        needs = " needs " + ",".join(f"{n}x{kind}" for kind, n in info.needs) if info.needs else ""
        print(
            f"{info.nodeid}  [{','.join(info.operations)} {info.kind}{' mutates' if info.mutates else ''}"
            f"{needs}{' restores' if info.restores else ''}] id={info.test_id}"
        )
    print()
    print(coverage_table(tests, _contract("errata")))
    print()
    print("\n".join(listing_lines(test_list, suite_tests())))
    return EXIT_OK


def _inventory(args: argparse.Namespace) -> int:
    """Print an inventory to start from: a template of what the suite's tests lease, or, for a
    standalone cbr-emulator at --target-url, that emulator's own inventory of the project."""
    from cbr_conformance.config import SETTINGS
    from cbr_conformance.settings import InvalidValue

    given = {
        name: getattr(args, name) or next(filter(None, map(os.environ.get, SETTINGS[name].env)), None)
        for name in ("target_url", "project_id")
    }
    try:
        url = SETTINGS["target_url"].parse(given["target_url"]) if given["target_url"] else None
    except InvalidValue as exc:
        raise UsageProblem(f"target_url ({SETTINGS['target_url'].sources}) {exc}") from None
    project_id = given["project_id"]
    if url is not None:
        document = _emulator_inventory(url, project_id)
    else:
        from cbr_conformance.coverage import collect_tests
        from cbr_conformance.inventory_wants import template

        with contextlib.redirect_stdout(io.StringIO()), only_named_plugins():
            tests = collect_tests([str(paths.suite_dir())], _isolated())
        document = template(tests, project_id or "<project id>")
    print(json.dumps(document, indent=2))
    return EXIT_OK


def _emulator_inventory(url: str, project_id: str | None) -> dict[str, Any]:
    """A standalone emulator's inventory (its control API), in the suite's shape: every item a
    scratch resource the suite may restore onto; of one project when given."""
    import requests

    from cbr_conformance.inventory import SECTIONS

    control = f"{url}/_emulator"
    try:
        health = requests.get(f"{control}/health", timeout=15)
        answer = requests.get(f"{control}/inventory", timeout=15) if health.status_code == 200 else None
        document = answer.json() if answer is not None and answer.status_code == 200 else None
    except requests.RequestException as exc:
        raise TargetProblem(f"the target does not answer: {type(exc).__name__}") from None
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("projects"), dict):
        raise UsageProblem(
            f"no cbr-emulator control API answers at {control}: the inventory of another target is "
            "yours to write (cbr-conformance inventory without --target-url prints a template)"
        )
    projects: dict[str, Any] = document["projects"]
    if project_id is not None and project_id not in projects:
        raise UsageProblem(
            f"the emulator has no project {project_id} (it has {', '.join(sorted(projects)) or 'none'})"
        )
    chosen = [project_id] if project_id is not None else sorted(projects)
    return {
        "projects": {
            pid: {
                section: [{**item, "restore_target": True} for item in projects[pid].get(section, [])]
                for section in SECTIONS
            }
            for pid in chosen
        }
    }


def _ledger_of(run: str, report_dir: Path) -> Path:
    folder = report_dir / run if run in (LATEST, LAST) or not Path(run).exists() else Path(run)
    ledger = folder if folder.is_file() else folder / LEDGER_FILE
    if not ledger.is_file():
        raise UsageProblem(f"no record of what a run made at {ledger}")
    return ledger


def _undo_run(config: SuiteConfig, ledger: Path, dry_run: bool) -> int:
    from cbr_conformance.client import client_for
    from cbr_conformance.lifecycle import REFUSED, Outcome, delete, read_ledger, undo_order

    contract = _contract(config.profile)
    access = {a.project_id: a for a in (config.primary(), config.secondary()) if a is not None}
    outcomes: list[Outcome] = []
    for made in undo_order(read_ledger(ledger)):
        if made.project_id not in access:
            outcomes.append(Outcome(made, REFUSED, "no credentials for its project are configured"))
        elif dry_run:
            print(f"would delete: {made.describe()}")
        else:
            client = client_for(config, contract, access=access[made.project_id])
            outcome = delete(client, made, max_wait=config.max_wait, poll_interval=config.poll_interval)
            outcomes.append(outcome)
    for outcome in outcomes:
        print(outcome)
    counts = Counter(o.result for o in outcomes)
    print(", ".join(f"{n} {result}" for result, n in sorted(counts.items())) or "nothing to delete")
    return EXIT_NONCONFORMANT if counts[REFUSED] else EXIT_OK


def _cleanup(args: argparse.Namespace) -> int:
    from cbr_conformance.sweep import sweep

    config = _config(args, CLEANUP)
    if config.embedded:
        raise UsageProblem("cleanup needs --target-url (the embedded emulator forgets everything)")
    if config.read_only:
        raise UsageProblem("cleanup deletes, and CBR_READ_ONLY (or read_only in the config file) is set")
    preflight(config)
    if args.run:
        return _undo_run(config, _ledger_of(args.run, config.report_dir), args.dry_run)
    try:
        result = sweep(config, args.prefix, dry_run=args.dry_run)
    except RuntimeError as exc:  # the target would not list what it holds
        raise TargetProblem(str(exc)) from None
    for line in result.deleted:
        print(line)
    for line in result.failed:
        print(f"NOT DELETED {line}")
    print(f"{len(result.deleted)} resources {'would be ' if args.dry_run else ''}deleted", end="")
    print(f", {len(result.failed)} could not be deleted" if result.failed else "")
    return EXIT_NONCONFORMANT if result.failed else EXIT_OK


# --- certify, verify ----------------------------------------------------------------------------


def _certify(args: argparse.Namespace) -> int:
    """Run the suite with a certification's fixed seed and fuzz budget, and write its report."""
    from cbr_conformance.certification.certificate import build_report, certification_settings, write_report
    from cbr_conformance.certification.html import write_certification_html
    from cbr_conformance.certification.product import BadProduct, load_product
    from cbr_conformance.certification.signing import BadKey, sign
    from cbr_conformance.certification.testlist import BadTestList, load_test_list

    try:
        product = load_product(Path(args.product))
        test_list = load_test_list()
        if args.sign_key:
            sign({}, Path(args.sign_key))  # a key that cannot sign is refused before the run
    except (BadProduct, BadTestList, BadKey) as exc:
        raise UsageProblem(str(exc)) from None
    fixed = certification_settings()
    chosen = [
        f"--{name.replace('_', '-')}" for name in (*fixed, "fuzz_replay", "spec") if getattr(args, name)
    ]
    if chosen:
        raise UsageProblem(
            f"a certification runs the suite's own contract with fixed fuzzing ({', '.join(chosen)} given): "
            + ", ".join(f"{name} {value}" for name, value in fixed.items())
        )
    for name, value in fixed.items():
        setattr(args, name, str(value))
    args.plan = False
    code = _run(args, [])
    if code == EXIT_INTERRUPTED:
        return code
    run_dir = (_config(args, RUN).report_dir / LAST).resolve()
    report = build_report(read_summary(run_dir / "summary.json"), test_list, product)
    if args.sign_key:
        report["signature"] = sign(report, Path(args.sign_key))
    out = Path(args.output) if args.output else run_dir / "certification.json"
    write_report(report, out)
    write_certification_html(report, out.with_suffix(".html"))
    failed = report["result"]["failures"]
    name = f"{product['name']} {product['version']}"
    print(f"\n{'certified' if not failed else 'NOT CERTIFIED'}: {name}, test list {test_list.version}")
    for line in failed[:10]:
        print(f"  {line}")
    if len(failed) > 10:
        print(f"  and {len(failed) - 10} more (see the report)")
    print(f"certification report: {out} ({out.with_suffix('.html').name} beside it)")
    if code == EXIT_UNREACHABLE:
        return code
    return EXIT_NONCONFORMANT if failed else EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    """Check a certification's report without rerunning: digest, test list, suite, required tests."""
    from cbr_conformance.certification.signing import BadKey
    from cbr_conformance.certification.testlist import BadTestList, load_test_list
    from cbr_conformance.certification.verify import UnreadableReport, read_report, verify

    try:
        report = read_report(Path(args.report))
        test_list = load_test_list()
        checks = verify(report, test_list, Path(args.public_key) if args.public_key else None)
    except (UnreadableReport, BadTestList, BadKey) as exc:
        raise UsageProblem(str(exc)) from None
    for check in checks:
        print(f"{'ok' if check.ok else 'FAILED':<7}{check.name}: {check.detail}")
    failed = [check.name for check in checks if not check.ok]
    if not args.public_key and "signature" in report:
        print("-      signature: not checked (give the vendor's --public-key)")
    print(f"the report does not hold: {', '.join(failed)}" if failed else "the report holds")
    return EXIT_NONCONFORMANT if failed else EXIT_OK


# --- proxy --------------------------------------------------------------------------------------


def _proxy(args: argparse.Namespace) -> int:
    """Forward real clients' traffic to the target, judging both sides; report when stopped."""
    from cbr_conformance.proxy.server import CannotListen, ProxyServer, serve_until_stopped

    config = _config(args, PROXY)
    contract = _contract(config.profile)
    started = dt.datetime.now(dt.UTC)
    header = {
        **_header(config, contract, started, "none: the proxy creates nothing"),
        "project_id": "each client's own",
        "second_project_id": "each client's own",
        "seed": "none: the proxy generates nothing",
        "enforce": config.enforce,
    }
    for unused in PROXY_UNUSED:
        header.pop(unused, None)
    proxy = ProxyServer(
        contract,
        target_url=config.target_url,
        report_dir=config.report_dir,
        header=header,
        port=config.proxy_port,
        enforce=config.enforce,
        timeout=config.request_timeout,
        secrets=config.secrets(),
        log=lambda line: print(line, flush=True),
    )
    try:
        written = serve_until_stopped(proxy, _announce)
    except CannotListen as exc:
        raise UsageProblem(str(exc)) from None
    if proxy.written is not None:
        print_violations(proxy.written, contract, noun="exchanges")
    faults = written["faults"]
    print(
        f"\n{written['verdict']} ({written['exchanges']} exchanges: {faults['client']} with the client's "
        f"fault, {faults['service']} with the service's)"
    )
    print(f"report: {written['report']}")
    return EXIT_NONCONFORMANT if written["violations"] else EXIT_OK


def _announce(proxy: Any) -> None:
    print(f"cbr-conformance proxy: {proxy.url} -> {proxy.header['target_url']}", flush=True)
    if proxy.emulator is not None:
        print(
            f"  the embedded emulator's credentials: `cbr-emulator credentials`; its clock: "
            f"{proxy.upstream_url}/_emulator",
            flush=True,
        )
    enforce = "refused with a 400 of the proxy's (--enforce)" if proxy.enforce else "forwarded and reported"
    print(
        f"  point the client's CBR endpoint at {proxy.url}; requests the contract forbids are {enforce}\n"
        f"  report: GET {proxy.url}/_proxy/report, or stop with Ctrl-C (SIGTERM) to write it",
        flush=True,
    )


# --- parser -------------------------------------------------------------------------------------


def add_settings(parser: argparse.ArgumentParser, command: str) -> None:
    """The command's flags, from the settings registry; values are checked by the loader."""
    parser.add_argument(CONFIG_FLAG, type=Path, help=f"TOML file of settings (env {CONFIG_ENV})")
    for declared in settings_for(command):
        if declared.flag is not None:
            parser.add_argument(declared.flag, dest=declared.name, **declared.option())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cbr-conformance", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="run the suite and write reports/<timestamp>/ (extra args go to pytest)"
    )
    add_settings(run, RUN)
    run.add_argument(
        "--plan",
        action="store_true",
        help="print what the run would create and call, without calling the target",
    )
    run.set_defaults(handler=_run)

    diff = commands.add_parser(
        "diff",
        help="what changed from run OLD to run NEW: violations, skips, coverage (exit 1 on a new violation)",
    )
    diff.add_argument("old", help="the earlier run: its folder or summary.json")
    diff.add_argument("new", help="the later run: its folder or summary.json")
    diff.add_argument("--html", metavar="FILE", help="HTML page to write (default: diff.html beside NEW)")
    diff.set_defaults(handler=_diff)

    report = commands.add_parser("report", help="rebuild index.html from a run's summary.json")
    report.add_argument("summary", nargs="?", default="reports/latest", help="summary.json or its folder")
    report.add_argument("--output", help="HTML file to write (default: beside the summary)")
    report.add_argument(
        "--merge", nargs="+", metavar="SHARD", help="merge shards' run folders or summary.json into one run"
    )
    report.add_argument("--into", help="with --merge: the folder of the merged run")
    report.set_defaults(handler=_report)

    listing = commands.add_parser(
        "list",
        help="list the tests with their markers, the coverage table, and the versioned test list "
        "(each test's status and reference section)",
    )
    listing.add_argument(
        "--since", metavar="VERSION", help="only what the test list changed after its version VERSION"
    )
    listing.set_defaults(handler=_list)

    cleanup = commands.add_parser(
        "cleanup", help="delete what a run made (--run), or what earlier runs left, by name prefix"
    )
    add_settings(cleanup, CLEANUP)
    cleanup.add_argument(
        "--run",
        metavar="RUN",
        help="a run's folder (or 'latest', or 'last': the newest run, finished or not): delete "
        "exactly what it made, in both projects (its created.jsonl)",
    )
    cleanup.add_argument("--prefix", default="cbrc-", help="name prefix to sweep (default cbrc-)")
    cleanup.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    cleanup.set_defaults(handler=_cleanup)

    proxy = commands.add_parser(
        "proxy",
        help="a validating reverse proxy on loopback: forward real clients' requests to the target "
        "(none: an embedded emulator) and check both sides against the contract",
    )
    add_settings(proxy, PROXY)
    proxy.set_defaults(handler=_proxy)

    inventory = commands.add_parser(
        "inventory",
        help="print an inventory to start from: what the suite leases, by kind, as a JSON template; "
        "with --target-url of a standalone cbr-emulator, that emulator's own inventory",
    )
    inventory.add_argument("--target-url", help="a standalone cbr-emulator (env CBR_TARGET_URL)")
    inventory.add_argument(
        "--project-id",
        help="the project the inventory is for (env CBR_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID)",
    )
    inventory.set_defaults(handler=_inventory)

    certify = commands.add_parser(
        "certify",
        help="run every test of the test list with the certification's fixed seed and fuzz budget, "
        "and write a conformance report (JSON and HTML) for the product",
    )
    add_settings(certify, RUN)
    certify.add_argument(
        "--product",
        required=True,
        metavar="FILE",
        help="TOML or YAML: the product's name, version, vendor, contact, and region or url",
    )
    certify.add_argument(
        "--output", metavar="FILE", help="the report to write (default: certification.json in the run)"
    )
    certify.add_argument(
        "--sign-key",
        metavar="PEM",
        help="sign the report with this Ed25519 private key (needs the 'sign' extra: cryptography)",
    )
    certify.set_defaults(handler=_certify)

    verify = commands.add_parser(
        "verify",
        help="check a certification report without rerunning: its digest, test list version, suite "
        "and contract, and that every required test passed (exit 1 if not)",
    )
    verify.add_argument("report", help="the certification report (JSON)")
    verify.add_argument(
        "--public-key", metavar="PEM", help="the vendor's Ed25519 public key: check the report's signature"
    )
    verify.set_defaults(handler=_verify)

    spec = commands.add_parser("spec", help="validate the contract and print a summary of it")
    add_settings(spec, SPEC)
    spec.set_defaults(handler=_spec)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args, rest = build_parser().parse_known_args(argv)
    if rest and args.command != "run":
        print(f"cbr-conformance: unexpected arguments: {' '.join(rest)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "run":
            return _run(args, rest)
        return int(args.handler(args))
    except (Exception, KeyboardInterrupt) as exc:
        code = exit_code_for(exc)
        if code is None:
            raise
        print(f"cbr-conformance: {exc or type(exc).__name__}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
