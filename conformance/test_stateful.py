"""Stateful chains along the spec's links, as a state machine (schemathesis + hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cbr_conformance.contract.links import linked_operations
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.preconditions import Stage, case_creates
from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.plugin.keys import TestNotes
from cbr_conformance.resources.provision import Resources
from cbr_conformance.results.record import Untested
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.target.client import CBRClient

_LINKED = linked_operations(Contract.load())


@pytest.mark.cbr(
    operation=_LINKED, kind="stateful", mutates=True, id="stateful-links", creates=case_creates(_LINKED)
)  # creates: per step
def test_state_machine_along_links(
    cbr: CBRClient,
    cbr_stage: Stage,
    cbr_resources: Resources,
    cbr_config: SuiteConfig,
    cbr_prefix: str,
    cbr_notes: TestNotes,
) -> None:
    """4.1 to 4.6: chains of calls along the spec's links (create, then use the id) conform."""
    # imported here: a worker that never runs this test does not load schemathesis
    from cbr_conformance.generation.suite_tests import MachineRun, walk_links

    run = MachineRun()
    cut_short = True
    try:
        # The machine starts from the run's own resources (a vault with a server, its backup, a
        # policy, a share...): the module's stage, deleted when the module ends. Its steps are sent
        # with the test's own client, so that what they make is deleted at its end.
        walk_links(
            cbr,
            replace(cbr_stage, client=cbr, resources=cbr_resources),
            examples=cbr_config.fuzz_examples,
            name_prefix=cbr_prefix,
            seconds=cbr_config.fuzz_seconds,  # the fuzzing budget of one operation, for all the families
            run=run,
            seed=cbr_config.fuzz_seed,
        )
        cut_short = False
    finally:
        # The report credits the machine only with the operations it really exercised, and says
        # why the others were not tested (those a failure cut short are blocked, not untested).
        cbr_notes.credited = run.credited()
        cbr_notes.chain_2xx = dict(run.succeeded)
        untested = run.untested_report(_LINKED, cut_short=cut_short)
        cbr_notes.untested = {op: Untested.from_dict(why) for op, why in untested.items()}
    if not run.credited():
        not_tested(Why.GENERATION, "the state machine exercised none of the linked operations: not tested")
    creates = [op for op in ("create_vault", "create_policy") if op in run.called]
    if creates and not any(run.succeeded[op] for op in creates):
        cbr_notes.failed_step = creates[0]
        raise AssertionError(
            "4.4.1, 4.6.1: no create of the machine succeeded, though each sent a body the spec allows: "
            f"steps {run.called}"
        )
