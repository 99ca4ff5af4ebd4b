"""Stateful testing: schemathesis walks the spec's OpenAPI links (create a vault, then show, update,
add resources to, back up and delete it...) as a hypothesis state machine, sending every step
through the suite's client so that auth, recording and the contract checks apply.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import hypothesis
import hypothesis.errors
import hypothesis.stateful
import requests
import schemathesis
import schemathesis.checks
from hypothesis import HealthCheck
from schemathesis import Case
from schemathesis import Response as StResponse

from cbr_conformance.client import CBRClient, OptInRequired
from cbr_conformance.contract import Contract
from cbr_conformance.fuzzing import (
    SHRINK_SECONDS,
    Failing,
    case_body,
    closed_objects,
    name_created,
    send_case,
    within_budget,
)
from cbr_conformance.lifecycle import CREATES, Made, births
from cbr_conformance.preconditions import Stage, arrange, arranges
from cbr_conformance.recording import Exchange
from cbr_conformance.service_rules import RealIds, shape


class ServerError(AssertionError):
    pass


def _to_schemathesis(exchange: Exchange) -> StResponse:
    request = requests.Request(exchange.method, exchange.url).prepare()
    headers = {name: [value] for name, value in exchange.response_headers.items()}
    # `Response` is public; its constructor is not documented: keywords, so that a change fails loudly.
    return StResponse(
        status_code=exchange.status or 0,
        headers=headers,
        content=exchange.response_text.encode(),
        request=request,
        elapsed=exchange.elapsed,
        verify=True,
    )


def operation_ids(contract: Contract) -> dict[tuple[str, str], str]:
    """operationId by (method, path template): how a generated case names its operation, through
    the public `Case.method` and `Case.path`."""
    return {(op.method, op.path): op.operation_id for op in contract}


# Steps on the machine's starting resources that get their state set up first, per operation and
# run: enough to reach each operation, few enough that a slow target's backups do not dominate.
FRESH_PER_RUN = 1

_POSITIVE_SCHEMAS: dict[int, Any] = {}


def _positive_schema(contract: Contract) -> Any:
    """The contract as schemathesis sees it, generating valid data only: a step the spec forbids
    would walk nowhere along the links, and prove nothing about the target."""
    if id(contract) not in _POSITIVE_SCHEMAS:
        config = schemathesis.Config.from_dict({"generation": {"mode": "positive"}})
        document = closed_objects(copy.deepcopy(contract.document))
        _POSITIVE_SCHEMAS[id(contract)] = schemathesis.openapi.from_dict(document, config=config)
    return _POSITIVE_SCHEMAS[id(contract)]


@dataclass
class MachineRun:
    """What the machine did: every operation it called, and how often each answered 2xx."""

    called: list[str] = field(default_factory=list)
    succeeded: Counter[str] = field(default_factory=Counter)
    failed_at: str | None = None  # the operation whose step broke the contract, if one did
    chain: list[str] = field(default_factory=list)  # the steps sent in the latest example
    arranged: Counter[str] = field(default_factory=Counter)  # steps whose state was set up first

    def credited(self) -> list[str]:
        """The operations the run really exercised: a 2xx, or the step that failed."""
        return sorted(set(self.succeeded) | ({self.failed_at} if self.failed_at else set()))


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
) -> MachineRun:
    """Run the link-driven state machine; return what it did. Raises on any failure (with `run`,
    the caller still sees what was done before it). What an example made is deleted when it ends;
    the client's cleanups catch whatever a failure leaves. `operations`: only those are steps.
    `ids`: resources the run made for the machine (a vault, a policy): the machine starts from them,
    a step whose path names nothing the machine knows acts on them instead, so that updates,
    deletions and the rest reach the service from the first step. With `stage` (the fuzzer's), a
    step on those resources first gets the state it needs (preconditions.py): a deletion deletes a
    fresh resource of its kind. `seconds`: no example starts after that long.

    Each step is judged by the contract (the client) and by schemathesis's checks of a chain
    (STATEFUL_CHECKS); a failure is shrunk to the shortest chain that shows it."""
    schema = _positive_schema(client.context.contract)
    if operations is not None:  # a part of the chains: their steps come round more often
        schema = schema.include(operation_id=list(operations))
    base = schema.as_state_machine()
    by_route = operation_ids(client.context.contract)
    done = run if run is not None else MachineRun()
    created: list[Made] = []  # deleted after each example, so that examples start alike
    real = ids or RealIds()
    # ids of what the machine made or was given, and of what lives in its vaults
    owned: set[str] = set(real.values.values())
    counter = iter(range(1, 1_000_000))
    failing = Failing()  # when the first failure came: shrinking is bounded from then
    deadline = time.monotonic() + seconds if seconds else None  # no example starts after it
    walked: list[str] = []  # the current example's steps, as generated
    failing_steps: list[str] = []  # those of the latest (so the shortest) failing example

    caught: list[BaseException] = []  # the latest failure, and the chain that showed it
    failing_chain: list[str] = []

    def failed(error: BaseException) -> None:
        failing.since = failing.since or time.monotonic()
        failing_steps[:] = walked
        failing_chain[:] = done.chain
        caught[:] = [error]

    class Machine(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            done.chain = []  # a new example: after a failure, the last one is the shortest chain
            walked.clear()
            if deadline is not None and failing.since is None and time.monotonic() > deadline:
                hypothesis.reject()  # the time budget is spent: no new example starts

        def call(self, case: Case[Any], **kwargs: Any) -> StResponse:
            operation_id = by_route[(str(case.method).upper(), case.path)]
            walked.append(_step_key(operation_id, case))
            # Once shrinking has had its time, only the shortest failing chain so far is walked
            # again (hypothesis replays it to report it); every other attempt is dropped.
            shrunk_enough = failing.since is not None and failing.shrinking_for() > shrink_seconds
            if shrunk_enough and walked != failing_steps[: len(walked)]:
                hypothesis.reject()
            if case.path_parameters:  # an id no link gave: the run's own resource of that kind
                kept = {name for name, value in case.path_parameters.items() if unquote(str(value)) in owned}
                case.path_parameters = {**case.path_parameters, **real.path_for(case.path_parameters, kept)}
            named = {str(value) for value in (case.path_parameters or {}).values()}
            method = str(case.method).upper()
            if method != "GET" and named & set(real.values.values()):
                # A step on the resources the machine starts from gets the state it needs first (a
                # policy applied before a dissociation, a fresh vault for a deletion: those stay
                # for every example), a few times a run; after that, deletions of them are not sent.
                budget_left = done.arranged[operation_id] < FRESH_PER_RUN
                if stage is not None and arranges(operation_id) and budget_left:
                    done.arranged[operation_id] += 1
                    fresh = arrange(operation_id, stage)
                    case.path_parameters = {**case.path_parameters, **fresh}
                    owned.update(fresh.values())
                elif method == "DELETE":
                    return _to_schemathesis(_not_sent(case, client.base_url))
            name = f"{name_prefix}-sm{next(counter)}"
            name_created(operation_id, case, name)
            # the body names the run's resources (a restore point of the machine's vault...) before
            # the machine decides whether the step touches only what it may change
            shape(operation_id, case_body(case), real, name)
            if not touches_only(owned, operation_id, case):
                # On a shared project an id may name another test's resource, or someone
                # else's: the machine changes only what it made (reading anything is harmless).
                return _to_schemathesis(_not_sent(case, client.base_url))
            done.called.append(operation_id)
            done.chain.append(operation_id)
            done.failed_at = operation_id  # until the step is through
            within_budget(client, operation_id, case, "positive")
            try:
                response = send_case(client, operation_id, case, real, set(case.path_parameters or {}))
            except OptInRequired:
                done.failed_at = None
                done.called.pop()
                done.chain.pop()
                hypothesis.reject()  # a restore without --allow-restore: not a step of this run
            done.failed_at = None
            if 200 <= response.status < 300:
                if failing.since is None:  # a step of shrinking is no new reach of the operation
                    done.succeeded[operation_id] += 1
                made = births(operation_id, {}, response, client.project_id)
                owned.update(item.id for item in made)
                created.extend(item for item in made if CREATES[item.operation_id][1])
                with contextlib.suppress(ValueError):
                    own(owned, response.json())
            if response.status >= 500:
                done.failed_at = operation_id
                error = ServerError(
                    f"{operation_id}: server error {response.status}\n  reproduce: {response.exchange.curl()}"
                )
                failed(error)
                raise error
            return _to_schemathesis(response.exchange)

        def validate_response(self, response: StResponse, case: Case[Any], *args: Any, **kwargs: Any) -> None:
            # The client already checked the exchange against the contract; schemathesis's stateful
            # checks add what only a chain shows: a deleted resource must be gone (404), a created
            # one visible to the operations its links lead to.
            if str(response.request.url).endswith(_NOT_SENT) or _being_deleted(response):
                return
            try:
                case.validate_response(response, checks=list(STATEFUL_CHECKS), recorder=self.recorder)
            except (AssertionError, BaseExceptionGroup) as error:
                failed(error)
                raise

        def teardown(self) -> None:
            while created:
                item = created.pop()
                client.call(CREATES[item.operation_id][1], path=dict(item.path), check=False)

    settings = hypothesis.settings(
        max_examples=max_examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=True,
        # A live target answers slower than hypothesis expects, and a target's refusals filter
        # many generated steps out: neither is a defect of the strategies these checks guard.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        # A failing chain is shrunk to the shortest that still fails, for at most shrink_seconds.
        phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink],
        report_multiple_bugs=False,
    )
    try:
        # hypothesis leaves this function unannotated
        hypothesis.stateful.run_state_machine_as_test(Machine, settings=settings)  # type: ignore[no-untyped-call,unused-ignore]
    except hypothesis.errors.FlakyStrategyDefinition:
        # A live target's state (ids, counts) and schemathesis's feedback from earlier answers steer
        # generation, so hypothesis may fail to walk a chain again. Before any failure that says
        # nothing of the target (the steps run so far were all checked); after one, while
        # shrinking, the failure stands as it was first seen.
        if caught:
            done.chain = list(failing_chain)
            note = "(not shrunk: the chain could not be walked again)"
            raise _with_chain(caught[0], done.chain, note) from None
    except hypothesis.errors.FlakyFailure as flaky:
        done.chain = list(failing_chain or done.chain)
        note = "(the chain did not fail again when replayed: the answer depends on the state)"
        raise _with_chain(flaky.exceptions[0], done.chain, note) from None
    except (AssertionError, BaseExceptionGroup) as error:  # a step broke a rule (schemathesis: a group)
        done.chain = list(failing_chain or done.chain)  # the chain that failed, not the last tried
        raise _with_chain(error, done.chain) from None
    return done


# schemathesis's checks of a chain (its own definitions: one implementation of each rule)
STATEFUL_CHECKS = (schemathesis.checks.use_after_free, schemathesis.checks.ensure_resource_availability)
_DELETING = ("deleting", "waiting_delete")  # a deletion under way: still shown, and saying so


def _being_deleted(response: StResponse) -> bool:
    """A 2xx showing a resource whose deletion is under way (the target may take a while to
    finish it): not a use after free."""
    try:
        body = response.json()
    except ValueError:
        return False
    shown = next(iter(body.values()), None) if isinstance(body, dict) and len(body) == 1 else None
    return isinstance(shown, dict) and shown.get("status") in _DELETING


_PATH_IDS_OF_OTHERS = ("project_id", "member_id")  # the run's own project; a project shared with


def touches_only(owned: set[str], operation_id: str, case: Case[Any]) -> bool:
    """Whether a step reads, or changes only what the machine made (its path ids, and the vault a
    restore point is made in)."""
    if str(case.method).upper() == "GET":
        return True
    ids = [str(v) for k, v in (case.path_parameters or {}).items() if k not in _PATH_IDS_OF_OTHERS]
    body = case_body(case)
    if operation_id == "create_checkpoint" and isinstance(body, dict):
        checkpoint = body.get("checkpoint")
        ids.append(str(checkpoint.get("vault_id")) if isinstance(checkpoint, dict) else "")
    return all(value in owned for value in ids)


def own(owned: set[str], body: Any) -> None:
    """Add to `owned` every object of a 2xx answer that lives in one of the machine's vaults (a
    restore point, a backup)."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("vault_id") in owned and isinstance(node.get("id"), str):
                owned.add(node["id"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


_NOT_SENT = "/not-sent"


def _with_chain(error: BaseException, chain: list[str], *notes: str) -> BaseException:
    """The failure, saying which chain of steps showed it."""
    for note in notes:
        error.add_note(note)
    if chain:
        error.add_note(f"the shortest failing chain found: {' -> '.join(chain)}")
    return error


def _step_key(operation_id: str, case: Case[Any]) -> str:
    """A step as generated, less the ids links give it (they differ each time a chain is walked)."""
    return json.dumps([operation_id, case.query, case_body(case)], sort_keys=True, default=repr)


def _not_sent(case: Case[Any], base_url: str) -> Exchange:
    """What the machine answers itself for a step it does not send."""
    return Exchange(
        None,
        str(case.method).upper(),
        f"{base_url}{_NOT_SENT}",
        {},
        None,
        status=404,
        response_headers={"Content-Type": "application/json"},
        response_text='{"error_code": "not-sent", "error_msg": "not a resource of the machine"}',
    )
