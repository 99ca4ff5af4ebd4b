"""Stateful testing: schemathesis walks the spec's OpenAPI links (create a vault, then show, update,
add resources to, back up and delete it...) as a hypothesis state machine, sending every step
through the suite's client so that auth, recording and the contract checks apply.
"""

from __future__ import annotations

import contextlib
from typing import Any

import hypothesis
import hypothesis.errors
import hypothesis.stateful
import requests
from hypothesis import HealthCheck
from schemathesis import Case
from schemathesis import Response as StResponse

from cbr_conformance.client import CBRClient
from cbr_conformance.contract import Contract
from cbr_conformance.fuzzing import CREATED, RealIds, load_schema, send_case
from cbr_conformance.recording import Exchange


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


def run_state_machine(client: CBRClient, *, max_examples: int, steps: int) -> list[str]:
    """Run the link-driven state machine; return the operations it called. Raises on any failure."""
    base = load_schema(client.context.contract).as_state_machine()
    by_route = operation_ids(client.context.contract)
    called: list[str] = []
    created: list[tuple[str, str, str]] = []

    class Machine(base):  # type: ignore[misc, valid-type]
        def call(self, case: Case[Any], **kwargs: Any) -> StResponse:
            operation_id = by_route[(str(case.method).upper(), case.path)]
            response = send_case(client, operation_id, case, RealIds(), set())
            called.append(operation_id)
            if response.status == 200 and operation_id in CREATED:
                key, delete, param = CREATED[operation_id]
                created.append((delete, param, response.json()[key]["id"]))
            if response.status >= 500:
                raise ServerError(
                    f"{operation_id}: server error {response.status}\n  reproduce: {response.exchange.curl()}"
                )
            return _to_schemathesis(response.exchange)

        def validate_response(self, response: StResponse, case: Case[Any], *args: Any, **kwargs: Any) -> None:
            pass  # the client already checked the exchange against the contract

        def teardown(self) -> None:
            while created:
                delete, param, value = created.pop()
                client.call(delete, path={param: value}, check=False)

    settings = hypothesis.settings(
        max_examples=max_examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    # A live target's state changes under the machine (ids, counts), so hypothesis may find its own
    # generation inconsistent and stop: that says nothing about the target; the steps run so far were
    # all checked, and the caller asserts that enough of them ran.
    with contextlib.suppress(hypothesis.errors.FlakyStrategyDefinition):
        # hypothesis leaves this function unannotated
        hypothesis.stateful.run_state_machine_as_test(Machine, settings=settings)  # type: ignore[no-untyped-call,unused-ignore]
    return called
