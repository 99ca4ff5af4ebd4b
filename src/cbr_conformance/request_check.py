"""Whether a request the suite sends is one the spec allows.

A contract or scenario test builds its requests by hand; one the spec does not allow would test
the target against a rule of the test's own making. The client measures every request against
the operation's parameters and request body here; the plugin fails a contract or scenario test
that sent one the spec forbids without saying so (`call(..., invalid=True)`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
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


def _parameter_errors(contract: Contract, parameter: Mapping[str, Any], values: Sequence[str]) -> list[str]:
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
    operation = contract.operations[operation_id]
    errors: list[str] = []
    for parameter in map(contract.resolve, operation.definition["parameters"]):
        if parameter["in"] == "path":
            given = path.get(parameter["name"])
            errors += _parameter_errors(contract, parameter, [] if given is None else [str(given)])
        elif parameter["in"] == "query":
            values = [value for name, value in query if name == parameter["name"]]
            errors += _parameter_errors(contract, parameter, values)
    schema = contract.request_schema(operation_id)
    if schema is None:
        return errors + (["the operation takes no request body, but one is sent"] if body else [])
    if body is None:
        required = contract.resolve(operation.definition.get("requestBody", {})).get("required", False)
        return errors + (["the request body is required but missing"] if required else [])
    try:
        document = json.loads(body)
    except ValueError:
        return [*errors, "the request body is not JSON"]
    for error in contract.validator(schema).iter_errors(_absent_nulls(contract, schema, document)):
        errors.append(f"request body {json_path(error.absolute_path)}: {error.message}")
    return errors
