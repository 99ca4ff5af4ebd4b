"""Stateful testing: schemathesis walks the spec's OpenAPI links (create a vault, then show, update,
add resources to, back up and delete it...) as a hypothesis state machine, sending every step
through the suite's client so that auth, recording and the contract checks apply.
"""

from __future__ import annotations

import contextlib
import copy
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
from cbr_conformance.fuzzing import case_body, closed_objects, name_created, send_case, within_budget
from cbr_conformance.lifecycle import CREATES, Made, births
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


def linked_operations(contract: Contract) -> tuple[str, ...]:
    """The operations that links connect: the ones a state machine can chain."""
    names: set[str] = set()
    for op in contract:
        for response in op.definition["responses"].values():
            links = contract.resolve(response).get("links", {})
            if links:
                names.add(op.operation_id)
                names.update(link["operationId"] for link in links.values())
    return tuple(sorted(names))


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
) -> MachineRun:
    """Run the link-driven state machine; return what it did. Raises on any failure (with `run`,
    the caller still sees what was done before it). What an example made is deleted when it ends;
    the client's cleanups catch whatever a failure leaves. `operations`: only those are steps.
    `ids`: resources the run made for the machine (a vault, a policy): the machine starts from them,
    a step whose path names nothing the machine knows acts on them instead, so that updates,
    deletions and the rest reach the service from the first step.

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

    class Machine(base):  # type: ignore[misc, valid-type]
        def call(self, case: Case[Any], **kwargs: Any) -> StResponse:
            operation_id = by_route[(str(case.method).upper(), case.path)]
            if case.path_parameters:  # an id no link gave: the run's own resource of that kind
                kept = {name for name, value in case.path_parameters.items() if unquote(str(value)) in owned}
                case.path_parameters = {**case.path_parameters, **real.path_for(case.path_parameters, kept)}
            named = {str(value) for value in (case.path_parameters or {}).values()}
            if str(case.method).upper() == "DELETE" and named & set(real.values.values()):
                # the resources the machine starts from stay for every example: only what it made
                # itself is deleted by its steps
                return _to_schemathesis(_not_sent(case, client.base_url))
            if not touches_only(owned, operation_id, case):
                # On a shared project an id may name another test's resource, or someone
                # else's: the machine changes only what it made (reading anything is harmless).
                return _to_schemathesis(_not_sent(case, client.base_url))
            name = f"{name_prefix}-sm{next(counter)}"
            name_created(operation_id, case, name)
            shape(operation_id, case_body(case), real, name)
            done.called.append(operation_id)
            done.failed_at = operation_id  # until the step is through
            within_budget(client, operation_id, case, "positive")
            try:
                response = send_case(client, operation_id, case, real, set(case.path_parameters or {}))
            except OptInRequired:
                done.failed_at = None
                done.called.pop()
                hypothesis.reject()  # a restore without --allow-restore: not a step of this run
            done.failed_at = None
            if 200 <= response.status < 300:
                done.succeeded[operation_id] += 1
                made = births(operation_id, {}, response, client.project_id)
                owned.update(item.id for item in made)
                created.extend(item for item in made if CREATES[item.operation_id][1])
                with contextlib.suppress(ValueError):
                    own(owned, response.json())
            if response.status >= 500:
                done.failed_at = operation_id
                raise ServerError(
                    f"{operation_id}: server error {response.status}\n  reproduce: {response.exchange.curl()}"
                )
            return _to_schemathesis(response.exchange)

        def validate_response(self, response: StResponse, case: Case[Any], *args: Any, **kwargs: Any) -> None:
            # The client already checked the exchange against the contract; schemathesis's stateful
            # checks add what only a chain shows: a deleted resource must be gone (404), a created
            # one visible to the operations its links lead to.
            if str(response.request.url).endswith(_NOT_SENT) or _being_deleted(response):
                return
            case.validate_response(response, checks=list(STATEFUL_CHECKS), recorder=self.recorder)

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
        phases=[hypothesis.Phase.generate],
    )
    # A live target's state changes under the machine (ids, counts), so hypothesis may find its own
    # generation inconsistent and stop: that says nothing about the target; the steps run so far were
    # all checked, and the caller asserts that enough of them ran.
    with contextlib.suppress(hypothesis.errors.FlakyStrategyDefinition):
        # hypothesis leaves this function unannotated
        hypothesis.stateful.run_state_machine_as_test(Machine, settings=settings)  # type: ignore[no-untyped-call,unused-ignore]
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
