"""The state machine: schemathesis's, over the spec's links, with each step sent through the
suite's client (steps.py) and judged by the contract and by schemathesis's checks of a chain.

`run_state_machine` is its entry point; the machine's state for one run is a `Walker`, which the
hypothesis machine class (`_machine_class`) only hands its calls to.
"""

from __future__ import annotations

import copy
from typing import Any

import hypothesis
import hypothesis.errors
import hypothesis.stateful
import schemathesis
import schemathesis.checks
from hypothesis import HealthCheck
from schemathesis import Case
from schemathesis import Response as StResponse

from cbr_conformance.contract.service_rules import RealIds
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.fuzzing import SHRINK_SECONDS, closed_objects, generating
from cbr_conformance.generation.internals import schemathesis_response
from cbr_conformance.generation.preconditions import Stage
from cbr_conformance.generation.stateful.budget import Budget
from cbr_conformance.generation.stateful.failure import ChainFailed, FailedStep, ServerError
from cbr_conformance.generation.stateful.record import MachineRun
from cbr_conformance.generation.stateful.steps import NOT_SENT, Steps, step_key
from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.postconditions.checking import PostConditionFailed
from cbr_conformance.target.client import CBRClient, ContractViolation, OptInRequired
from cbr_conformance.target.made import CREATES, Made
from cbr_conformance.transport.recording import Exchange

# schemathesis's checks of a chain (its own definitions: one implementation of each rule)
STATEFUL_CHECKS = (schemathesis.checks.use_after_free, schemathesis.checks.ensure_resource_availability)
_DELETING = ("deleting", "waiting_delete")  # a deletion under way: still shown, and saying so


def operation_ids(contract: Contract) -> dict[tuple[str, str], str]:
    """operationId by (method, path template): how a generated case names its operation, through
    the public `Case.method` and `Case.path`."""
    return {(op.method, op.path): op.operation_id for op in contract}


def _positive_schema(contract: Contract) -> Any:
    """The contract as schemathesis sees it, generating valid data only: a step the spec forbids
    would walk nowhere along the links, and prove nothing about the target."""

    def make(contract: Contract) -> Any:
        config = schemathesis.Config.from_dict({"generation": {"mode": "positive"}})
        document = closed_objects(copy.deepcopy(contract.document))
        return schemathesis.openapi.from_dict(document, config=config)

    return contract.derived("state machine: positive schema", make)


def _being_deleted(response: StResponse) -> bool:
    """A 2xx showing a resource whose deletion is under way (the target may take a while to
    finish it): not a use after free."""
    try:
        body = response.json()
    except ValueError:
        return False
    shown = next(iter(body.values()), None) if isinstance(body, dict) and len(body) == 1 else None
    return isinstance(shown, dict) and shown.get("status") in _DELETING


