"""One run of the suite against one mutant: a fresh `cbr-emulator serve`, the mutant's proxy in
front of it, `cbr-conformance run` at the proxy's URL as a user would start it, and what its
summary says: killed or not, by which violation, on the mutant's own operations or not.

Every mutant gets the same run (the default selection, restores allowed, time control given,
`--max-wait` lowered so that a mutant whose work never ends costs seconds, not minutes), so that
the figures compare mutants, not selections.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cbr_conformance.outcome import Outcome
from cbr_conformance.results.summary import RunSummary, UnreadableSummary, read_summary
from cbr_conformance.results.violations import Violation
from tests.shared_target.harness import credentials_env, emulator_process, suite_inventory
from tests.shared_target.mutant_set import Mutant
from tests.shared_target.mutating_proxy import MutatingProxy

MAX_WAIT = 10.0  # seconds: a few times the emulator's asynchronous work (0.05 s) and polling
WORKERS = 4
TIMEOUT = 900.0  # seconds: a run still going then is stopped and recorded as such


@dataclass(frozen=True)
class MutantRun:
    mutant: Mutant
    seconds: float
    code: int | None  # the run's exit code; None: stopped after `TIMEOUT`
    summary: RunSummary | None
    fired: int  # exchanges the mutant changed
    problem: str = ""  # why there is no summary
    errors: tuple[str, ...] = ()  # the mutant's own failures, each leaving an exchange unchanged

    @property
    def killed(self) -> bool:
        """The run showed a violation: evidence against the target, not a test not tested."""
        return self.summary is not None and (
            bool(self.summary.violations) or self.summary.totals[Outcome.VIOLATED.value] > 0
        )

    @property
    def on_target(self) -> bool:
        """A distinct violation names one of the operations whose rule the mutant breaks."""
        return self.summary is not None and any(
            v.operation in self.mutant.operations for v in self.summary.violations
        )

    @property
    def false_alarm(self) -> bool:
        """A benign change that did not conform (a violation, a blocked test, a suite error)."""
        return self.summary is None or not self.summary.conforms

    def killer(self) -> Violation | None:
        """The violation that names the mutant's operations, else the first."""
        if self.summary is None or not self.summary.violations:
            return None
        return next(
            (v for v in self.summary.violations if v.operation in self.mutant.operations),
            self.summary.violations[0],
        )

    def verdict(self) -> str:
        if self.summary is None:
            return self.problem or f"no summary (exit {self.code})"
        totals = self.summary.totals
        said = ", ".join(f"{totals[o.value]} {o.value}" for o in Outcome if totals[o.value])
        return f"{'CONFORMS' if self.summary.conforms else 'DOES NOT CONFORM'} ({said})"


def run_mutant(
    mutant: Mutant,
    folder: Path,
    *extra: str,
    max_wait: float = MAX_WAIT,
    workers: int = WORKERS,
    timeout: float = TIMEOUT,
) -> MutantRun:
    """The suite's default run against `mutant` in front of a fresh emulator (`extra`: more
    arguments of `cbr-conformance run`)."""
    folder.mkdir(parents=True, exist_ok=True)
    reports = folder / "reports"
    started = time.monotonic()
    code: int | None = None
    problem = ""
    with emulator_process(folder / "cbr.sqlite3", async_delay=0.05) as url:
        behaviour = mutant.make(url)
        with MutatingProxy(url, on_request=behaviour.on_request, on_answer=behaviour.on_answer) as proxy:
            command = [sys.executable, "-m", "cbr_conformance.cli", "run", "--target-url", proxy.url]
            command += ["--control-url", f"{url}/_emulator", "--allow-restore"]
            command += ["--inventory", str(suite_inventory(folder, others=False))]
            command += ["--report-dir", str(reports), "--run-prefix", "cbrc-mutant"]
            command += ["--max-wait", str(max_wait), "--workers", str(workers), *extra]
            with (folder / "console.txt").open("w", encoding="utf-8") as console:
                # the proxy changes bodies and methods, which an AK/SK signature covers: tokens only
                process = subprocess.Popen(
                    command,
                    env=credentials_env(tokens_only=True),
                    stdout=console,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its workers too are stopped on a timeout
                )
                try:
                    code = process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
                    problem = f"stopped after {timeout:.0f} s"
    summary: RunSummary | None = None
    if not problem:
        try:
            summary = read_summary(reports / "latest")
        except UnreadableSummary as exc:
            problem = str(exc)
    seconds = time.monotonic() - started
    return MutantRun(mutant, seconds, code, summary, behaviour.fired, problem, tuple(behaviour.errors))
