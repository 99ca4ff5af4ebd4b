"""The linked operations walked one family at a time, each family's problems kept to itself.

A machine over all the linked operations spreads its steps so thin that, in a default budget,
some operations never come round: it walks each family of contract/links.py (create_vault and what
follows it...), then a small family for each operation none of them answered 2xx to. The run's
time budget is shared: what one family leaves, the next gets. A family that cannot be walked (a
resource it needs is missing, or hypothesis generates no chain of it) is noted as not tested,
and the others are walked all the same.
"""

from __future__ import annotations

import time
from functools import partial

from cbr_conformance.contract.links import families_to_reach, link_families, linked_operations
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.preconditions import Stage
from cbr_conformance.generation.stateful.budget import share_of
from cbr_conformance.generation.stateful.machine import run_state_machine
from cbr_conformance.generation.stateful.needs import lacking
from cbr_conformance.generation.stateful.record import MachineRun
from cbr_conformance.outcome import NotTested, Why
from cbr_conformance.target.client import CBRClient

CREATES = ("create_vault", "create_policy")  # where the machine's chains start
STEPS = 10  # the most steps of one example


def examples_per_family(examples: int) -> int:
    """The examples of each family's machine, of the run's `examples` (the families share it)."""
    return max(2, examples // 2)


def most_steps(contract: Contract, examples: int) -> int:
    """The most steps `walk_links` walks with `examples` (a budget, for `run --plan`): every
    family, then at most one small family per linked operation, each its examples of STEPS steps.
    A failure's shrinking walks more, but a failing test's creations are not held to it."""
    machines = len(link_families(contract)) + len(linked_operations(contract))
    return machines * examples_per_family(examples) * STEPS


def walk_links(
    client: CBRClient,
    stage: Stage,
    *,
    examples: int,
    name_prefix: str,
    seconds: float | None,
    run: MachineRun,
    seed: int | None = None,
) -> MachineRun:
    """Walk every family of linked operations from the run's `stage`, within `seconds` in all;
    `run` says what was done and, per operation, what could not be tested and why. A failing
    chain raises `ChainFailed`."""
    contract = client.context.contract
    for operation in linked_operations(contract):
        reason = lacking(stage, operation)
        if reason is not None:
            run.not_tested([operation], reason.why, reason.message)
    ends = time.monotonic() + seconds if seconds else None
    walk = partial(_walk, client, stage, run, examples=examples, prefix=name_prefix, seed=seed)
    families = link_families(contract)
    for left, family in zip(range(len(families), 0, -1), families, strict=True):
        walk(family, seconds=share_of(ends, left + 1))  # a share is kept for the missed operations
    missed = families_to_reach(contract, run.succeeded)
    reachable = [family for operation, family in missed.items() if lacking(stage, operation) is None]
    for left, family in zip(range(len(reachable), 0, -1), reachable, strict=True):
        walk(family, seconds=share_of(ends, left))
    if not any(operation in run.called for operation in CREATES):
        # hypothesis chose no create in these examples: a generation problem, not the target's fault
        message = f"the state machine generated no create step in {examples} examples"
        run.not_tested(CREATES, Why.GENERATION, message)
    return run


def _walk(
    client: CBRClient,
    stage: Stage,
    run: MachineRun,
    family: tuple[str, ...],
    *,
    seconds: float | None,
    examples: int,
    prefix: str,
    seed: int | None,
) -> None:
    try:
        run_state_machine(
            client,
            max_examples=examples_per_family(examples),  # the families share the run's budget
            steps=STEPS,
            name_prefix=prefix,
            run=run,
            ids=stage.ids,
            operations=family,
            stage=stage,
            seconds=seconds,
            seed=seed,
        )
    except NotTested as skipped:
        run.not_tested(family, skipped.why, skipped.msg or "")
