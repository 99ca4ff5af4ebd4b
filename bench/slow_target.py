"""The suite's wall time against a target whose backups take seconds, beside the floor.

    python bench/slow_target.py                  # async delays of 1 s and 5 s
    python bench/slow_target.py --delays 5 --workers 2 8

For each delay, one `cbr-emulator serve --async-delay D` (a --db file) is the target, reached by
URL as a user would. The floor is the longest chain of asynchronous steps that must follow one
another (back up, restore, back up again: scenario-restore-backup), run alone; the full default
run (fuzzing included) is then timed for each worker count, twice: a first run, whose tests are
laid out across workers by estimates, and the same run again, laid out by the first one's measured
durations (what a CI job that keeps its reports folder gets). Printed: seconds, multiples of the
delay, and the CPU seconds the run's processes used (the target's excluded), side by side: with a
dozen workers on a few cores, the run's own CPU is what is left of its wall time beyond waiting.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for tests.shared_target

from tests.shared_target.harness import emulator_process, run_suite, suite_inventory

LONGEST_CHAIN = "test_restore_a_server_backup_and_back_it_up_again"


def _cpu_of_children() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)  # the target's process counts once it ends
    return used.ru_utime + used.ru_stime


def _timed(url: str, inventory: Path, reports: Path, *args: str) -> tuple[float, float, int, str]:
    started, cpu = time.monotonic(), _cpu_of_children()
    result = run_suite(url, inventory, reports, 1, "--allow-restore", *args)
    verdict = "conforms" if result.code == 0 else f"exit {result.code}: {result.failures()[:2]}"
    return time.monotonic() - started, _cpu_of_children() - cpu, result.code, verdict


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--delays", type=float, nargs="+", default=[1.0, 5.0], help="seconds per backup")
    parser.add_argument("--workers", nargs="+", default=["auto"], help="worker counts to compare")
    args = parser.parse_args()
    wrong = 0
    print(f"{'delay':>6} {'run':<26} {'seconds':>8} {'× delay':>8} {'CPU s':>6}  verdict")
    for delay in args.delays:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            with emulator_process(root / "cbr.sqlite3", delay) as url:
                inventory = suite_inventory(root, others=False)  # the run is alone: every disk is its own
                floor, cpu, code, verdict = _timed(
                    url, inventory, root / "floor", "-k", LONGEST_CHAIN, "-n", "0"
                )
                wrong += code != 0
                label = "floor (longest chain)"
                print(f"{delay:>6g} {label:<26} {floor:>8.1f} {floor / delay:>8.1f} {cpu:>6.1f}  {verdict}")
                for workers in args.workers:
                    for attempt in ("first", "again"):  # again: laid out by the first's durations
                        seconds, cpu, code, verdict = _timed(
                            url, inventory, root / f"run-{workers}", "--workers", workers
                        )
                        wrong += code != 0
                        label = f"full run, {workers} w., {attempt}"
                        print(
                            f"{delay:>6g} {label:<26} {seconds:>8.1f} {seconds / delay:>8.1f} {cpu:>6.1f}"
                            f"  {verdict}",
                            flush=True,
                        )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
