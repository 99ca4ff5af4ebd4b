"""Wall time of the conformance suite against the embedded emulator, per kind of test, beside a bare
`st run` (schemathesis CLI) over the same spec against a fresh emulator with the same example budget.

    python bench/suite_speed.py            # the whole suite (a few minutes on 2 cores)
    python bench/suite_speed.py --quick    # vault operations only, 3 examples per operation

Both run in subprocesses on loopback; each is killed past --max-seconds. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cbr_conformance.target.endpoint import EMBEDDED_ASYNC_DELAY  # st faces the emulator the suite faces
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SPEC = ROOT / "spec" / "cbr-v3.yaml"
# Settings the suite would otherwise take from the environment: the run must hit the embedded emulator.
SUITE_ENV = ("CBR_TARGET_URL", "CBR_CONFIG", "CBR_AUTH_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK")


@dataclass
class KindFigures:
    tests: int = 0
    seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Timeline:
    """Seconds from the command's start: each worker's first and last test, the end of the run."""

    first_test: float
    workers_done: dict[str, float]
    controller_done: float


@dataclass
class SuiteRun:
    wall: float
    exit_code: int
    kinds: dict[str, KindFigures]
    totals: dict[str, int]
    timeline: Timeline | None = None


@dataclass
class StRun:
    wall: float
    exit_code: int
    cases: int | None
    summary_line: str


def run_suite(args: argparse.Namespace, work: Path) -> SuiteRun:
    command = [sys.executable, "-m", "cbr_conformance.cli", "run", "--report-dir", str(work / "reports")]
    command += ["--fuzz-examples", str(args.examples), "--fuzz-seed", str(args.seed), "-n", args.workers]
    if args.quick:
        command += ["-k", "vault"]
    command += ["-p", "timeline_plugin"]
    marks = work / "timeline.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in SUITE_ENV}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), env.get("PYTHONPATH")]))
    env["CBR_BENCH_TIMELINE"] = str(marks)
    started_at = time.time()
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=work, env=env, capture_output=True, text=True, timeout=args.max_seconds, check=False
    )
    wall = time.monotonic() - started
    summary_file = work / "reports" / "latest" / "summary.json"
    if not summary_file.exists():
        raise SystemExit(f"the suite wrote no summary (exit {done.returncode}):\n{done.stderr[-3000:]}")
    summary: dict[str, Any] = json.loads(summary_file.read_text())
    kinds: dict[str, KindFigures] = defaultdict(KindFigures)
    for test in summary["tests"]:
        figures = kinds[test["kind"] or "(unmarked)"]
        figures.tests += 1
        figures.seconds += test["duration"]
        figures.outcomes[test["outcome"]] += 1
    return SuiteRun(wall, done.returncode, dict(kinds), summary["totals"], read_timeline(marks, started_at))


def read_timeline(marks: Path, started_at: float) -> Timeline | None:
    if not marks.exists():
        return None
    events = [json.loads(line) for line in marks.read_text().splitlines() if line.strip()]
    starts = [e["t"] - started_at for e in events if e["what"] == "test started"]
    finished: dict[str, float] = {}
    for event in events:
        if event["what"] == "test finished":
            finished[event["who"]] = max(finished.get(event["who"], 0.0), event["t"] - started_at)
    ends = [e["t"] - started_at for e in events if e["who"] == "controller" and e["what"] == "unconfigured"]
    if not starts or not finished or not ends:
        return None
    return Timeline(min(starts), dict(sorted(finished.items())), max(ends))


def st_executable() -> str:
    beside = Path(sys.executable).with_name("st")
    found = str(beside) if beside.exists() else shutil.which("st")
    if found is None:
        raise SystemExit("schemathesis's `st` is not installed")
    return found


def run_st(args: argparse.Namespace, work: Path) -> StRun:
    project = DEFAULT_CREDENTIALS[0]
    config = work / "schemathesis.toml"
    # st has no command-line flag for a parameter's value: its config file's [parameters] table does it.
    config.write_text(f'[parameters]\n"path.project_id" = "{project.project_id}"\n')
    with EmulatorServer(async_delay=EMBEDDED_ASYNC_DELAY) as emulator:
        command = [st_executable(), "--config-file", str(config), "run", str(SPEC), "--url", emulator.url]
        command += ["-H", f"X-Auth-Token: {project.tokens[0]}", "--max-examples", str(args.examples)]
        command += ["--seed", str(args.seed), "--workers", str(st_workers(args.workers)), "--no-color"]
        if args.quick:
            command += ["--include-path-regex", "/vaults"]
        started = time.monotonic()
        done = subprocess.run(
            command, cwd=work, capture_output=True, text=True, timeout=args.max_seconds, check=False
        )
        wall = time.monotonic() - started
    generated = re.search(r"(\d+) generated", done.stdout)
    last = [line.strip("= ") for line in done.stdout.strip().splitlines() if line.startswith("=")]
    return StRun(
        wall, done.returncode, int(generated.group(1)) if generated else None, last[-1] if last else ""
    )


def st_workers(suite_workers: str) -> int:
    if suite_workers == "auto":
        return os.cpu_count() or 1
    return max(1, int(suite_workers))


def report(args: argparse.Namespace, suite: SuiteRun, st: StRun) -> None:
    scope = "vault operations (--quick)" if args.quick else "all 27 operations"
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; scope: {scope}")
    print(
        f"example budget: {args.examples} per operation (and mode), seed {args.seed}, workers {args.workers}"
    )
    print("\ncbr-conformance run (embedded emulator), per kind of test:")
    print(f"  {'kind':<10}{'tests':>7}{'test-seconds':>14}{'share':>8}  outcomes")
    total = sum(k.seconds for k in suite.kinds.values()) or 1.0
    for name, figures in sorted(suite.kinds.items(), key=lambda item: -item[1].seconds):
        outcomes = ", ".join(f"{n} {o}" for o, n in sorted(figures.outcomes.items()))
        share = f"{100 * figures.seconds / total:.0f}%"
        print(f"  {name:<10}{figures.tests:>7}{figures.seconds:>14.1f}{share:>8}  {outcomes}")
    print(f"  {'total':<10}{sum(k.tests for k in suite.kinds.values()):>7}{total:>14.1f}")
    print("  (test-seconds add up the tests' own durations; with workers they overlap in wall time)")
    if suite.timeline is not None:
        line = suite.timeline
        last = max(line.workers_done.values())
        print("\ntimeline of the run (seconds from its start):")
        print(f"  first test starts            {line.first_test:6.1f}  (imports, collection, emulators)")
        for worker, end in line.workers_done.items():
            print(f"  {worker + ' ends its last test':<29}{end:6.1f}")
        spread = last - min(line.workers_done.values())
        print(f"  workers end apart by         {spread:6.1f}")
        print(f"  pytest is done               {line.controller_done:6.1f}  (reports written)")
        print(f"  the command exits            {suite.wall:6.1f}")
    print("\nside by side:")
    print(f"  {'run':<44}{'wall s':>8}{'exit':>6}")
    print(f"  {'cbr-conformance run':<44}{suite.wall:>8.1f}{suite.exit_code:>6}")
    cases = f"st run ({st.cases} cases generated)" if st.cases is not None else "st run"
    print(f"  {cases:<44}{st.wall:>8.1f}{st.exit_code:>6}")
    print(f"  ratio suite / st: {suite.wall / st.wall:.2f}")
    if st.summary_line:
        print(f"  st said: {st.summary_line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="vault operations only, 3 examples")
    parser.add_argument("--examples", type=int, help="examples per operation (default 10; --quick 3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of both runs (default 1)")
    parser.add_argument("--workers", default="auto", help="suite's -n, and st's --workers (default auto)")
    parser.add_argument("--max-seconds", type=float, help="kill a run past this (default 1800; --quick 300)")
    args = parser.parse_args(argv)
    args.examples = args.examples or (3 if args.quick else 10)
    args.max_seconds = args.max_seconds or (300.0 if args.quick else 1800.0)
    with tempfile.TemporaryDirectory(prefix="cbr-bench-") as tmp:
        work = Path(tmp)
        suite = run_suite(args, work)
        st = run_st(args, work)
    report(args, suite, st)
    return 0


if __name__ == "__main__":
    sys.exit(main())
