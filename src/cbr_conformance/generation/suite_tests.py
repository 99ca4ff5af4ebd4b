"""What the fuzz and state machine tests run, imported together when the first of them runs.

Importing schemathesis and hypothesis costs a worker ~0.5 s of CPU, so a worker that runs neither
kind of test never does. But hypothesis draws some values from the constants of the project's own
modules loaded at the time (its "local constants", where the suite is installed from a checkout):
importing both kinds' modules at once keeps a test's cases, for a seed, the same whether or not
the other kind ran before it in the same worker.
"""

from __future__ import annotations

from cbr_conformance.generation.fuzzing import NotApplicable, fuzz_operation, replay_command
from cbr_conformance.generation.stateful.failure import ChainFailed
from cbr_conformance.generation.stateful.families import walk_links
from cbr_conformance.generation.stateful.machine import run_state_machine
from cbr_conformance.generation.stateful.record import MachineRun

__all__ = [
    "ChainFailed",
    "MachineRun",
    "NotApplicable",
    "fuzz_operation",
    "replay_command",
    "run_state_machine",
    "walk_links",
]
