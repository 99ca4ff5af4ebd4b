"""What the fuzz and state machine tests run, imported by them when the first of them runs.

Importing schemathesis and hypothesis costs a worker CPU it need not spend: a worker that runs
neither kind of test never loads them. (Which modules a worker loaded before makes no difference to
the cases: while the suite generates, hypothesis draws no constants from them; see `internals`.)
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
