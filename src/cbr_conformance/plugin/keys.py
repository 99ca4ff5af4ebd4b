"""What a test's fixtures leave on its item for the hooks to read."""

from __future__ import annotations

import pytest

from cbr_conformance.exchange_facts import FactSheet
from cbr_conformance.recording import Exchange
from cbr_conformance.scenario import Steps

EXCHANGES = pytest.StashKey[list[Exchange]]()  # every exchange of the test, redacted
STEPS = pytest.StashKey[Steps]()  # a scenario's steps, for the report
CLOCK_WAIT = pytest.StashKey[float]()  # seconds the test waited for another to give the clock back
# What cleanups could not undo, waiting for the next test report (a module's fixtures end in the
# teardown of its last test): the reporting hook moves them into that report.
PENDING_LEFTOVERS: list[str] = []
# What every exchange of this process exercised of the contract (a module's fixtures' included),
# waiting for the next test report, which carries it to the controller (see reporting.py).
PENDING_FACTS = FactSheet()
RUN_FACTS = pytest.StashKey[FactSheet]()  # on the controller: the facts of the whole run
# On the controller: what the run's shared resources left when it deleted them (plugin/shared.py).
RUN_LEFTOVERS: list[str] = []
