"""`cbr-conformance cleanup`: delete what a run made, or sweep by name prefix."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from cbr_conformance.cli.common import config_of, contract_of
from cbr_conformance.cli.exits import EXIT_NONCONFORMANT, EXIT_OK, TargetProblem, UsageProblem
from cbr_conformance.cli.preflight import preflight
from cbr_conformance.outcome import Outcome
from cbr_conformance.results.rundirs import (
    LAST,
    LATEST,
)
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.settings.registry import CLEANUP
from cbr_conformance.target.made import LEDGER_FILE


def _ledger_of(run: str, report_dir: Path) -> Path:
    folder = report_dir / run if run in (LATEST, LAST) or not Path(run).exists() else Path(run)
    ledger = folder if folder.is_file() else folder / LEDGER_FILE
    if not ledger.is_file():
        raise UsageProblem(f"no record of what a run made at {ledger}")
    return ledger


def _undo_run(config: SuiteConfig, ledger: Path, dry_run: bool) -> int:
    from cbr_conformance.target.client import client_for
    from cbr_conformance.target.lifecycle import REFUSED, Outcome, delete
    from cbr_conformance.target.made import read_ledger, undo_order

    contract = contract_of(config.profile, config.spec)
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


def handle_cleanup(args: argparse.Namespace) -> int:
    from cbr_conformance.target.sweep import sweep

    config = config_of(args, CLEANUP)
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
