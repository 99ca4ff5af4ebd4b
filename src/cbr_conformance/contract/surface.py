"""What the contract offers to exercise, operation by operation: the denominators of contract
coverage (see results/exercised.py).

For each operation: the statuses it documents that a client can provoke, the catalogue's error
codes that can answer it, its path, query and body parameters (and which of them have a rule a
value can break), the enum values of its requests and responses, and the links that start from it.

Names of parameters and value locations are dotted, arrays as `[]`: `path.vault_id`,
`query.limit`, `body.vault.billing.size`, `body.vault.resources[].type`; response locations have
no prefix: `vaults[].billing.status`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.code_subjects import can_answer
from cbr_conformance.contract.spec import Contract, Operation

# A server error is no behaviour a run should provoke, and a conforming target never shows one: the
# documented 5xx statuses and codes are left out of what a run can be expected to exercise.
SERVER_ERROR = 500
# Keywords that give a value a rule to break. A string query or path parameter with none of them
# takes any text; in a JSON body, a declared type is already a rule (send a number for a string).
_RULES = frozenset(
    {
        "enum",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "required",
        "anyOf",
        "oneOf",
        "not",
    }
)
_MAX_DEPTH = 24  # nested references; the spec's deepest schema is far shallower
ITEM = "[]"


def dotted(tokens: tuple[str, ...]) -> str:
    """("vault", "resources", "[]", "type") -> "vault.resources[].type"."""
    text = ""
    for token in tokens:
        text += token if token == ITEM or not text else f".{token}"
    return text


@dataclass(frozen=True)
class Parameter:
    name: str  # "path.vault_id", "query.limit", "body.vault.billing.size"
    schema: Mapping[str, Any] = field(repr=False)
    breakable: bool  # a value can break a rule the spec states
    definition: Mapping[str, Any] | None = field(default=None, repr=False)  # path and query: the spec's


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: `target`'s parameters filled from an answer of `source` with `status`."""

    id: str  # "create_vault 200 -> show_vault"
    source: str
    status: int
    target: str
    # (target parameter, where its value comes from): ("path.vault_id", ("response", "vault.id"))
    fills: tuple[tuple[str, tuple[str, str]], ...]


@dataclass(frozen=True)
class Surface:
    """What one operation offers to exercise."""

    operation_id: str
    statuses: tuple[int, ...]
    error_codes: tuple[str, ...]
    parameters: Mapping[str, Parameter]
    request_enums: Mapping[str, tuple[str, ...]]  # "query.status" -> its values, as text
    response_enums: Mapping[str, tuple[str, ...]]  # "vault.billing.status" -> its values
    links: tuple[Link, ...]  # the links that start from this operation


