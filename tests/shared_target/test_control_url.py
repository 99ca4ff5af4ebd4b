"""The scenarios that need time to pass run against a standalone emulator when told where its
time control is (--control-url), and a control URL that does not answer stops the run. On many
workers they take the one clock in turn, beside the scenarios that settle their backups by it."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

from tests.shared_target.harness import emulator_process, run_suite, suite_inventory
from tests.shared_target.mutating_proxy import Exchange, MutatingProxy

# The scenarios that own the clock (cbr_clock), and tests a move of it could disturb: the policy
# tests, and the scenarios whose backups a settle hurries along (cbr_settle).
CLOCK_AND_NEIGHBOURS = "test_scenario_policy or test_scenario_backup or test_scenario_paging or test_policies"
OWNERS = (
    "test_policy_fires_and_keeps_the_newest_backups",
    "test_only_an_enabled_policy_fires",
    "test_automatic_backups_expire_after_the_retention_duration",
)


def test_time_scenarios_run_against_a_standalone_emulator_with_its_control_url(tmp_path: Path) -> None:
    with emulator_process(tmp_path / "cbr.sqlite3", async_delay=0.2) as url:
        inventory = suite_inventory(tmp_path)
        args = ("-k", "test_scenario_policy", "-n", "0")
        without = run_suite(url, inventory, tmp_path / "without", 1, *args)
        assert without.code == 0, without.output
        assert any("--control-url" in reason for reason in without.summary["skips"]), without.summary["skips"]
        with_control = run_suite(
            url, inventory, tmp_path / "with", 1, "--control-url", f"{url}/_emulator", *args
        )
        assert with_control.code == 0, "\n".join(with_control.failures()) or with_control.output
        assert with_control.summary["totals"]["not tested"] == 0, with_control.summary["skips"]
        assert with_control.summary["totals"]["passed"] > 0
        broken = run_suite(url, inventory, tmp_path / "broken", 1, "--control-url", f"{url}/nowhere", *args)
        assert broken.code == 3 and "no emulator time control answers" in broken.output


def _gateway(upstream: str, prefix: str) -> MutatingProxy:
    """A gateway that serves the emulator under a path prefix, 20-50 ms later than it answers."""
    chance = random.Random(7)
    lock = threading.Lock()

    def strip(exchange: Exchange) -> None:
        assert exchange.path.startswith(prefix), exchange.path
        exchange.path = exchange.path.removeprefix(prefix)
        with lock:
            pause = chance.uniform(0.02, 0.05)
        time.sleep(pause)

    return MutatingProxy(upstream, on_request=strip)


def test_time_scenarios_on_many_workers_take_one_clock_in_turn(tmp_path: Path) -> None:
    """Two runs on 6 workers, one straight and one behind a path-prefix gateway, of the scenarios
    that move the clock by days beside those that settle backups by it: every run conforms, and
    every scenario that owns the clock was tested."""
    with emulator_process(tmp_path / "cbr.sqlite3", async_delay=1) as url, _gateway(url, "/cbr") as gateway:
        inventory = suite_inventory(tmp_path, others=False)
        for seed, target in ((1, url), (2, f"{gateway.url}/cbr")):
            control = ("--control-url", f"{target}/_emulator")
            selection = ("--workers", "6", "-k", CLOCK_AND_NEIGHBOURS)
            reports = tmp_path / f"run-{seed}"
            # behind the gateway, tokens only: an AK/SK signature covers the path it changes
            run = run_suite(target, inventory, reports, seed, *control, *selection, tokens_only=target != url)
            assert run.code == 0 and not run.failures(), "\n".join(run.failures()) or run.output
            outcomes = {t["nodeid"].rsplit("::", 1)[-1]: t["outcome"] for t in run.summary["tests"]}
            assert {name: outcomes.get(name) for name in OWNERS} == dict.fromkeys(OWNERS, "passed"), (
                run.summary["skips"]
            )
            assert run.summary["totals"]["passed"] > 40
        assert gateway.seen > 0
