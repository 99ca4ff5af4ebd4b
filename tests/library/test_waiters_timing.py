"""Exchanges whose course follows the target's timing are known as such, for the coverage."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Literal

import pytest

from cbr_conformance.plugin.keys import TestNotes
from cbr_conformance.plugin.reporting import _course_was_timed
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target import waiters
from cbr_conformance.target.lifecycle import Cleanups


def test_every_poll_of_a_wait_depends_on_the_targets_timing() -> None:
    seen: list[bool] = []
    answers = iter(["protecting", "protecting", "available"])

    def fetch() -> str:
        seen.append(waiters.depends_on_timing())
        return next(answers)

    assert not waiters.depends_on_timing()
    waiters.wait_for(fetch, lambda s: s == "available", what="a backup", timeout=5, interval=0.01)
    assert seen == [True, True, True]
    assert not waiters.depends_on_timing()  # and nothing after it


def test_a_state_machine_or_a_fuzz_test_out_of_time_is_timed_wholesale() -> None:
    def report(
        *properties: tuple[str, str], when: Literal["setup", "call", "teardown"] = "call"
    ) -> pytest.TestReport:
        return pytest.TestReport(
            "t", ("t.py", 1, "t"), {}, "passed", None, when, user_properties=list(properties)
        )

    assert _course_was_timed("stateful", report(), None)
    assert not _course_was_timed("stateful", report(when="setup"), None)  # its stage is the same every run
    spent = TestNotes(fuzz={"mode": "negative", "answers": {}, "out_of_time": True})
    assert _course_was_timed("fuzz", report(), spent)
    assert not _course_was_timed("fuzz", report(), TestNotes(fuzz={"mode": "negative", "answers": {}}))
    assert not _course_was_timed("contract", report(), None)


def test_a_vault_refused_for_a_resource_another_test_holds_is_timing_dependent() -> None:
    """Whether a leased resource is still in another test's vault is the run's order, not the target."""
    held = '{"error_code": "BackupService.6103", "error_msg": "The resource has been associated"}'
    seen: list[tuple[bool, bool]] = []

    class Client:
        project_id = "p-1"

        def call(self, operation: str, **_: Any) -> Any:
            seen.append((waiters.depends_on_timing(400, held), waiters.depends_on_timing(200, "{}")))
            return SimpleNamespace(status=200, json=lambda: {"vault": {"id": "v-1"}})

    resources = Resources(
        Client(),  # type: ignore[arg-type]
        Inventory.empty(),
        "cbrc-x",
        Cleanups(max_wait=1, poll_interval=0.1),
        max_wait=1,
        poll_interval=0.1,
    )
    assert resources.vault("disk") == {"id": "v-1"}
    assert seen == [(True, False)]
    assert not waiters.depends_on_timing(400, held)  # only while the vault is being made
