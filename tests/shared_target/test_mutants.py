"""One mutant of `bench/mutants.py` and one benign change go through a whole run: the mutant is
killed on its operation, the benign change is quiet (tests/proxy/test_mutant_set.py walks them all)."""

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