class Walker:
    """One run of the machine: its steps, its time budget, what it made (deleted after each
    example, so that examples start alike) and the latest failure with the chain that showed it."""

    def __init__(self, client: CBRClient, steps: Steps, budget: Budget, run: MachineRun) -> None:
        self.client = client
        self.steps = steps
        self.budget = budget
        self.run = run
        self.by_route = operation_ids(client.context.contract)
        self.created: list[Made] = []
        self.walked: list[str] = []  # the current example's steps, as generated
        self.sent: Exchange | None = None  # the latest step's exchange
        # the latest failure, and every failure by its id: hypothesis reports one of them
        self.caught: tuple[BaseException, FailedStep, list[str]] | None = None
        self.failures: dict[int, tuple[BaseException, FailedStep, list[str]]] = {}

    def example_starts(self) -> None:
        self.run.chain = []  # a new example: after a failure, the last one is the shortest chain
        self.walked.clear()
        if not self.budget.example_may_start():
            hypothesis.reject()  # the time budget is spent: no new example starts

    def failed(self, error: BaseException, operation_id: str) -> None:
        """Note a failure of the current example, at a step of `operation_id`."""
        self.budget.failed(self.walked)
        self.caught = (error, FailedStep.of(error, operation_id, self.sent), list(self.run.chain))
        self.failures[id(error)] = self.caught

    def call(self, case: Case[Any]) -> StResponse:
        operation_id = self.by_route[(str(case.method).upper(), case.path)]
        self.walked.append(step_key(operation_id, case))
        if not self.budget.step_may_be_walked(self.walked):
            hypothesis.reject()  # shrinking has had its time: the shortest failing chain stands
        try:
            if not self.steps.prepare(operation_id, case, self.run):
                return schemathesis_response(self.steps.not_sent(case))
            exchange = self._send(operation_id, case)
        except (ContractViolation, PostConditionFailed) as error:
            # a step, or the set-up of its state, broke the contract, or a read-back of its effect
            self.failed(error, operation_id)
            raise
        return schemathesis_response(exchange)

    def _send(self, operation_id: str, case: Case[Any]) -> Exchange:
        run = self.run
        run.called.append(operation_id)
        run.chain.append(operation_id)
        run.failed_at = operation_id  # until the step is through
        try:
            response = self.steps.send(operation_id, case)
        except OptInRequired:
            run.failed_at = None
            run.called.pop()
            run.chain.pop()
            hypothesis.reject()  # a restore without --allow-restore: not a step of this run
        run.failed_at = None
        self.sent = response.exchange
        run.credit(operation_id, response.status, shrinking=self.budget.shrinking)
        if 200 <= response.status < 300:
            self.created.extend(self.steps.births(operation_id, response))
        if response.status >= 500:
            run.failed_at = operation_id
            error = ServerError(operation_id, response.exchange)
            self.failed(error, operation_id)
            raise error
        return response.exchange

    def validate(self, response: StResponse, case: Case[Any], recorder: Any) -> None:
        # The client already checked the exchange against the contract; schemathesis's stateful
        # checks add what only a chain shows: a deleted resource must be gone (404), a created
        # one visible to the operations its links lead to.
        if str(response.request.url).endswith(NOT_SENT) or _being_deleted(response):
            return
        try:
            case.validate_response(response, checks=list(STATEFUL_CHECKS), recorder=recorder)
        except (AssertionError, BaseExceptionGroup) as error:
            self.failed(error, self.by_route[(str(case.method).upper(), case.path)])
            raise

    def teardown(self) -> None:
        while self.created:
            item = self.created.pop()
            self.client.call(CREATES[item.operation_id][1], path=dict(item.path), check=False)

    def chain_failed(self, error: BaseException, *notes: str) -> ChainFailed:
        """The run's failure: `error`, at the step that raised it, with the chain that showed it."""
        if id(error) in self.failures:
            _, step, chain = self.failures[id(error)]
        else:  # raised outside the steps the walker saw: blamed on the latest step
            chain = list(self.run.chain)
            step = FailedStep.of(error, chain[-1] if chain else "", self.sent)
        self.run.chain = list(chain)
        return ChainFailed(error, step, chain, *notes)


def _machine_class(base: Any, walker: Walker) -> Any:
    """schemathesis's machine over the chosen operations, handing its hooks to `walker`."""

    class Machine(base):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            walker.example_starts()

        def call(self, case: Case[Any], **kwargs: Any) -> StResponse:
            return walker.call(case)

        def validate_response(self, response: StResponse, case: Case[Any], *args: Any, **kwargs: Any) -> None:
            walker.validate(response, case, self.recorder)

        def teardown(self) -> None:
            walker.teardown()

    return Machine


def _seeded(machine: type, seed: int | None) -> type:
    return machine if seed is None else hypothesis.seed(seed)(machine)


