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
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

from cbr_conformance.cli.certify_command import handle_certify, handle_verify
from cbr_conformance.cli.cleanup_command import handle_cleanup
from cbr_conformance.cli.diff_command import handle_diff
from cbr_conformance.cli.exits import EXIT_USAGE, exit_code_for
from cbr_conformance.cli.inventory_command import handle_inventory
from cbr_conformance.cli.list_command import handle_list
from cbr_conformance.cli.proxy_command import handle_proxy
from cbr_conformance.cli.report_command import handle_report
from cbr_conformance.cli.run import handle_run
from cbr_conformance.cli.spec_command import handle_spec
from cbr_conformance.settings.config import settings_for
from cbr_conformance.settings.loading import CONFIG_ENV, CONFIG_FLAG
from cbr_conformance.settings.registry import CLEANUP, PROXY, RUN, SPEC

# argparse names no public type for the object add_subparsers returns
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


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
    for add in (
        _add_run,
        _add_diff,
        _add_report,
        _add_listing,
        _add_cleanup,
        _add_proxy,
        _add_inventory,
        _add_certify,
        _add_verify,
        _add_spec,
    ):
        add(commands)
    return parser


def _add_run(commands: Subcommands) -> None:
    run = commands.add_parser(
        "run", help="run the suite and write reports/<timestamp>/ (extra args go to pytest)"
    )
    add_settings(run, RUN)
    run.add_argument(
        "--plan",
        action="store_true",
        help="print what the run would create on the target (vaults and their GB, policies, "
        "backups, restores, shares), which tests will not run and why, and the operations it "
        "calls, without calling the target",
    )
    run.add_argument("--json", action="store_true", help="with --plan: the plan as one JSON document")
    run.set_defaults(handler=handle_run)


def _add_diff(commands: Subcommands) -> None:
    diff = commands.add_parser(
        "diff",
        help="what changed from run OLD to run NEW: violations, skips, coverage (exit 1 on a new violation)",
    )
    diff.add_argument("old", help="the earlier run: its folder or summary.json")
    diff.add_argument("new", help="the later run: its folder or summary.json")
    diff.add_argument("--html", metavar="FILE", help="HTML page to write (default: diff.html beside NEW)")
    diff.set_defaults(handler=handle_diff)


def _add_report(commands: Subcommands) -> None:
    report = commands.add_parser(
        "report", help="rebuild index.html from a run's summary.json, or a site of many runs (--history)"
    )
    report.add_argument("summary", nargs="?", help="summary.json or its folder (default: reports/latest)")
    report.add_argument(
        "--output",
        "-o",
        help="HTML file to write (default: beside the summary); with --history, the site's folder "
        "(default: DIR/history)",
    )
    report.add_argument(
        "--history",
        metavar="DIR",
        help="one static site of the run folders in DIR (reports/): a page per run and an index of "
        "verdicts, violations, coverage and duration over time",
    )
    report.add_argument(
        "--merge", nargs="+", metavar="SHARD", help="merge shards' run folders or summary.json into one run"
    )
    report.add_argument("--into", help="with --merge: the folder of the merged run")
    report.set_defaults(handler=handle_report)


def _add_listing(commands: Subcommands) -> None:
    listing = commands.add_parser(
        "list",
        help="list the tests with their markers, the coverage table, and the versioned test list "
        "(each test's status and reference section)",
    )
    listing.add_argument(
        "--since", metavar="VERSION", help="only what the test list changed after its version VERSION"
    )
    listing.set_defaults(handler=handle_list)


def _add_cleanup(commands: Subcommands) -> None:
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
    cleanup.set_defaults(handler=handle_cleanup)


def _add_proxy(commands: Subcommands) -> None:
    proxy = commands.add_parser(
        "proxy",
        help="a validating reverse proxy on loopback: forward real clients' requests to the target "
        "(none: an embedded emulator) and check both sides against the contract",
    )
    add_settings(proxy, PROXY)
    proxy.set_defaults(handler=handle_proxy)


def _add_inventory(commands: Subcommands) -> None:
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
    inventory.set_defaults(handler=handle_inventory)


def _add_certify(commands: Subcommands) -> None:
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
    certify.set_defaults(handler=handle_certify)


def _add_verify(commands: Subcommands) -> None:
    verify = commands.add_parser(
        "verify",
        help="check a certification report without rerunning: its digest, test list version, suite "
        "and contract, and that every required test passed (exit 1 if not)",
    )
    verify.add_argument("report", help="the certification report (JSON)")
    verify.add_argument(
        "--public-key", metavar="PEM", help="the vendor's Ed25519 public key: check the report's signature"
    )
    verify.set_defaults(handler=handle_verify)


def _add_spec(commands: Subcommands) -> None:
    spec = commands.add_parser("spec", help="validate the contract and print a summary of it")
    add_settings(spec, SPEC)
    spec.set_defaults(handler=handle_spec)


def main(argv: Sequence[str] | None = None) -> int:
    args, rest = build_parser().parse_known_args(argv)
    if rest and args.command != "run":
        print(f"cbr-conformance: unexpected arguments: {' '.join(rest)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "run":
            return handle_run(args, rest)
        return int(args.handler(args))
    except (Exception, KeyboardInterrupt) as exc:
        code = exit_code_for(exc)
        if code is None:
            raise
        print(f"cbr-conformance: {exc or type(exc).__name__}", file=sys.stderr)
        return code