def enum_text(value: Any) -> str:
    """An enum value as the coverage names it: strings as they are, others as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def _walk(
    contract: Contract,
    schema: Any,
    tokens: tuple[str, ...] = (),
    branch: bool = False,
    within: tuple[str, ...] = (),
) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any], bool]]:
    """Every (location, schema node, inside an anyOf/oneOf branch) of a schema, combinators merged.
    A schema met again inside itself (a backup's children are backups) is not entered twice."""
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    if ref in within or len(within) > _MAX_DEPTH:
        return
    within = (*within, ref) if ref else within
    node = contract.resolve(schema)
    if not isinstance(node, Mapping):
        return
    yield tokens, node, branch
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(keyword, []):
            yield from _walk(contract, sub, tokens, branch or keyword != "allOf", within)
    for name, sub in node.get("properties", {}).items():
        yield from _walk(contract, sub, (*tokens, name), branch, within)
    if "items" in node:
        yield from _walk(contract, node["items"], (*tokens, ITEM), branch, within)


def _enums(contract: Contract, schema: Any, prefix: str = "") -> dict[str, tuple[str, ...]]:
    """Enum locations of a schema. An enum inside an anyOf/oneOf branch names a special value of
    a wider type (-1: no limit), not the type's values: left out."""
    found: dict[str, list[str]] = {}
    for tokens, node, branch in _walk(contract, schema):
        if "enum" in node and not branch:
            values = found.setdefault(prefix + dotted(tokens), [])
            values += [enum_text(v) for v in node["enum"] if v is not None and enum_text(v) not in values]
    return {location: tuple(values) for location, values in found.items() if values}


def _parameters(contract: Contract, operation: Operation) -> dict[str, Parameter]:
    found: dict[str, Parameter] = {}
    for definition in map(contract.resolve, operation.definition["parameters"]):
        schema = contract.resolve(definition.get("schema", {}))
        breakable = bool(set(schema) & _RULES) or schema.get("type") not in (None, "string")
        name = f"{definition['in']}.{definition['name']}"
        found[name] = Parameter(name, schema, breakable, definition)
    body = contract.request_schema(operation.operation_id)
    if body is not None:
        for tokens, node, _ in _walk(contract, body):
            if tokens and tokens[-1] != ITEM:
                name = "body." + dotted(tokens)
                found.setdefault(name, Parameter(name, node, bool(set(node) & (_RULES | {"type"}))))
    return found


def _request_enums(contract: Contract, operation: Operation) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for definition in map(contract.resolve, operation.definition["parameters"]):
        schema = contract.resolve(definition.get("schema", {}))
        values = _enums(contract, schema.get("items", schema)).get("")
        if values:
            found[f"{definition['in']}.{definition['name']}"] = values
    body = contract.request_schema(operation.operation_id)
    if body is not None:
        found.update(_enums(contract, body, "body."))
    return found


def _response_enums(contract: Contract, operation: Operation) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for status in sorted(operation.statuses):
        schema = contract.response_schema(operation.operation_id, status)
        if schema is not None and status < 400:
            for location, values in _enums(contract, schema).items():
                found[location] = tuple(dict.fromkeys((*found.get(location, ()), *values)))
    return found


def _source(expression: str) -> tuple[str, str] | None:
    """Where a link's runtime expression takes its value: ("response", "vault.id"),
    ("path", "backup_id")...; None for what a link does not choose (the run's own project)."""
    if expression.startswith("$response.body#"):
        pointer = [p for p in expression.split("#", 1)[1].split("/") if p]
        # "/vaults/0/id": an answer's first item, or any other, leads on alike.
        return "response", dotted(tuple(ITEM if p.isdigit() else p for p in pointer))
    for where in ("path", "query"):
        if expression.startswith(f"$request.{where}."):
            name = expression.removeprefix(f"$request.{where}.")
            return (where, name) if name != "project_id" else None
    return None


def _links(contract: Contract, operation: Operation) -> tuple[Link, ...]:
    found: list[Link] = []
    for status, response in sorted(operation.definition["responses"].items()):
        for name, link in sorted(contract.resolve(response).get("links", {}).items()):
            target = contract.operations[link["operationId"]]
            where = {p["name"]: p["in"] for p in map(contract.resolve, target.definition["parameters"])}
            fills = []
            for parameter, expression in sorted(link.get("parameters", {}).items()):
                source = _source(str(expression))
                if source is not None and parameter in where:
                    fills.append((f"{where[parameter]}.{parameter}", source))
            link_id = f"{operation.operation_id} {status} -> {name}"
            found.append(
                Link(link_id, operation.operation_id, int(status), target.operation_id, tuple(fills))
            )
    return tuple(found)


def surface_of(contract: Contract, catalogue: Catalogue, operation: Operation) -> Surface:
    client_errors = {s for s in operation.statuses if 400 <= s < SERVER_ERROR}
    return Surface(
        operation_id=operation.operation_id,
        statuses=tuple(sorted(s for s in operation.statuses if s < SERVER_ERROR)),
        # A code can answer an operation when its status is one the operation documents and its
        # subject is one the operation acts on (contract/code_subjects.py).
        error_codes=tuple(
            sorted(
                c
                for c, statuses in catalogue.statuses.items()
                if statuses & client_errors and can_answer(c, operation.operation_id)
            )
        ),
        parameters=_parameters(contract, operation),
        request_enums=_request_enums(contract, operation),
        response_enums=_response_enums(contract, operation),
        links=_links(contract, operation),
    )


def surfaces(contract: Contract, catalogue: Catalogue | None = None) -> dict[str, Surface]:
    """Every operation's surface, built once per (contract, catalogue)."""
    catalogue = catalogue or Catalogue.of(contract)
    made: list[tuple[Catalogue, dict[str, Surface]]] = contract.derived("surfaces", lambda _: [])
    for known, built in made:
        if known is catalogue:
            return built
    built = {op.operation_id: surface_of(contract, catalogue, op) for op in contract}
    made.append((catalogue, built))
    return built
