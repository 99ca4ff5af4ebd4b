"""`cbr-conformance`: run the suite, rebuild reports, list tests, sweep leftovers, inspect the spec.

Exit codes: 0 the target conforms; 1 it does not; 2 usage or configuration error;
3 the target is unreachable or refuses the credentials.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.catalogue import Catalogue
from cbr_conformance.config import ConfigError, SuiteConfig, load_config
from cbr_conformance.contract import Contract
from cbr_conformance.errata import letter_patches, load_errata
from cbr_conformance.paths import PROJECT_ROOT
from cbr_conformance.report import negative_split

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3

SUITE_DIR = PROJECT_ROOT / "conformance"
FLAG_SETTINGS = (
    "target_url",
    "project_id",
    "profile",
    "read_only",
    "inventory",
    "run_prefix",
    "fuzz_examples",
    "seed",
    "fuzz_seconds",
)


def _config(args: argparse.Namespace) -> SuiteConfig:
    flags = {name: getattr(args, name, None) for name in FLAG_SETTINGS}
    return load_config(flags, config_file=args.config)


def _contract(profile: str) -> Contract:
    patches = letter_patches(load_errata()) if profile == "strict" else None
    return Contract.load(letter_patches=patches)


# --- spec ---------------------------------------------------------------------------------------


def _spec(args: argparse.Namespace) -> int:
    """Validate the contract files and print what they hold."""
    from openapi_spec_validator import validate  # only this command needs it; it is slow to import

    errata = load_errata()
    contract = _contract(args.profile)
    validate(contract.document)
    catalogue = Catalogue.load()
    print(
        f"spec/cbr-v3.yaml  OpenAPI {contract.document['openapi']}, API version {contract.version}, "
        f"profile {args.profile}, sha256 {contract.sha256[:16]}"
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


def _preflight(config: SuiteConfig) -> str | None:
    """For a remote target: is it there, and does it take our credentials? None when all is well."""
    if config.embedded:
        return None
    from cbr_conformance.client import TargetUnreachable, client_for

    try:
        config.primary()
    except ConfigError as exc:
        return f"configuration: {exc}"
    client = client_for(config, _contract(config.profile), timeout=min(config.timeout, 15))
    try:
        response = client.call("list_vaults", query={"limit": 1}, check=False)
    except TargetUnreachable as exc:
        return f"the target does not answer: {exc}"
    if response.status in (401, 403):
        return f"the target refuses the credentials (HTTP {response.status}, {response.error_code})"
    return None


def _header(config: SuiteConfig, contract: Contract, started: dt.datetime) -> dict[str, Any]:
    errata = (
        []
        if config.profile == "strict"
        else [
            {"id": e.id, "section": e.section, "spec": e.spec} for e in load_errata() if e.kind == "departure"
        ]
    )
    return {
        "target_url": config.target_url or "embedded emulator",
        "project_id": config.project_id or "emulator default",
        "profile": config.profile,
        "read_only": config.read_only,
        "spec_version": contract.version,
        "spec_sha256": contract.sha256,
        "seed": config.seed,
        "fuzz_examples": config.fuzz_examples,
        "fuzz_seconds": config.fuzz_seconds,
        "started": started.isoformat(timespec="seconds"),
        "errata": errata,
    }


def _link_latest(report_root: Path, run_dir: Path) -> None:
    latest = report_root / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(run_dir.name, target_is_directory=True)


def print_matrix(summary: dict[str, Any], contract: Contract) -> None:
    kinds = summary["kinds"]
    print("\n" + f"{'operation':<30}" + "".join(f"{k:>11}" for k in kinds))
    for op in contract:
        row = summary["matrix"].get(op.operation_id, {})
        cells = []
        for kind in kinds:
            counts = row.get(kind, {})
            bad = counts.get("failed", 0) + counts.get("error", 0)
            cells.append(
                "-"
                if not counts
                else f"{bad} FAIL"
                if bad
                else f"{counts.get('passed', 0)} ok"
                if counts.get("passed")
                else "skip"
            )
        print(f"{op.operation_id:<30}" + "".join(f"{c:>11}" for c in cells))
    split = negative_split(summary)
    if split:
        print(f"\n{split}")
    totals = ", ".join(f"{v} {k}" for k, v in summary["totals"].items() if v)
    verdict = "CONFORMS" if summary["conforms"] else "DOES NOT CONFORM"
    print(f"\n{verdict}: {totals} in {summary['header']['duration']} s")


def _run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    from cbr_conformance.results import ResultCollector

    config = _config(args)
    problem = _preflight(config)
    if problem:
        print(f"cbr-conformance: {problem}", file=sys.stderr)
        return EXIT_UNREACHABLE if not problem.startswith("configuration") else EXIT_USAGE
    contract = _contract(config.profile)
    started = dt.datetime.now(dt.UTC)
    report_root = Path(args.report_dir)
    run_dir = report_root / started.strftime("%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    collector = ResultCollector(run_dir / "summary.json", _header(config, contract, started))
    # Paths or node ids among the pytest arguments narrow the run; otherwise the whole suite runs.
    narrowed = any("::" in arg or Path(arg).exists() for arg in pytest_args if not arg.startswith("-"))
    argv = [] if narrowed else [str(SUITE_DIR)]
    argv += [
        "-p",
        "no:cacheprovider",
        # The suite drives schemathesis through its Python API, not its pytest plugin; without the
        # plugin the controller process never imports schemathesis (~0.5 s sooner to start workers).
        "-p",
        "no:schemathesis",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        f"--junitxml={run_dir / 'junit.xml'}",
        f"--html={run_dir / 'index.html'}",
        "--self-contained-html",
        "-o",
        "junit_logging=no",
        "-rfE",
    ]
    for name, option in (
        ("target_url", "--target-url"),
        ("project_id", "--project-id"),
        ("profile", "--profile"),
        ("inventory", "--inventory"),
        ("run_prefix", "--run-prefix"),
        ("fuzz_examples", "--fuzz-examples"),
        ("fuzz_seconds", "--fuzz-seconds"),
        ("seed", "--fuzz-seed"),
    ):
        if getattr(args, name, None) is not None:
            argv += [option, str(getattr(args, name))]
    if args.read_only:
        argv.append("--read-only")
    if not any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in pytest_args):
        argv += ["-n", "auto"]  # tests run in parallel (pytest-xdist); `-n 0` runs them in one process
    if not any(arg.startswith("--dist") for arg in pytest_args):
        # An idle worker takes tests queued for a busy one: the long fuzz tests run first
        # (see the plugin), and a static split of them leaves one worker seconds behind the other.
        argv += ["--dist", "worksteal"]
    if args.config:
        argv += ["--cbr-config", str(args.config)]
    code = pytest.main(argv + pytest_args, plugins=[collector])
    _link_latest(report_root, run_dir)
    summary = (
        json.loads((run_dir / "summary.json").read_text()) if (run_dir / "summary.json").exists() else None
    )
    if summary is not None:
        print_matrix(summary, contract)
    print(f"report: {run_dir / 'index.html'}")
    if code in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) and summary and summary["conforms"]:
        return EXIT_OK
    if code == pytest.ExitCode.TESTS_FAILED:
        tests = summary["tests"] if summary else []
        broken = [t for t in tests if t["outcome"] in ("failed", "error")]
        # Every failure is the target not answering, and nothing passed: unreachable, not nonconformant.
        if (
            broken
            and all("TargetUnreachable" in t["message"] for t in broken)
            and summary
            and not summary["totals"]["passed"]
        ):
            return EXIT_UNREACHABLE
        return EXIT_NONCONFORMANT
    if code == pytest.ExitCode.USAGE_ERROR:
        return EXIT_USAGE
    return EXIT_NONCONFORMANT if code == pytest.ExitCode.INTERRUPTED else EXIT_USAGE


# --- report, list, cleanup ----------------------------------------------------------------------


def _report(args: argparse.Namespace) -> int:
    from cbr_conformance.report import write_html

    summary_path = Path(args.summary)
    if summary_path.is_dir():
        summary_path = summary_path / "summary.json"
    if not summary_path.exists():
        print(f"cbr-conformance: no summary at {summary_path}", file=sys.stderr)
        return EXIT_USAGE
    profile = json.loads(summary_path.read_text())["header"].get("profile", "errata")
    out = Path(args.output) if args.output else summary_path.parent / "index.html"
    write_html(summary_path, out, _contract(profile))
    print(f"report: {out}")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from cbr_conformance.coverage import collect_tests, coverage_table

    tests = collect_tests([str(SUITE_DIR)])
    for info in tests:
        print(
            f"{info.nodeid}  [{','.join(info.operations)} {info.kind}{' mutates' if info.mutates else ''}] "
            f"id={info.test_id}"
        )
    print()
    print(coverage_table(tests, _contract("errata")))
    return EXIT_OK


def _cleanup(args: argparse.Namespace) -> int:
    from cbr_conformance.sweep import sweep

    config = _config(args)
    if config.embedded:
        print(
            "cbr-conformance: cleanup needs --target-url (the embedded emulator forgets everything)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    problem = _preflight(config)
    if problem:
        print(f"cbr-conformance: {problem}", file=sys.stderr)
        return EXIT_UNREACHABLE
    try:
        result = sweep(config, args.prefix, dry_run=args.dry_run)
    except RuntimeError as exc:  # the target would not list what it holds
        print(f"cbr-conformance: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    for line in result.deleted:
        print(line)
    for line in result.failed:
        print(f"NOT DELETED {line}")
    print(f"{len(result.deleted)} resources {'would be ' if args.dry_run else ''}deleted", end="")
    print(f", {len(result.failed)} could not be deleted" if result.failed else "")
    return EXIT_NONCONFORMANT if result.failed else EXIT_OK


# --- parser -------------------------------------------------------------------------------------


def _target_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target-url", help="CBR endpoint (env CBR_TARGET_URL); default: the embedded emulator"
    )
    parser.add_argument("--project-id", help="project to test (env CBR_PROJECT_ID)")
    parser.add_argument(
        "--config", type=Path, help="TOML file with [cbr-conformance] settings (env CBR_CONFIG)"
    )
    parser.add_argument("--profile", choices=("errata", "strict"), help="errata (default) or strict")
    parser.add_argument("--inventory", type=Path, help="JSON file of resources the suite may back up")
    parser.add_argument("--read-only", action="store_true", default=None, help="GET operations only")
    parser.add_argument("--run-prefix", help="name prefix of everything this run creates")
    parser.add_argument(
        "--fuzz-examples", type=int, help="generated cases per operation and mode (default 10)"
    )
    parser.add_argument("--fuzz-seconds", type=float, help="fuzzing time budget per operation and mode")
    parser.add_argument(
        "--fuzz-seed", dest="seed", type=int, help="fuzzing seed (default fixed; env CBR_SEED)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cbr-conformance", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="run the suite and write reports/<timestamp>/ (extra args go to pytest)"
    )
    _target_flags(run)
    run.add_argument(
        "--report-dir", default="reports", help="where run folders are written (default reports/)"
    )
    run.set_defaults(handler=_run)

    report = commands.add_parser("report", help="rebuild index.html from a run's summary.json")
    report.add_argument("summary", nargs="?", default="reports/latest", help="summary.json or its folder")
    report.add_argument("--output", help="HTML file to write (default: beside the summary)")
    report.set_defaults(handler=_report)

    listing = commands.add_parser("list", help="list the tests with their markers, and the coverage table")
    listing.set_defaults(handler=_list)

    cleanup = commands.add_parser("cleanup", help="delete what earlier runs left on a target, by name prefix")
    _target_flags(cleanup)
    cleanup.add_argument("--prefix", default="cbrc-", help="name prefix to sweep (default cbrc-)")
    cleanup.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    cleanup.set_defaults(handler=_cleanup)

    spec = commands.add_parser("spec", help="validate the contract and print a summary of it")
    spec.add_argument("--profile", choices=("errata", "strict"), default="errata")
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
    except ConfigError as exc:
        print(f"cbr-conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
