"""How far valid fuzz cases get: the share of positive cases answered 2xx, per operation.

    python bench/fuzz_acceptance.py                    # the embedded emulator, default budget
    python bench/fuzz_acceptance.py --examples 50 --seed 3
    python bench/fuzz_acceptance.py --target-url http://127.0.0.1:9000 ...   # any run option

It runs the positive fuzz tests (`cbr-conformance run -k "test_fuzz and positive"`) and prints,
from the run's summary.json, each operation's valid cases, those answered 2xx and the share;
mutating operations below the goal (half of their cases) are marked, and the exit code is 1 if any.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

GOAL = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, help="--fuzz-examples of the run (default: the suite's)")
    parser.add_argument("--seed", type=int, help="--fuzz-seed of the run (default: the suite's)")
    args, rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "cbr_conformance.cli", "run", "--report-dir", folder, *rest]
        command += ["--fuzz-examples", str(args.examples)] if args.examples else []
        command += ["--fuzz-seed", str(args.seed)] if args.seed is not None else []
        command += ["-k", "test_fuzz and positive"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        summaries = sorted(Path(folder).glob("*/summary.json"))
        if not summaries:
            print(done.stdout[-2000:], done.stderr[-2000:], sep="\n")
            return 2
        summary = json.loads(summaries[-1].read_text(encoding="utf-8"))
    mutating = {t["operations"][0] for t in summary["tests"] if t.get("fuzz") and t["mutates"]}
    below = 0
    print(f"{'operation':<28} {'cases':>5} {'2xx':>5} {'share':>6}")
    for operation, figures in summary["acceptance"].items():
        share = figures["share"] or 0.0
        short = operation in mutating and share < GOAL
        below += short
        mark = "  below the goal" if short else ""
        print(f"{operation:<28} {figures['sent']:>5} {figures['accepted']:>5} {share:>6.0%}{mark}")
    verdict = "conforms" if summary["conforms"] else "does not conform"
    print(f"\nthe run {verdict}; {below} mutating operation(s) below {GOAL:.0%}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
