"""Exchanges whose course follows the target's timing are known as such, for the coverage."""

from __future__ import annotations

from typing import Literal

import pytest

from cbr_conformance import waiters
from cbr_conformance.plugin.reporting import _course_was_timed


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

    assert _course_was_timed("stateful", report())
    assert not _course_was_timed("stateful", report(when="setup"))  # its stage is the same every run
    assert _course_was_timed("fuzz", report(("cbr_fuzz", '{"mode": "negative", "out_of_time": true}')))
    assert not _course_was_timed("fuzz", report(("cbr_fuzz", '{"mode": "negative", "answers": {}}')))
    assert not _course_was_timed("contract", report())
