"""Mutants of `bench/mutants.py` and a benign change go through a whole run of one test each: a
mutant is killed on its operation (a time-driven one by the rule it breaks, in the scenario that
moves the clock), the benign change is quiet (tests/proxy/test_mutant_set.py walks them all)."""

from __future__ import annotations

from pathlib import Path

from tests.shared_target.mutant_runs import run_mutant
from tests.shared_target.mutant_set import ALL, Mutant


def _named(name: str) -> Mutant:
    return next(m for m in ALL if m.name == name)


def test_a_run_against_a_mutant_is_killed_on_its_operation_and_a_benign_change_is_quiet(
    tmp_path: Path,
) -> None:
    # the bench's own runner, on one test that compares the policies' list with their shows
    selection = ("-k", "test_list_policies_shows_what_show_policy_shows")
    killed = run_mutant(_named("policy-id-in-list"), tmp_path / "mutant", *selection, workers=1)
    assert killed.killed and killed.on_target, killed.verdict()
    violation = killed.killer()
    # the list itself, or the read-back of the create that lists the policies to find the new one
    assert violation is not None and violation.operation in ("list_policies", "create_policy"), violation
    assert killed.fired > 0 and killed.errors == ()
    quiet = run_mutant(_named("extra-fields"), tmp_path / "benign", *selection, workers=1)
    assert not quiet.false_alarm and not quiet.killed, quiet.verdict()
    assert quiet.summary is not None and quiet.summary.totals["passed"] == 1, quiet.verdict()


def test_a_run_against_a_scheduler_that_never_fires_is_killed_by_the_rule_that_it_fires(
    tmp_path: Path,
) -> None:
    # the bench's own runner, on the policy scenario that moves the target's clock past four runs
    selection = ("-k", "test_policy_fires_and_keeps_the_newest_backups")
    killed = run_mutant(_named("policy-never-fires"), tmp_path, *selection, workers=1)
    assert killed.killed and killed.on_target, killed.verdict()
    violation = killed.killer()
    assert violation is not None, killed.verdict()
    assert (violation.operation, violation.rule) == (
        "associate_vault_policy",
        "post-condition associate_vault_policy.fires",
    ), violation
    assert killed.fired > 0 and killed.errors == ()
