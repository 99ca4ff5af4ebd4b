"""How often a stranger's honest setup gets a wrong verdict from a correct target: each setting of
tests/shared_target/stranger.py on N seeds.

    python bench/stranger_matrix.py                        # 10 seeds, the suite's default budget
    python bench/stranger_matrix.py --seeds 3 --quick      # the CI test's lowered fuzz budget
    python bench/stranger_matrix.py --settings gateway,read-only

Each run is `cbr-conformance run` (the installed CLI, a process of its own, a fresh report folder)
against a fresh `cbr-emulator serve` (a new --db file, 1 s asynchronous work), configured as a
newcomer would: a token alone; AK/SK with an inventory and a second project; tokens with
--control-url; behind a gateway's path prefix; --read-only; -k show_vault. Every run must
CONFORM (partially where something was not configured). The script prints each run's verdict and
time, and for a wrong one its distinct violations and the tests that did not pass or skip (first
line each); then, per setting, how many verdicts were wrong.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for tests.shared_target

from tests.shared_target.stranger import QUICK, SETTINGS, run_seeds, verdict


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=10, help="runs per setting, one seed each (default 10)")
    parser.add_argument("--quick", action="store_true", help="the CI test's lowered fuzz budget")
    names = ",".join(s.name for s in SETTINGS)
    parser.add_argument("--settings", default=names, help=f"comma-separated, among {names} (default: all)")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error("--seeds: at least 1")
    chosen = [s for s in SETTINGS if s.name in args.settings.split(",")]
    if not chosen:
        parser.error(f"--settings: none of {args.settings!r} is a setting ({names})")
    budget = QUICK if args.quick else ()
    wrong: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        for setting in chosen:
            print(f"{setting.name}: {setting.what}", flush=True)
            wrong[setting.name] = 0
            seeds = range(1, args.seeds + 1)
            for run in run_seeds(setting, Path(folder) / setting.name, seeds, budget=budget):
                found = run.wrong(setting)
                said = verdict(run.summary) if run.summary else f"no summary (exit {run.code})"
                mark = "WRONG" if found else "ok"
                print(f"  seed {run.seed:>3}: {mark:<5} {run.seconds:6.1f} s  {said}", flush=True)
                if found:
                    wrong[setting.name] += 1
                    print(f"      wrong: {'; '.join(found)}", flush=True)
                    for line in run.catalogue():
                        print(f"      {line[:220]}", flush=True)
    print()
    for name, count in wrong.items():
        print(f"{name:<14} {count} of {args.seeds} verdicts wrong")
    return 1 if any(wrong.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
