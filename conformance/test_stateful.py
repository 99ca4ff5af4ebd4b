"""Stateful chains along the spec's links, as a state machine (schemathesis + hypothesis)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from cbr_conformance.client import CBRClient
from cbr_conformance.config import SuiteConfig
from cbr_conformance.contract import Contract
from cbr_conformance.links import families_to_reach, link_families, linked_operations
from cbr_conformance.plugin.keys import TestNotes
from cbr_conformance.preconditions import Stage

_LINKED = linked_operations(Contract.load())


@pytest.mark.cbr(operation=_LINKED, kind="stateful", mutates=True, id="stateful-links")
def test_state_machine_along_links(
    cbr: CBRClient,
    cbr_stage: Stage,
    cbr_config: SuiteConfig,
    cbr_prefix: str,
    cbr_notes: TestNotes,
) -> None:
    """4.1 to 4.6: chains of calls along the spec's links (create, then use the id) conform."""
    # imported here: a worker that never runs this test does not load schemathesis
    from cbr_conformance.generation import MachineRun, run_state_machine

    # The machine starts from the run's own resources (a vault with a server, its backup, a
    # policy, a share...): the module's stage, deleted when the module ends.
    start = cbr_stage.ids
    run = MachineRun()
    examples = cbr_config.fuzz_examples
    contract = cbr.context.contract
    # the fuzzing budget of one operation, shared by the machines below: what one leaves, the next
    # gets, and a last share is kept for the operations the families missed
    ends = time.monotonic() + cbr_config.fuzz_seconds if cbr_config.fuzz_seconds else None

    def walk(family: tuple[str, ...], shares: int) -> None:
        seconds = max(0.1, (ends - time.monotonic()) / shares) if ends is not None else None
        run_state_machine(
            cbr,
            max_examples=max(2, examples // 2),  # the families share the run's budget
            steps=10,
            name_prefix=cbr_prefix,
            run=run,
            ids=start,
            operations=family,
            stage=replace(cbr_stage, client=cbr),
            seconds=seconds,
        )

    try:
        # One family of linked operations at a time (create_vault and what follows it...), then a
        # small family for each operation none of them answered 2xx to.
        families = link_families(contract)
        for left, family in zip(range(len(families), 0, -1), families, strict=True):
            walk(family, left + 1)
        missed = families_to_reach(contract, run.succeeded)
        for left, family in zip(range(len(missed), 0, -1), missed, strict=True):
            walk(family, left)
    finally:
        # The report credits the machine only with the operations it really exercised.
        cbr_notes.credited = run.credited()
        cbr_notes.chain_2xx = dict(run.succeeded)
    creates = ("create_vault", "create_policy")
    if not any(op in run.called for op in creates):
        # hypothesis chose no create in these examples: a generation problem, not the target's fault
        pytest.skip(f"the state machine generated no create step in {examples} examples: not tested")
    created = {op for op in creates if run.succeeded[op]}
    assert created, (
        "4.4.1, 4.6.1: no create of the machine succeeded, though each sent a body the spec allows: "
        f"steps {run.called}"
    )
