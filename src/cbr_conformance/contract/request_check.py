"""Whether a request the suite sends is one the spec allows.

A contract or scenario test builds its requests by hand; one the spec does not allow would test
the target against a rule of the test's own making. The client measures every request against
the operation's parameters and request body here; the plugin fails a contract or scenario test
that sent one the spec forbids without saying so (`call(..., invalid=True)`).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cbr_conformance.contract.checks import json_path
from cbr_conformance.contract.spec import Contract

_INTEGER = re.compile(r"[+-]?\d+")
# A parameter without a schema takes anything; one shared object, as Contract.validator caches by
# the schema object it is given.
_ANY: Mapping[str, Any] = {}


@dataclass(frozen=True)
class RequestProblem:
    """One thing the spec does not allow in a request: where (`query.limit`, `path.vault_id`, a
    JSON path of the body, or `body`) and what."""

    where: str
    text: str

    def __str__(self) -> str:
        return self.text


def _typed(text: str, schema: Mapping[str, Any]) -> Any:
    """A query or path value as the type its schema names (left a string when it is not one)."""
    kind = schema.get("type")
    if kind == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def parameter_errors(contract: Contract, parameter: Mapping[str, Any], values: Sequence[str]) -> list[str]:
    """What the spec does not allow in one parameter's values (the coverage reads it per parameter)."""
    return [str(problem) for problem in _parameter_problems(contract, parameter, values)]


def _parameter_problems(
    contract: Contract, parameter: Mapping[str, Any], values: Sequence[str]
) -> list[RequestProblem]:
    name, where = parameter["name"], parameter["in"]
    at = f"{where}.{name}"
    schema = contract.resolve(parameter.get("schema", _ANY))
    if not values:
        required = parameter.get("required")
        return [RequestProblem(at, f"{where} parameter {name} is required but missing")] if required else []
    if schema.get("type") == "array":
        items = contract.resolve(schema.get("items", {}))
        value: Any = [_typed(v, items) for v in values]
    elif len(values) > 1:
        return [
            RequestProblem(at, f"{where} parameter {name} is given {len(values)} times but takes one value")
        ]
    else:
        value = _typed(values[0], schema)
    return [
        RequestProblem(
            at, f"{where} parameter {name}={values if len(values) > 1 else values[0]!r}: {error.message}"
        )
        for error in contract.validator(schema).iter_errors(value)
    ]


def _absent_nulls(contract: Contract, schema: Mapping[str, Any], document: Any) -> Any:
    """The document with each explicit null of an optional field removed: such a null means the
    field left out (E-NULL-AS-ABSENT). A required field's null stays, for the schema to refuse."""
    schema = contract.resolve(schema)
    if isinstance(document, list) and "items" in schema:
        return [_absent_nulls(contract, schema["items"], item) for item in document]
    if not isinstance(document, dict):
        return document
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    required: set[str] = set(schema.get("required", []))
    for combined in ("allOf", "anyOf", "oneOf"):
        for part in map(contract.resolve, schema.get(combined, [])):
            properties.update(part.get("properties", {}))
            if combined == "allOf":
                required |= set(part.get("required", []))
    return {
        key: _absent_nulls(contract, properties[key], value) if key in properties else value
        for key, value in document.items()
        if value is not None or key in required or key not in properties
    }


def request_errors(
    contract: Contract,
    operation_id: str,
    path: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    body: bytes | None,
) -> list[str]:
    """What makes this request one the spec does not allow; empty when it allows it."""
    return [str(problem) for problem in request_problems(contract, operation_id, path, query, body)]


def request_problems(
    contract: Contract,
    operation_id: str,
    path: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    body: bytes | None,
) -> list[RequestProblem]:
    """`request_errors`, each with where in the request it lies."""
    operation = contract.operations[operation_id]
    problems: list[RequestProblem] = []
    for parameter in map(contract.resolve, operation.definition["parameters"]):
        if parameter["in"] == "path":
            given = path.get(parameter["name"])
            problems += _parameter_problems(contract, parameter, [] if given is None else [str(given)])
        elif parameter["in"] == "query":
            values = [value for name, value in query if name == parameter["name"]]
            problems += _parameter_problems(contract, parameter, values)
    schema = contract.request_schema(operation_id)
    if schema is None:
        sent = (
            [RequestProblem("body", "the operation takes no request body, but one is sent")] if body else []
        )
        return problems + sent
    if body is None:
        required = contract.resolve(operation.definition.get("requestBody", {})).get("required", False)
        return problems + (
            [RequestProblem("body", "the request body is required but missing")] if required else []
        )
    found = body_errors(contract, operation_id, body.decode(errors="replace"))
    if found is None:
        return [*problems, RequestProblem("body", "the request body is not JSON")]
    for error in found:
        at = json_path(error.path)
        problems.append(RequestProblem(at, f"request body {at}: {error.message}"))
    return problems


@dataclass(frozen=True)
class BodyError:
    path: tuple[str | int, ...]  # where in the body, as jsonschema gives it
    message: str


# The last bodies measured: the client measures each request, and the coverage reads where its
# body breaks the spec right after (contract/exchange_facts.py), so the body is validated once.
_RECENT_SIZE = 8
RecentBodies = OrderedDict[tuple[str, str], list[BodyError] | None]


def body_errors(contract: Contract, operation_id: str, text: str) -> list[BodyError] | None:
    """Where a request body breaks the operation's schema (an explicit null in an optional field
    being the field left out); None when it is not JSON (or the operation takes no body)."""
    recent: RecentBodies = contract.derived("recently measured request bodies", lambda _: OrderedDict())
    key = (operation_id, text)
    if key in recent:
        return recent[key]
    schema = contract.request_schema(operation_id)
    try:
        document = json.loads(text)
    except ValueError:
        document = _NOT_JSON
    found = (
        None
        if schema is None or document is _NOT_JSON
        else [
            BodyError(tuple(error.absolute_path), error.message)
            for error in contract.validator(schema).iter_errors(_absent_nulls(contract, schema, document))
        ]
    )
    recent[key] = found
    while len(recent) > _RECENT_SIZE:
        recent.popitem(last=False)
    return found


_NOT_JSON: Any = object()
