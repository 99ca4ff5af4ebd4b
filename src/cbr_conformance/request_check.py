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

from cbr_conformance.checks import json_path
from cbr_conformance.contract import Contract

_INTEGER = re.compile(r"[+-]?\d+")
# A parameter without a schema takes anything; one shared object, as Contract.validator caches by
# the schema object it is given.
_ANY: Mapping[str, Any] = {}


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
    name, where = parameter["name"], parameter["in"]
    schema = contract.resolve(parameter.get("schema", _ANY))
    if not values:
        return [f"{where} parameter {name} is required but missing"] if parameter.get("required") else []
    if schema.get("type") == "array":
        items = contract.resolve(schema.get("items", {}))
        value: Any = [_typed(v, items) for v in values]
    elif len(values) > 1:
        return [f"{where} parameter {name} is given {len(values)} times but takes one value"]
    else:
        value = _typed(values[0], schema)
    return [
        f"{where} parameter {name}={values if len(values) > 1 else values[0]!r}: {error.message}"
        for error in contract.validator(schema).iter_errors(value)
    ]


def request_errors(
    contract: Contract,
    operation_id: str,
    path: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    body: bytes | None,
) -> list[str]:
    """What makes this request one the spec does not allow; empty when it allows it."""
    operation = contract.operations[operation_id]
    errors: list[str] = []
    for parameter in map(contract.resolve, operation.definition["parameters"]):
        if parameter["in"] == "path":
            given = path.get(parameter["name"])
            errors += parameter_errors(contract, parameter, [] if given is None else [str(given)])
        elif parameter["in"] == "query":
            values = [value for name, value in query if name == parameter["name"]]
            errors += parameter_errors(contract, parameter, values)
    schema = contract.request_schema(operation_id)
    if schema is None:
        return errors + (["the operation takes no request body, but one is sent"] if body else [])
    if body is None:
        required = contract.resolve(operation.definition.get("requestBody", {})).get("required", False)
        return errors + (["the request body is required but missing"] if required else [])
    found = body_errors(contract, operation_id, body.decode(errors="replace"))
    if found is None:
        return [*errors, "the request body is not JSON"]
    return errors + [f"request body {json_path(error.path)}: {error.message}" for error in found]


@dataclass(frozen=True)
class BodyError:
    path: tuple[str | int, ...]  # where in the body, as jsonschema gives it
    message: str


# The last bodies measured: the client measures each request, and the coverage reads where its
# body breaks the spec right after (exchange_facts.py), so the body is validated once.
_RECENT: OrderedDict[tuple[int, str, str], tuple[Contract, list[BodyError] | None]] = OrderedDict()
_RECENT_SIZE = 8


def body_errors(contract: Contract, operation_id: str, text: str) -> list[BodyError] | None:
    """Where a request body breaks the operation's schema; None when it is not JSON (or the
    operation takes no body)."""
    key = (id(contract), operation_id, text)
    recent = _RECENT.get(key)
    if recent is not None and recent[0] is contract:
        return recent[1]
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
            for error in contract.validator(schema).iter_errors(document)
        ]
    )
    _RECENT[key] = (contract, found)
    while len(_RECENT) > _RECENT_SIZE:
        _RECENT.popitem(last=False)
    return found


_NOT_JSON: Any = object()
