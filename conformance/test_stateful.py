"""Stateful chains along the spec's links, as a state machine (schemathesis + hypothesis)."""

from __future__ import annotations

import pytest

from cbr_conformance.client import CBRClient
from cbr_conformance.config import SuiteConfig
from cbr_conformance.contract import Contract
from cbr_conformance.stateful import linked_operations, run_state_machine

_LINKED = linked_operations(Contract.load())


@pytest.mark.cbr(operation=_LINKED, kind="stateful", mutates=True, id="stateful-links")
def test_state_machine_along_links(cbr: CBRClient, cbr_config: SuiteConfig) -> None:
    called = run_state_machine(cbr, max_examples=cbr_config.fuzz_examples, steps=10)
    assert "create_vault" in called or "create_policy" in called, (
        f"the machine never created anything: {called}"
    )
    assert len(set(called)) >= 5, f"the machine reached too few operations: {sorted(set(called))}"
