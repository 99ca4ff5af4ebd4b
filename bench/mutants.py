"""Detection power: how many of the project's own behaviour-breaking mutants of a correct target
the suite kills, and whether it flags benign changes.

    python bench/mutants.py                  # every mutant and benign change, one run each
    python bench/mutants.py --list           # the set, by class
    python bench/mutants.py --only stale-vault-show --only gzip
    nice python bench/mutants.py --jobs 2    # two runs at a time

Each mutant (tests/shared_target/mutant_set.py) is a proxy in front of a fresh, correct
`cbr-emulator serve` that breaks one rule of the service's behaviour (a stale cache, a field that
drifts, accounting that never moves, a deletion kept, a filter ignored, ...) while every answer
stays valid against the contract; the benign changes (latency, gzip, a charset, header order,
extra fields, and the unchanged control) must not be flagged. Each gets the same run of the
suite: `cbr-conformance run` with its default selection, `--allow-restore`, `--control-url`,
`--max-wait 10`, 4 workers, a token. The script reads each run's summary.json and prints one
line per mutant (killed or not, by which violation, on the mutant's own operations or not), the
kill rate per class and in all, and the false alarms.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for tests.shared_target

from tests.shared_target.mutant_runs import MAX_WAIT, WORKERS, MutantRun, run_mutant
from tests.shared_target.mutant_set import ALL, BENIGN, MUTANTS, Kind, Mutant


def _row(run: MutantRun) -> str:
    mutant = run.mutant
    if mutant.benign:
        mark = "FALSE ALARM" if run.false_alarm else "quiet"
    elif run.killed:
        mark = "killed" if run.on_target else "killed (off)"
    else:
        mark = "survived"
    killer = run.killer()
    by = f"{killer.operation} {killer.rule}: {killer.message.splitlines()[0][:90]}" if killer else ""
    if killer and killer.tests:
        by += f"  [{killer.tests[0].split('::')[-1][:60]}]"
    if not killer and ((mutant.benign and run.false_alarm) or not run.summary):
        by = run.verdict()
    if run.errors:
        by += f"  ({len(run.errors)} exchanges the mutant failed on, left unchanged: {run.errors[0][:80]})"
    return f"{mutant.name:<32} {mutant.kind.value:<28} {mark:<13} {run.seconds:5.0f} s  {by}"


def _rates(runs: list[MutantRun]) -> list[str]:
    lines = []
    by_kind: dict[Kind, list[MutantRun]] = defaultdict(list)
    for run in runs:
        by_kind[run.mutant.kind].append(run)
    total = [r for r in runs if not r.mutant.benign]
    # "all" only over mutants that were run: a run of the benign ones alone has none to kill
    kinds: list[Kind | None] = [k for k in Kind if k is not Kind.BENIGN and by_kind.get(k)]
    for kind in kinds + ([None] if total else []):
        chosen = total if kind is None else by_kind[kind]
        killed = sum(r.killed for r in chosen)
        on = sum(r.on_target for r in chosen)
        name = "all" if kind is None else kind.value
        lines.append(
            f"{name:<28} {killed:>3} of {len(chosen):<3} killed ({100 * killed / len(chosen):3.0f} %), "
            f"{on} on the mutant's operations"
        )
    benign = [r for r in runs if r.mutant.benign]
    if benign:
        alarms = [r.mutant.name for r in benign if r.false_alarm]
        lines.append(
            f"{'benign':<28} {len(alarms)} false alarm(s) in {len(benign)}: {', '.join(alarms) or 'none'}"
        )
    survivors = [r.mutant.name for r in total if not r.killed]
    if survivors:
        lines.append(f"survived: {', '.join(survivors)}")
    return lines


def _record(run: MutantRun) -> dict[str, object]:
    killer = run.killer()
    return {
        "mutant": run.mutant.name,
        "class": run.mutant.kind.value,
        "killed": run.killed,
        "on_target": run.on_target,
        "false_alarm": run.false_alarm if run.mutant.benign else None,
        "seconds": round(run.seconds, 1),
        "fired": run.fired,
        "errors": list(run.errors),
        "verdict": run.verdict(),
        "violations": [
            {
                "operation": v.operation,
                "rule": v.rule,
                "message": v.message.splitlines()[0],
                "tests": list(v.tests),
            }
            for v in (run.summary.violations if run.summary else ())
        ],
        "killer": killer.operation if killer else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="print the set, by class, and stop")
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="this mutant or benign change (repeatable)"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="runs at a time (default 1: the cores are shared)"
    )
    parser.add_argument(
        "--max-wait", type=float, default=MAX_WAIT, help=f"the runs' --max-wait (default {MAX_WAIT:g})"
    )
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"the runs' --workers (default {WORKERS})"
    )
    parser.add_argument("--json", type=Path, help="also write each run's figures to this file")
    args = parser.parse_args()
    if args.list:
        for mutant in ALL:
            print(f"{mutant.name:<32} {mutant.kind.value:<28} {mutant.what}")
        print(f"\n{len(MUTANTS)} mutants, {len(BENIGN)} benign changes")
        return 0
    if args.jobs < 1:
        parser.error("--jobs: at least 1")
    names = {m.name for m in ALL}
    unknown = sorted(set(args.only or ()) - names)
    if unknown:
        parser.error(f"--only: no mutant or benign change named {', '.join(unknown)} (see --list)")
    chosen: list[Mutant] = [m for m in ALL if not args.only or m.name in args.only]
    runs: list[MutantRun] = []
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(args.jobs) as pool:
        futures = [
            pool.submit(run_mutant, m, Path(folder) / m.name, max_wait=args.max_wait, workers=args.workers)
            for m in chosen
        ]
        for future in as_completed(futures):
            run = future.result()
            runs.append(run)
            print(_row(run), flush=True)
    order = {m.name: i for i, m in enumerate(ALL)}
    runs.sort(key=lambda r: order[r.mutant.name])
    print()
    for run in runs:
        print(_row(run))
    print()
    for line in _rates(runs):
        print(line)
    if args.json:
        args.json.write_text(json.dumps([_record(r) for r in runs], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
