"""One generated case of an operation: whether it breaks anything the target must refuse, what it
needs of the run's resources and the service's rules to be valid, sending it through the suite's
client, and judging the answer (a server error, invalid input accepted, a valid case refused).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import hypothesis
import hypothesis.errors
from schemathesis import Case

from cbr_conformance.contract.request_check import RequestProblem, request_errors, request_problems
from cbr_conformance.contract.service_rules import RealIds, claims_invalid_input, letter_of, shape
from cbr_conformance.contract.spec import Contract
from cbr_conformance.contract.spec_rules import broken_rules
from cbr_conformance.generation.internals import (
    case_body,
    case_description,
)
from cbr_conformance.generation.preconditions import Stage, arrange
from cbr_conformance.target.client import CBRClient, Response, query_pairs, vault_size
from cbr_conformance.target.made import CREATES


class FuzzFailure(AssertionError):
    pass


def breaks(contract: Contract, operation_id: str, case: Case[Any]) -> list[RequestProblem]:
    """Where a generated case breaks the spec, by the suite's own reading of it (the request check
    every request the client sends goes through), leaving out what does not make a request invalid
    here: the project id (always the run's) and query parameters the spec does not declare
    (OpenAPI does not forbid those, and services ignore them)."""
    path = {
        name: unquote(str(value))
        for name, value in (case.path_parameters or {}).items()
        if name != "project_id"
    }
    path["project_id"] = _VALID_PROJECT
    body = case_body(case)
    sent = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    return request_problems(contract, operation_id, path, query_pairs(case.query or {}), sent)


_VALID_PROJECT = "0" * 32  # a project id of the shape the reference gives (the run sends its own)


def has_breakable_input(contract: Contract, operation_id: str) -> bool:
    """Whether a negative case can break anything but unconstrained path ids: a query parameter,
    a request body, or a path parameter with constraints."""
    operation = contract.operations[operation_id]
    if contract.request_schema(operation_id) is not None:
        return True
    for parameter in map(contract.resolve, operation.definition["parameters"]):
        if parameter["in"] == "query":
            return True
        schema = contract.resolve(parameter.get("schema", {}))
        if parameter["name"] != "project_id" and set(schema) - {"type", "description"}:
            return True
    return False


def send_case(
    client: CBRClient,
    operation_id: str,
    case: Case[Any],
    ids: RealIds,
    mutated: set[str],
    path: dict[str, str] | None = None,
) -> Response:
    """Send a generated case, with the run's ids in its path (`path`'s first) but where `mutated`."""
    body = case_body(case)
    kwargs: dict[str, Any] = {
        "path": {**ids.path_for(case.path_parameters or {}, mutated), **(path or {})},
        "query": dict(case.query or {}),
    }
    if isinstance(body, bytes):
        kwargs["raw_body"] = body  # a negative case may send a body that is not JSON at all
    elif body is not None or client.context.contract.request_schema(operation_id) is not None:
        kwargs["json_body"] = body
    return client.call(operation_id, **kwargs)


_NAMED = ("create_vault", "create_policy")  # what they make takes a name the caller chooses


def name_created(operation_id: str, case: Case[Any], name: str) -> None:
    """Give what a create case makes a name of the run's; the spec's names allow it (letters,
    digits, - and _)."""
    body = case_body(case)
    named = operation_id in _NAMED and isinstance(body, dict)
    item = body.get(CREATES[operation_id][0]) if named else None
    if isinstance(item, dict):
        item["name"] = name


def within_budget(client: CBRClient, operation_id: str, case: Case[Any], mode: str) -> None:
    """A valid case asks for a vault no larger than the run's budget (any size within it is as
    valid); an invalid one over the budget is not sent at all."""
    body = case_body(case)
    size = vault_size(operation_id, body)
    if size is None or client.max_vault_size is None or size <= client.max_vault_size:
        return
    if mode == "negative":
        hypothesis.reject()
    body["vault"]["billing"]["size"] = client.max_vault_size


def never_a_subscription(operation_id: str, case: Case[Any], mode: str) -> None:
    """No case orders a yearly or monthly vault (charging_mode pre_paid, which the spec allows as
    the SDK documents it): a valid one is made pay-per-use, an invalid one is not sent, in case the
    target accepts it all the same."""
    body = case_body(case)
    vault = body.get("vault") if operation_id == "create_vault" and isinstance(body, dict) else None
    billing = vault.get("billing") if isinstance(vault, dict) else None
    if not isinstance(billing, dict) or billing.get("charging_mode") != "pre_paid":
        return
    if mode == "negative":
        hypothesis.reject()
    billing["charging_mode"] = "post_paid"


@dataclass
class FuzzTally:
    """What the target answered to the judged cases of one operation and mode, by status (and
    error code): e.g. {"200": 7, "400 BackupService.9900": 3}."""

    answers: Counter[str] = field(default_factory=Counter)
    # The time budget ran out before the last example: how many were sent was the target's speed.
    out_of_time: bool = False

    @property
    def sent(self) -> int:
        return sum(self.answers.values())

    @property
    def accepted(self) -> int:
        """Cases answered 2xx: for valid cases, how far fuzzing got past the validation layer."""
        return sum(n for answer, n in self.answers.items() if answer.startswith("2"))


def one_case(
    client: CBRClient,
    operation_id: str,
    mode: str,
    case: Case[Any],
    stage: Stage,
    tally: FuzzTally,
    counter: Any,
    name_prefix: str | None,
    *,
    counted: bool,
    budget_spent: Callable[[], bool] = lambda: False,
) -> None:
    """Send one generated case and judge the answer; `counted`: it is tallied (not a shrink step).
    A case whose set-up ran out the time budget is not sent: on a slow target the set-up (a backup
    to settle, a fresh one to delete) takes seconds, and a case sent then would make the test wait
    for what it started too."""
    broken = breaks(client.context.contract, operation_id, case) if mode == "negative" else []
    if mode == "negative" and not broken:
        hypothesis.reject()  # nothing left that the target should refuse
    mutated = {problem.where.removeprefix("path.") for problem in broken if problem.where.startswith("path.")}
    within_budget(client, operation_id, case, mode)
    never_a_subscription(operation_id, case, mode)
    valid = Valid(False, {}, client)
    if mode == "positive":
        name = f"{name_prefix}-fz{next(counter)}" if name_prefix else f"fz{next(counter)}"
        valid = _made_valid(client, operation_id, case, stage, name)
        if budget_spent():
            tally.out_of_time = True
            return
    response = send_case(valid.sender, operation_id, case, stage.ids, mutated, valid.path)
    stage.answered(operation_id, response)
    what = f"{operation_id} ({mode} case{': ' + case_description(case) if mode == 'negative' else ''})"
    if response.status >= 500:
        raise FuzzFailure(f"{what}: server error {response.status}\n  reproduce: {response.exchange.curl()}")
    if mode == "negative" and not response.exchange.request_errors:
        # Our own reading of the spec finds nothing wrong with the request as sent (the real ids
        # put in place of generated ones may have undone the break): no verdict on its status.
        hypothesis.reject()
    if counted:
        status, code = response.status, response.error_code
        tally.answers[f"{status} {code}" if code else str(status)] += 1
    _judge(client, operation_id, mode, case, stage, response, valid, what)


@dataclass(frozen=True)
class Valid:
    """How a valid case is sent: whether it is valid for the service too (by every rule the suite
    knows), the path of the state set up for it, and the client allowed to send it."""

    for_service: bool
    path: dict[str, str]
    sender: CBRClient


def _made_valid(client: CBRClient, operation_id: str, case: Case[Any], stage: Stage, name: str) -> Valid:
    """A valid case made valid for the service: named after the run, carrying the run's resources
    in the state it needs (set up now), and sent by the client that may send it."""
    name_created(operation_id, case, name)
    allowed = stage.sender(operation_id)  # None: no client here may send it (no second project)
    for_service = (
        shape(operation_id, case_body(case), stage.ids, name)
        and allowed is not None
        and not broken_rules(
            client.context.contract.document, operation_id, query_pairs(case.query or {}), case_body(case)
        )
    )
    return Valid(for_service, arrange(operation_id, stage), allowed or client)


def _judge(
    client: CBRClient,
    operation_id: str,
    mode: str,
    case: Case[Any],
    stage: Stage,
    response: Response,
    valid: Valid,
    what: str,
) -> None:
    """The target's answer to a case (`what`) that broke no rule of the target's own: a negative
    case accepted fails; a case valid by every reading refused as invalid input fails."""
    status, forbidden = response.status, response.exchange.request_errors
    if mode == "negative" and status < 400:
        raise FuzzFailure(
            f"{what}: invalid input accepted with {status}\n  the spec forbids: "
            + "; ".join(forbidden)
            + f"\n  reproduce: {response.exchange.curl()}"
        )
    if (
        valid.for_service
        and not forbidden
        and claims_invalid_input(operation_id, status, response.error_code)
        and not _letter_errors(client, operation_id, valid.sender, case, stage.ids, valid.path)
    ):
        raise FuzzFailure(
            f"{what}: a case valid by the spec and by every service rule the suite knows was refused "
            f"as invalid input: {status} {response.error_code}: {_error_msg(response)}"
            f"\n  reproduce: {response.exchange.curl()}"
        )


def _letter_errors(
    client: CBRClient,
    operation_id: str,
    sender: CBRClient,
    case: Case[Any],
    ids: RealIds,
    path: dict[str, str],
) -> list[str]:
    """What the reference's letter forbids in the case as sent (empty: valid by every reading)."""
    body = case_body(case)
    sent = {**ids.path_for(case.path_parameters or {}, set()), **path}
    return request_errors(
        letter_of(client.context.contract),
        operation_id,
        {"project_id": sender.project_id, **sent},
        query_pairs(case.query or {}),
        json.dumps(body).encode() if body is not None else None,
    )


def _error_msg(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.exchange.response_text[:200]
    return str(body.get("error_msg", "")) if isinstance(body, dict) else ""
