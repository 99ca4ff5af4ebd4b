"""Property-based fuzzing of every operation with schemathesis and hypothesis.

schemathesis generates the cases from the spec (positive: valid per the spec; negative: each
breaks at least one rule of it); they are sent through the suite's own client, so the same auth,
recording and automatic contract checks apply. Path ids are swapped for real resources of the run
so that generated bodies and queries reach the business logic rather than a 404.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import unquote

import hypothesis
import hypothesis.errors
import schemathesis
import schemathesis.core
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode, openapi

from cbr_conformance.client import CBRClient, Response, vault_size
from cbr_conformance.contract import Contract
from cbr_conformance.lifecycle import CREATES
from cbr_conformance.results import NOT_APPLICABLE

# The schemathesis releases whose undocumented internals (read through `st_internal` below) the fuzzer
# is tested against; tests/library/test_schemathesis_api.py fails, naming the attribute, if they move.
SCHEMATHESIS_TESTED = ">=4.28,<4.33"


class SchemathesisInternalsMoved(RuntimeError):
    """An undocumented part of schemathesis that the fuzzer reads is not where it was: reading on
    would silently change verdicts (e.g. every negative case rejected as breaking nothing)."""

    def __init__(self, path: str, problem: str = "not found") -> None:
        super().__init__(
            f"schemathesis internals moved: {path} {problem}; cbr-conformance is tested with "
            f"schemathesis {SCHEMATHESIS_TESTED} (installed: {schemathesis.__version__})"
        )
        self.path = path


def st_internal(obj: object, owner: str, attributes: str) -> Any:
    """Read the dotted `attributes` of `obj` (named `owner` in the message), an undocumented part of
    schemathesis, failing loudly if it moved rather than carrying on with a default."""
    value: Any = obj
    path = owner
    for attribute in attributes.split("."):
        if value is None:
            raise SchemathesisInternalsMoved(path, "is None")
        path = f"{path}.{attribute}"
        try:
            value = getattr(value, attribute)
        except AttributeError:
            raise SchemathesisInternalsMoved(path) from None
    return value


# What `Case.body` holds when a case has no body (None being a valid JSON body): no public name.
NotSet: type = st_internal(schemathesis.core, "schemathesis.core", "NotSet")

MODES = {"positive": GenerationMode.POSITIVE, "negative": GenerationMode.NEGATIVE}


class FuzzFailure(AssertionError):
    pass


# Its skip is then "not applicable", which a verdict does not count as untested (see results.py).
class NotApplicable(LookupError):
    """No case of this kind can be generated for the operation."""

    def __init__(self, operation_id: str, mode: str) -> None:
        super().__init__(
            f"{NOT_APPLICABLE}the spec gives {operation_id} no input that a {mode} case can break, "
            "beyond the project id "
            "(which the run always sets) and undeclared query parameters"
        )


@dataclass
class RealIds:
    """Values for path parameters: resources that exist on the target for this run."""

    values: dict[str, str] = field(default_factory=dict)

    def path_for(self, case_path: Mapping[str, Any], keep: set[str]) -> dict[str, str]:
        # schemathesis hands path values over percent-encoded; the client encodes them itself
        path = {name: unquote(str(value)) for name, value in case_path.items() if name != "project_id"}
        for name in path:
            if name not in keep and name in self.values:
                path[name] = self.values[name]
        return path


_SCHEMAS: dict[int, Any] = {}


def load_schema(contract: Contract) -> Any:
    """The schemathesis view of the contract, built once per contract (it is costly)."""
    if id(contract) not in _SCHEMAS:
        _SCHEMAS[id(contract)] = openapi.from_dict(contract.document)
    return _SCHEMAS[id(contract)]


def case_mutations(case: Case[Any]) -> tuple[Any, ...]:
    """The mutations schemathesis applied to the spec to generate a negative case. A positive case
    breaks nothing: its mutations are legitimately empty (and read all the same, so that a move of
    the attribute shows at once)."""
    return tuple(st_internal(case, "Case", "meta.phase.data.mutations"))


def case_description(case: Case[Any]) -> str:
    """schemathesis's words for what a negative case breaks."""
    return str(st_internal(case, "Case", "meta.phase.data.description") or "")


