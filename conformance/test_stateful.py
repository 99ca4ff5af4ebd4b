"""Stateful chains along the spec's links, as a state machine (schemathesis + hypothesis)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest

from cbr_conformance.client import CBRClient
from cbr_conformance.config import SuiteConfig
from cbr_conformance.contract import Contract
from cbr_conformance.links import linked_operations
from cbr_conformance.preconditions import Stage
from cbr_conformance.results.outcome import Why, not_tested

_LINKED = linked_operations(Contract.load())


@pytest.mark.cbr(operation=_LINKED, kind="stateful", mutates=True, id="stateful-links")
def test_state_machine_along_links(
    cbr: CBRClient,
    cbr_stage: Stage,
    cbr_config: SuiteConfig,
    cbr_prefix: str,
    record_property: Callable[[str, object], None],
) -> None:
    """4.1 to 4.6: chains of calls along the spec's links (create, then use the id) conform."""
    # imported here: a worker that never runs this test does not load schemathesis
    from cbr_conformance.generation import ChainFailed, MachineRun, walk_links

    run = MachineRun()
    cut_short = True
    try:
        # The machine starts from the run's own resources (a vault with a server, its backup, a
        # policy, a share...): the module's stage, deleted when the module ends. Its steps are sent
        # with the test's own client, so that what they make is deleted at its end.
        walk_links(
            cbr,
            replace(cbr_stage, client=cbr),
            examples=cbr_config.fuzz_examples,
            name_prefix=cbr_prefix,
            seconds=cbr_config.fuzz_seconds,  # the fuzzing budget of one operation, for all the families
            run=run,
        )
        cut_short = False
    except ChainFailed as failure:
        # Only the failing step's operation is violated; the chain's others are blocked by it.
        record_property("cbr_failed_step", failure.step.operation_id)
        raise
    finally:
        # The report credits the machine only with the operations it really exercised, and says
        # why the others were not tested (those a failure cut short are blocked, not untested).
        record_property("cbr_credited", json.dumps(run.credited()))
        record_property("cbr_chain_2xx", json.dumps(dict(run.succeeded)))
        record_property("cbr_untested", json.dumps(run.untested_report(_LINKED, cut_short=cut_short)))
    if not run.credited():
        not_tested(Why.GENERATION, "the state machine exercised none of the linked operations: not tested")
    creates = [op for op in ("create_vault", "create_policy") if op in run.called]
    if creates and not any(run.succeeded[op] for op in creates):
        record_property("cbr_failed_step", creates[0])
        raise AssertionError(
            "4.4.1, 4.6.1: no create of the machine succeeded, though each sent a body the spec allows: "
            f"steps {run.called}"
        )
