"""What a test's run showed about the target: one typed outcome, decided by where it came from.

Only *violated* is evidence against the target. Everything the suite could not do is *not
tested*, with a reason of a known kind; a failure of the suite's own code is a *suite error*,
never the target's fault. A test or fixture that cannot go on says so with `not_tested(...)`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NoReturn

# pytest.skip.Exception, typed (mypy sees pytest's public name as Any): what NotTested extends
from _pytest.outcomes import Skipped

# A not-applicable skip's message starts so: a test that cannot exist for this contract (a negative
# fuzz mode of an operation with nothing to break), not something this target left untested.
NOT_APPLICABLE = "not applicable: "


class Outcome(StrEnum):
    PASSED = "passed"
    VIOLATED = "violated"  # the target broke a named rule; the exchange is the evidence
    BLOCKED = "blocked"  # kept from its own check by a violation found elsewhere
    NOT_TESTED = "not tested"  # the suite could not test it here; `Why` says why
    SUITE_ERROR = "suite error"  # the suite's own bug: not the target's fault


class Why(StrEnum):
    """Why a test was not tested: each kind names what a user can change to have it tested."""

    INVENTORY = "inventory"  # the inventory has no free resource of a kind the test needs
    SECOND_PROJECT = "second project"  # sharing and isolation need a second project
    OPT_IN = "opt-in"  # an opt-in not given (--allow-restore) or a budget (--max-vault-size)
    CREDENTIALS = "credentials"  # a kind of credential not configured (AK/SK, a token)
    TIME_CONTROL = "time control"  # no control of the target's clock, or another test holds it
    GENERATION = "generation"  # the generator could not satisfy the spec's rules in its budget
    READ_ONLY = "read-only"  # the run may not create or change anything
    NOT_APPLICABLE = "not applicable"  # cannot exist for this contract (nothing to break)
    OTHER = "other"  # a skip that named no kind


__all__ = ["NOT_APPLICABLE", "NotTested", "Outcome", "Skipped", "Why", "not_tested"]


class NotTested(Skipped):
    """A skip that says which kind of thing was missing: pytest reports it as skipped."""

    def __init__(self, why: Why, message: str) -> None:
        super().__init__(msg=message)
        self.why = why


def not_tested(why: Why, message: str) -> NoReturn:
    """Stop the test (or fixture) here: it is not tested, for `why`; `message` says what to set."""
    __tracebackhide__ = True
    raise NotTested(why, message)