def case_body(case: Case[Any]) -> Any:
    """The case's request body; None when it has none."""
    return None if isinstance(case.body, NotSet) else case.body


def _relevant_mutations(case: Case[Any]) -> list[tuple[str, str | None]]:
    """Where a negative case breaks the spec, as (location, parameter) pairs, leaving out the
    breaks that do not make a request invalid here: an undeclared query parameter (OpenAPI does
    not forbid those, and services ignore them) and a bad project id (always replaced by the run's).
    """
    found: list[tuple[str, str | None]] = []
    for mutation in case_mutations(case):
        where = st_internal(mutation, "Mutation", "parameter_location")
        location = str(where.value if isinstance(where, Enum) else where)
        keywords = set(st_internal(mutation, "Mutation", "keywords"))
        parameter: str | None = st_internal(mutation, "Mutation", "parameter")
        if location in ("query", "header", "cookie", "path") and keywords == {"additionalProperties"}:
            continue
        if location == "path" and parameter == "project_id":
            continue
        found.append((location, parameter))
    return found


def _has_breakable_input(contract: Contract, operation_id: str) -> bool:
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
    client: CBRClient, operation_id: str, case: Case[Any], ids: RealIds, mutated: set[str]
) -> Response:
    body = case_body(case)
    kwargs: dict[str, Any] = {
        "path": ids.path_for(case.path_parameters or {}, mutated),
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

    @property
    def sent(self) -> int:
        return sum(self.answers.values())


def fuzz_operation(
    client: CBRClient,
    operation_id: str,
    mode: str,
    ids: RealIds,
    *,
    examples: int,
    seed: int,
    seconds: float | None = None,
    name_prefix: str | None = None,
) -> FuzzTally:
    """Run up to `examples` generated cases of one operation, within `seconds` if given; return
    what the target answered to the cases sent and judged. With `name_prefix`, what a valid case
    creates is named after the run, so that a sweep by prefix finds it."""
    counter = iter(range(1, 1_000_000))
    deadline = time.monotonic() + seconds if seconds else None
    if operation_id == "restore_backup":
        client.check_opt_ins(operation_id, None)  # restores reach a target only with consent
    if mode == "negative" and not _has_breakable_input(client.context.contract, operation_id):
        raise NotApplicable(operation_id, mode)
    schema = load_schema(client.context.contract)
    operation = client.context.contract.operations[operation_id]
    strategy = schema[operation.path][operation.method].as_strategy(generation_mode=MODES[mode])
    tally = FuzzTally()

    @hypothesis.seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.given(case=strategy)
    def run(case: Case[Any]) -> None:
        if deadline is not None and tally.sent and time.monotonic() > deadline:
            return  # the time budget is spent: the remaining examples are generated but not sent
        relevant = _relevant_mutations(case)
        if mode == "negative" and not relevant:
            hypothesis.reject()  # nothing left that the target should refuse
        mutated = {param or "" for location, param in relevant if location == "path"}
        within_budget(client, operation_id, case, mode)
        never_a_subscription(operation_id, case, mode)
        if name_prefix and mode == "positive":
            name_created(operation_id, case, f"{name_prefix}-fz{next(counter)}")
        response = send_case(client, operation_id, case, ids, mutated)
        status = response.status
        what = f"{operation_id} ({mode} case{': ' + case_description(case) if mode == 'negative' else ''})"
        if status >= 500:
            raise FuzzFailure(f"{what}: server error {status}\n  reproduce: {response.exchange.curl()}")
        forbidden = response.exchange.request_errors
        if mode == "negative" and not forbidden:
            # Our own reading of the spec finds nothing wrong with the request as sent (the real ids
            # put in place of generated ones may have undone the break): no verdict on its status.
            hypothesis.reject()
        tally.answers[f"{status} {response.error_code}" if response.error_code else str(status)] += 1
        if mode == "negative" and status < 400:
            raise FuzzFailure(
                f"{what}: invalid input accepted with {status}\n  the spec forbids: "
                + "; ".join(forbidden)
                + f"\n  reproduce: {response.exchange.curl()}"
            )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        if tally.sent:
            raise
        raise NotApplicable(operation_id, mode) from None
    return tally
