"""Assertions of the suite that read like the contract."""

from __future__ import annotations

from typing import Any

from cbr_conformance.target.client import Response


def _broken_rules(response: Response) -> str:
    """What the spec forbids in the request, for a refusal that did not come: the rule the
    target should have applied."""
    errors = response.exchange.request_errors
    return f"\n  the request breaks: {'; '.join(errors)}" if errors else ""


def expect_status(response: Response, status: int) -> Any:
    """The response has this status; returns its JSON body (None when it has none)."""
    __tracebackhide__ = True  # a failure starts at the test's line, not here
    exchange = response.exchange
    assert response.status == status, (
        f"expected {status}, got {response.status}: {exchange.summary()}{_broken_rules(response)}\n"
        f"  body: {exchange.response_text[:500]}\n  reproduce: {exchange.curl()}"
    )
    return response.json() if exchange.response_text.strip() else None


def expect_error(response: Response, status: int, *codes: str) -> str:
    """The response is an error with this status and, if given, one of these codes."""
    __tracebackhide__ = True
    body = expect_status(response, status)
    code = body.get("error_code") if isinstance(body, dict) else None
    if codes:
        assert code in codes, (
            f"expected error_code {' or '.join(codes)}, got {code!r}: {response.exchange.summary()}"
        )
    return str(code)


def expect_subset(actual: dict[str, Any], expected: dict[str, Any], where: str = "$") -> None:
    """Every field of `expected` is echoed in `actual` (recursively for objects)."""
    __tracebackhide__ = True
    for key, value in expected.items():
        assert key in actual, f"{where}.{key} is missing from the response"
        if isinstance(value, dict) and isinstance(actual[key], dict):
            expect_subset(actual[key], value, f"{where}.{key}")
        else:
            assert actual[key] == value, f"{where}.{key}: sent {value!r}, got {actual[key]!r}"
