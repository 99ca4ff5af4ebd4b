"""Guards of the run: hand-built tests may not send a request the spec forbids without saying so,
and a request refused for want of an opt-in (a restore, a vault over the budget) skips its test."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.plugin.keys import EXCHANGES
from cbr_conformance.suite.markers import info_of
from cbr_conformance.target.client import OptInRequired

# Kinds whose requests are written by hand, so each must be one the spec allows unless the test
# says otherwise; fuzz and stateful requests come from the spec itself.
_HAND_BUILT_KINDS = ("contract", "scenario")


class UnintendedInvalidRequest(AssertionError):
    """A test sent a request the spec forbids without meaning to: a defect of the test, which
    would otherwise hold the target to a rule of the test's own making."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    try:
        return (yield)
    except OptInRequired as exc:
        not_tested(Why.OPT_IN, str(exc))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        result = yield
    except OptInRequired as exc:
        not_tested(Why.OPT_IN, str(exc))
    info = info_of(item)
    if info is None or info.kind not in _HAND_BUILT_KINDS:
        return result
    unintended = [
        f"{e.method} {e.url}: " + "; ".join(e.request_errors)
        for e in item.stash.get(EXCHANGES, [])
        if e.request_errors and not e.deliberately_invalid
    ]
    if unintended:
        raise UnintendedInvalidRequest(
            f"the test sent {len(unintended)} request(s) the spec does not allow (a defect of the test; "
            "pass invalid=True where that is the point):\n  " + "\n  ".join(unintended)
        )
    return result
