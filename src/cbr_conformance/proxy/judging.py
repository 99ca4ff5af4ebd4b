"""The contract's verdict on one proxied exchange, with the suite's own checks.

The request is the client's part: the operation it calls (matched from the spec) and what the
spec does not allow in it (`request_check`). The answer is the service's part: the automatic
contract checks every response of a run gets (`checks`). Everything kept is redacted first.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from cbr_conformance.contract.checks import HEADER_CHECKS, CheckContext, response_violations
from cbr_conformance.contract.request_check import request_problems
from cbr_conformance.contract.spec import Operation
from cbr_conformance.proxy.forwarding import Body, RawHeaders, decoded, end_to_end
from cbr_conformance.transport.recording import Exchange, Redactor, Violation, clip
from cbr_conformance.transport.transfer import MAX_RESPONSE_BYTES, decode

# The rule of a request the spec does not allow: the client's fault, never the service's.
CLIENT_RULE = "client_request"
_ACCESS_KEY = re.compile(r"Access=([^,\s]+)")


def header_map(raw: RawHeaders) -> dict[str, str]:
    """Raw headers as one value per name (repeated ones joined, as RFC 9110 allows)."""
    found: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1"), value.decode("latin-1")
        found[key] = f"{found[key]}, {text}" if key in found else text
    return found


class Judge:
    def __init__(self, context: CheckContext, redactor: Redactor) -> None:
        self.context = context
        self.redactor = redactor

    def operation(self, method: str, raw_path: str) -> tuple[Operation, dict[str, str]] | None:
        return self.context.contract.match(method, raw_path)

    def learn_secrets(self, headers: dict[str, str]) -> None:
        """Credentials a client sends are redacted wherever else they show up (a URL, a body)."""
        for name, value in headers.items():
            if name.lower() in ("x-auth-token", "x-security-token"):
                self.redactor.add(value.strip())
            elif name.lower() == "authorization":
                access = _ACCESS_KEY.search(value)
                self.redactor.add(access.group(1) if access else None)

    def request(
        self,
        operation: Operation | None,
        method: str,
        url: str,
        headers: RawHeaders,
        body: bytes,
        path: dict[str, str],
        query: bytes,
    ) -> tuple[Exchange, list[Violation]]:
        """The exchange as recorded so far, and what the spec does not allow in its request."""
        sent = header_map(end_to_end(headers))  # as forwarded
        self.learn_secrets(sent)
        violations: list[Violation] = []
        if operation is not None:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            problems = request_problems(
                self.context.contract, operation.operation_id, path, pairs, body or None
            )
            violations = [
                Violation(CLIENT_RULE, operation.operation_id, p.where, self.redactor.text(p.text))
                for p in problems
            ]
        exchange = Exchange(
            operation_id=operation.operation_id if operation else None,
            method=method,
            url=self.redactor.text(url),
            request_headers=self.redactor.headers(sent),
            request_body=self.redactor.text(clip(body.decode(errors="replace"))) if body else None,
            request_errors=[v.message for v in violations],
        )
        return exchange, violations

    def response(
        self, exchange: Exchange, status: int, headers: RawHeaders, body: Body, elapsed: float
    ) -> None:
        """Record the answer on the exchange and the service's violations in it."""
        received = header_map(headers)
        exchange.status = status
        exchange.elapsed = elapsed
        exchange.response_headers = self.redactor.headers(received)
        if body.error is not None:
            exchange.error = self.redactor.text(body.error)
        encoding = next((v for k, v in received.items() if k.lower() == "content-encoding"), "")
        plain = None if body.cut else decoded(bytes(body.kept), encoding)
        text = self.redactor.text(decode(plain if plain is not None else body.kept, received))
        exchange.response_text = text
        if exchange.operation_id is not None and body.error is None:
            if body.cut:
                exchange.violations = response_violations(self.context, exchange, cut_at=MAX_RESPONSE_BYTES)
            elif plain is None:  # an encoding the checks cannot read: those that need no body apply
                exchange.violations = response_violations(self.context, exchange, HEADER_CHECKS)
            else:
                exchange.violations = response_violations(self.context, exchange)
        exchange.response_text = clip(text)  # the checks saw the whole body; records keep a clip
