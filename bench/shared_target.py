"""How often the suite's verdict is wrong on a shared target: many seeds against one correct one.

    python bench/shared_target.py               # 20 seeds, async delay 1 s
    python bench/shared_target.py --seeds 5 --async-delay 2

The target is the project's own correct emulator (one `cbr-emulator serve` with a --db file)
behind a proxy adding 20-50 ms to each exchange, holding foreign data (50 vaults, 20 policies,
200 backups in each project) while another client creates and deletes in the same projects
(tests/shared_target/harness.py). Each run must CONFORM; the script prints each run's verdict,
time and failures, then how many runs were wrong.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for tests.shared_target

from tests.shared_target.harness import (
    Churn,
    LatencyProxy,
    emulator_process,
    run_suite,
    seed_foreign_data,
    suite_inventory,
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=20, help="runs, one seed each (default 20)")
    parser.add_argument("--async-delay", type=float, default=1.0, help="seconds of each backup (default 1)")
    args = parser.parse_args()
    wrong = 0
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with emulator_process(root / "cbr.sqlite3", args.async_delay) as url:
            seed_foreign_data(url)
            inventory = suite_inventory(root)
            with LatencyProxy(url) as proxy, Churn(proxy.url) as churn:
                for seed in range(1, args.seeds + 1):
                    started = time.monotonic()
                    result = run_suite(proxy.url, inventory, root / f"reports-{seed}", seed)
                    failures = result.failures()
                    verdict = "CONFORMS" if result.code == 0 else f"WRONG (exit {result.code})"
                    wrong += result.code != 0
                    print(f"seed {seed:>3}: {verdict:<18} {time.monotonic() - started:6.1f} s", flush=True)
                    for failure in failures:
                        # The test, then the last lines of its failure: the message, not the frames.
                        lines = failure.splitlines()
                        print(f"    {lines[0][:160]}")
                        for line in [x for x in lines[1:] if x.strip()][-6:]:
                            print(f"        {line[:200]}")
                made, deleted = churn.done["created"], churn.done["deleted"]
                print(f"the other client made {made} and deleted {deleted} meanwhile")
    print(f"\n{wrong} of {args.seeds} runs gave a wrong verdict against a correct shared target")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