def _settings(max_examples: int, steps: int, seed: int | None = None) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=seed is None,  # hypothesis prefers derandomizing to a seed given
        # A live target answers slower than hypothesis expects, and a target's refusals filter
        # many generated steps out: neither is a defect of the strategies these checks guard.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        # A failing chain is shrunk to the shortest that still fails, for at most shrink_seconds.
        phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink],
        report_multiple_bugs=False,
    )


def run_state_machine(
    client: CBRClient,
    *,
    max_examples: int,
    steps: int,
    name_prefix: str,
    run: MachineRun | None = None,
    operations: tuple[str, ...] | None = None,
    ids: RealIds | None = None,
    shrink_seconds: float = SHRINK_SECONDS,
    stage: Stage | None = None,
    seconds: float | None = None,
    seed: int | None = None,
) -> MachineRun:
    """Run the link-driven state machine; return what it did. A failing chain raises
    `ChainFailed`, naming its failing step (with `run`, the caller still sees what was done before
    it); an example of no chain at all could be generated is not tested (`NotTested`, GENERATION).
    What an example made is deleted when it ends; the client's cleanups catch whatever a failure
    leaves. `operations`: only those are steps. `ids`: resources the run made for the machine (a
    vault, a policy): the machine starts from them (steps.py). With `stage` (the fuzzer's), a step
    on those resources first gets the state it needs (generation/preconditions.py). `seconds`: no example
    starts after that long. `seed`: the run's fuzz seed, so that the chains walked depend on it
    alone; without one they follow from the machine's own definition (hypothesis's derandomize).

    Each step is judged by the contract (the client) and by schemathesis's checks of a chain
    (STATEFUL_CHECKS); a failure is shrunk to the shortest chain that shows it."""
    schema = _positive_schema(client.context.contract)
    if operations is not None:  # a part of the chains: their steps come round more often
        schema = schema.include(operation_id=list(operations))
    base = schema.as_state_machine()
    done = run if run is not None else MachineRun()
    steps_of_run = Steps(client, ids or RealIds(), name_prefix, stage)
    walker = Walker(client, steps_of_run, Budget.starting_now(seconds, shrink_seconds), done)
    try:
        # hypothesis leaves this function unannotated
        with generating(client.context.contract):
            hypothesis.stateful.run_state_machine_as_test(  # type: ignore[no-untyped-call,unused-ignore]
                _seeded(_machine_class(base, walker), seed), settings=_settings(max_examples, steps, seed)
            )
    except hypothesis.errors.Unsatisfiable:
        if walker.caught:  # shrinking ran out of time before hypothesis replayed the failure
            raise walker.chain_failed(walker.caught[0], "(not shrunk to the end: out of time)") from None
        not_tested(Why.GENERATION, _none_generated(walker, operations, max_examples))
    except hypothesis.errors.FlakyStrategyDefinition:
        # A live target's state (ids, counts) and schemathesis's feedback from earlier answers steer
        # generation, so hypothesis may fail to walk a chain again. Before any failure that says
        # nothing of the target (the steps run so far were all checked); after one, while
        # shrinking, the failure stands as it was first seen.
        if walker.caught:
            note = "(not shrunk: the chain could not be walked again)"
            raise walker.chain_failed(walker.caught[0], note) from None
    except hypothesis.errors.FlakyFailure as flaky:
        note = "(the chain did not fail again when replayed: the answer depends on the state)"
        raise walker.chain_failed(flaky.exceptions[0], note) from None
    except (AssertionError, BaseExceptionGroup) as error:  # a step broke a rule (schemathesis: a group)
        raise walker.chain_failed(error) from None
    return done


def _none_generated(walker: Walker, operations: tuple[str, ...] | None, examples: int) -> str:
    """Why hypothesis found no chain to walk, in words."""
    among = f" of {', '.join(operations)}" if operations else ""
    if not walker.budget.example_may_start():
        return f"the time budget (--fuzz-seconds) was spent before a chain{among} began"
    return f"no chain{among} could be generated and sent in {examples} examples"
