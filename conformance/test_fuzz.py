"""Property-based fuzzing of all 27 operations, positive and negative (schemathesis + hypothesis).

Positive cases are valid per the spec: the target accepts them or answers a documented error,
never a 5xx. Negative cases break the spec: the target refuses them with a documented 4xx, never
a 2xx or a 5xx. Every response also passes the automatic contract checks. The budget is
`--fuzz-examples` cases per operation and mode, the seed `--fuzz-seed` (both in the report).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.preconditions import Stage, case_creates
from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.plugin.keys import TestNotes
from cbr_conformance.resources.provision import Resources
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.target.client import CBRClient

# Destructive operations last, so that the shared resources serve the others first.
_LAST = ("delete_share_member", "delete_backup", "delete_policy", "delete_vault")


def _cases() -> list[Any]:
    operations = sorted(
        Contract.load(), key=lambda op: _LAST.index(op.operation_id) + 1 if op.operation_id in _LAST else 0
    )
    return [
        pytest.param(
            op.operation_id,
            mode,
            id=f"{op.operation_id}-{mode}",
            marks=pytest.mark.cbr(
                operation=op.operation_id,
                kind="fuzz",
                mutates=op.method != "GET",
                id=f"fuzz-{op.operation_id}-{mode}",
                creates=case_creates(op.operation_id, mode) or None,  # per case
            ),
        )
        for op in operations
        for mode in ("positive", "negative")
    ]


@pytest.mark.parametrize(("operation_id", "mode"), _cases())
def test_fuzz(
    request: pytest.FixtureRequest,
    cbr: CBRClient,
    cbr_config: SuiteConfig,
    cbr_stage: Stage,
    cbr_resources: Resources,
    cbr_prefix: str,
    cbr_notes: TestNotes,
    operation_id: str,
    mode: str,
) -> None:
    """4.1 to 4.6: fuzzed valid requests get a documented answer, invalid ones a documented 4xx."""
    # imported here: a worker that never runs a fuzz test does not load schemathesis
    from cbr_conformance.generation.suite_tests import NotApplicable, fuzz_operation, replay_command

    try:
        tally = fuzz_operation(
            cbr,
            operation_id,
            mode,
            cbr_stage.ids,
            examples=cbr_config.fuzz_examples,
            seed=cbr_config.fuzz_seed,
            seconds=cbr_config.fuzz_seconds,
            name_prefix=cbr_prefix,
            # the test's own client sends the cases and sets their state up, so that what they
            # make is deleted at its end, and counted against its marker
            stage=replace(cbr_stage, client=cbr, resources=cbr_resources),
            replay=cbr_config.fuzz_replay,
        )
    except NotApplicable as exc:
        not_tested(Why.NOT_APPLICABLE, str(exc))
    except AssertionError as failure:
        command = replay_command(
            request.node.nodeid, cbr_config.fuzz_seed, getattr(failure, "fuzz_replay", None)
        )
        failure.add_note(f"replay it (with the run's target options): {command}")
        raise
    # What the target answered, for the report's fuzzing table (a target refusing every valid case
    # with a documented error passes positive fuzzing; the table shows it).
    told: dict[str, object] = {"mode": mode, "answers": dict(tally.answers)}
    if tally.out_of_time:  # its coverage was the target's speed's (plugin/reporting.py)
        told["out_of_time"] = True
    cbr_notes.fuzz = told
    if not tally.sent:  # the generator's problem, not the target's
        not_tested(Why.GENERATION, f"no {mode} case of {operation_id} could be generated and sent")
