"""The automatic contract checks applied to every response the suite receives.

Each check is a small named function over (context, exchange) returning the violations it finds;
an empty list means the rule holds. The client runs them all on every exchange, the fuzzing layer
registers them with schemathesis, so each rule has exactly one implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cbr_conformance.contract.catalogue import Catalogue
from cbr_conformance.contract.spec import Contract
from cbr_conformance.transport.recording import Exchange, Violation


@dataclass(frozen=True)
class CheckContext:
    contract: Contract
    catalogue: Catalogue


Check = Callable[[CheckContext, Exchange], list[Violation]]


def json_path(parts: Iterable[Any]) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _op(exchange: Exchange) -> str:
    return exchange.operation_id or "?"


def status_documented(ctx: CheckContext, exchange: Exchange) -> list[Violation]:
    """The status code is one the operation documents."""
    if exchange.status is None or exchange.operation_id is None:
        return []
    documented = ctx.contract.operations[exchange.operation_id].statuses
    if exchange.status in documented:
        return []
    expected = ", ".join(str(s) for s in sorted(documented))
    return [
        Violation(
            "status_documented",
            _op(exchange),
            "status",
            f"status {exchange.status} is not documented (documented: {expected})",
        )
    ]


def content_type(ctx: CheckContext, exchange: Exchange) -> list[Violation]:
    """A documented JSON body comes as application/json; a 204 has no body."""
    if exchange.status is None or exchange.operation_id is None:
        return []
    if exchange.status == 204:
        # HTTP clients drop a 204's body unread, so its announced length is the evidence.
        length = next((v for k, v in exchange.response_headers.items() if k.lower() == "content-length"), "0")
        if exchange.response_text.strip() or length.strip() not in ("", "0"):
            return [Violation("content_type", _op(exchange), "body", "a 204 response carries a body")]
        return []
    if ctx.contract.response_schema(exchange.operation_id, exchange.status) is None:
        return []
    media = exchange.content_type.split(";")[0].strip().lower()
    if media != "application/json":
        shown = media or "no Content-Type"
        return [
            Violation(
                "content_type",
                _op(exchange),
                "headers.Content-Type",
                f"expected application/json, got {shown}",
            )
        ]
    return []


def response_schema(ctx: CheckContext, exchange: Exchange) -> list[Violation]:
    """The body is valid JSON and matches the schema documented for its status."""
    if exchange.status is None or exchange.operation_id is None:
        return []
    schema = ctx.contract.response_schema(exchange.operation_id, exchange.status)
    if schema is None:
        return []
    try:
        body = exchange.json()
    except ValueError:
        snippet = exchange.response_text[:80]
        return [Violation("response_schema", _op(exchange), "$", f"the body is not JSON: {snippet!r}")]
    validator = ctx.contract.validator(schema)
    found = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        component = ctx.contract.schema_at(schema, list(error.absolute_path))
        found.append(
            Violation(
                "response_schema",
                _op(exchange),
                json_path(error.absolute_path),
                f"{error.message} (schema rule: {error.validator})",
                schema=component or "",
                reference=", ".join(ctx.contract.reference_tables(component)),
            )
        )
    return found


def error_code_catalogued(ctx: CheckContext, exchange: Exchange) -> list[Violation]:
    """An error body names a catalogued error code with the catalogued status."""
    if exchange.status is None or exchange.status < 400:
        return []
    try:
        body = exchange.json()
    except ValueError:
        return [Violation("error_body", _op(exchange), "$", "the error body is not JSON")]
    code = body.get("error_code") if isinstance(body, dict) else None
    if not isinstance(code, str):
        return [Violation("error_body", _op(exchange), "$.error_code", "the error body has no error_code")]
    problem = ctx.catalogue.problem(exchange.status, code)
    if problem:
        return [Violation("error_code", _op(exchange), "$.error_code", problem)]
    return []


ALL_CHECKS: Sequence[Check] = (status_documented, content_type, response_schema, error_code_catalogued)
# The checks that need no body: the only ones that apply to a body cut short.
HEADER_CHECKS: Sequence[Check] = (status_documented, content_type)


def run_checks(
    ctx: CheckContext, exchange: Exchange, checks: Sequence[Check] = ALL_CHECKS
) -> list[Violation]:
    return [violation for check in checks for violation in check(ctx, exchange)]


def response_violations(
    ctx: CheckContext, exchange: Exchange, checks: Sequence[Check] = ALL_CHECKS, *, cut_at: int | None = None
) -> list[Violation]:
    """The violations of an exchange's response, each once. `cut_at`: the body was read up to
    that many bytes only, so only the checks that need no body apply, and the cut is reported."""
    found: list[Violation] = []
    if cut_at is not None:
        checks = [check for check in checks if check in HEADER_CHECKS]
        found.append(
            Violation(
                "response_size",
                _op(exchange),
                "body",
                f"the body is larger than {cut_at} bytes; the suite checked no further",
            )
        )
    return list(dict.fromkeys(found + run_checks(ctx, exchange, checks)))
