"""The filter and page-walk checks (conformance/test_filters_and_pages.py) shown failing against
targets that break a filter or a page behind valid answers, each on the case of the filter or walk
it breaks, and holding against a correct emulator at a URL, also while another client creates and
deletes in the same project."""

from __future__ import annotations

from pathlib import Path

import pytest

from cbr_conformance.outcome import Outcome
from tests.shared_target.harness import Churn, run_suite
from tests.shared_target.mutant_runs import run_mutant
from tests.shared_target.mutant_set import ALL, Mutant

SELECTION = ("-k", "test_filters_and_pages")
FILTERS = "test_every_filter_lists_what_matches_and_leaves_out_the_rest"
WALKS = "test_every_list_walked_page_by_page_holds_the_runs_items_once"
# What no target the suite can make lets it leave out (testkit/list_filters.py says why).
NEVER_TESTED = {
    f"{FILTERS}[{case}]"
    for case in (
        "list_vaults-cloud_type",
        "list_vaults-enterprise_project_id",
        "list_backups-image_type",
        "list_backups-dec",
        "list_backups-enterprise_project_id",
        "list_backups-resource_az",  # the emulator's inventory is all in one AZ
        "list_operation_logs-enterprise_project_id",
    )
}


def _named(name: str) -> Mutant:
    return next(m for m in ALL if m.name == name)


@pytest.mark.parametrize(
    ("mutant", "case"),
    [
        ("vaults-name-filter-ignored", f"{FILTERS}[list_vaults-name]"),  # a filter ignored
        ("vaults-object-type-inverted", f"{FILTERS}[list_vaults-object_type]"),  # turned round
        ("vaults-page-repeats", f"{WALKS}[list_vaults-offset]"),
        ("backups-page-skips", f"{WALKS}[list_backups-offset]"),
        ("backups-marker-ignored", f"{WALKS}[list_backups-marker]"),
    ],
)
def test_a_broken_filter_or_page_is_a_violation_of_its_case(mutant: str, case: str, tmp_path: Path) -> None:
    run = run_mutant(_named(mutant), tmp_path, *SELECTION, workers=1)
    assert run.killed and run.on_target, run.verdict()
    assert run.summary is not None
    violated = {t.nodeid.split("::")[-1] for t in run.summary.tests if t.outcome is Outcome.VIOLATED}
    assert case in violated, (run.verdict(), sorted(violated))


def test_the_checks_hold_against_a_correct_emulator_at_a_url(tmp_path: Path) -> None:
    run = run_mutant(_named("none"), tmp_path, *SELECTION, workers=1)
    assert run.summary is not None and run.summary.conforms, run.verdict()
    outcomes = {t.nodeid.split("::")[-1]: t.outcome for t in run.summary.tests}
    assert {n for n, o in outcomes.items() if o is Outcome.NOT_TESTED} == NEVER_TESTED, outcomes
    assert sum(o is Outcome.PASSED for o in outcomes.values()) == 42, outcomes


def test_others_creating_and_deleting_meanwhile_raise_no_false_alarm(
    emulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, inventory = emulator
    with Churn(url, pause=0.01) as churn:
        result = run_suite(url, inventory, tmp_path, 1, *SELECTION, "--workers", "0")
    assert churn.done["created"] > 10 and not churn.surprises, (churn.done, churn.surprises[:3])
    assert result.code == 0, result.output
    outcomes = [t["outcome"] for t in result.summary["tests"]]
    assert "violated" not in outcomes and outcomes.count("passed") > 30, outcomes
