"""The scenarios that need time to pass run against a standalone emulator when told where its
time control is (--control-url), and a control URL that does not answer stops the run."""

from __future__ import annotations

from pathlib import Path

from tests.shared_target.harness import emulator_process, run_suite, suite_inventory


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
