"""The traffic the proxy has seen: every exchange it recorded, in one place, and the summary of a
run made from it (so that `report/html.py` renders it as it renders a run's).

Each exchange is judged twice, and the two verdicts are kept apart: its request (the client's
part) and its answer (the service's part). In the summary each is one entry of the matrix, under
the kinds "client request" and "service response", and one test-like record that the distinct
violations are grouped from. A request the spec has no operation for is forwarded unchecked and
listed as an unknown operation; it is neither side's fault.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from cbr_conformance.contract.spec import Contract
from cbr_conformance.outcome import NOT_APPLICABLE, Outcome, Why
from cbr_conformance.proxy.judging import CLIENT_RULE
from cbr_conformance.results.exercised import coverage_of_exchanges
from cbr_conformance.results.record import Origin, TestRecord
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.summary import RunSummary, build_summary
from cbr_conformance.transport.recording import Exchange, Violation

CLIENT_REQUEST, SERVICE_RESPONSE = "client request", "service response"
PROXY_KINDS = (CLIENT_REQUEST, SERVICE_RESPONSE)
UNKNOWN_OPERATION = "unknown operation"


@dataclass
class Proxied:
    """One exchange through the proxy, with both verdicts."""

    number: int
    exchange: Exchange  # redacted; its violations are the service's
    request_violations: list[Violation] = field(default_factory=list)  # the client's
    refused: bool = False  # --enforce answered it: the target never saw it

    @property
    def path(self) -> str:
        """The URL's path and query, as the target received them."""
        return "/" + self.exchange.url.split("://", 1)[-1].partition("/")[2]

    @property
    def label(self) -> str:
        return f"{self.number:04d} {self.exchange.method} {self.path}"

    def line(self) -> str:
        """One line of the console's live log: method, path, operation, status, verdict."""
        exchange = self.exchange
        status = "-" if exchange.status is None else str(exchange.status)
        if self.refused:
            status = "400 (proxy)"
        operation = exchange.operation_id or UNKNOWN_OPERATION
        verdicts = []
        if self.request_violations:
            shown = "; ".join(v.message for v in self.request_violations[:2])
            verdicts.append(f"CLIENT'S FAULT{' (refused)' if self.refused else ''}: {shown}")
        if exchange.error is not None and not self.refused:
            verdicts.append(f"NO ANSWER: {exchange.error}")
        if exchange.violations:
            shown = "; ".join(f"[{v.rule}] {v.path}: {v.message}" for v in exchange.violations[:2])
            verdicts.append(f"SERVICE'S FAULT: {shown}")
        if exchange.operation_id is None:
            verdicts.append("forwarded unchecked")
        verdict = " | ".join(verdicts) or "ok"
        return f"{self.label}  {operation}  {status}  {verdict}"[:600]

    def results(self) -> list[TestRecord]:
        """Its records in a run's summary: the request's, and the answer's if the target gave one."""
        exchange = self.exchange
        if exchange.operation_id is None:
            reason = f"{UNKNOWN_OPERATION}: the spec has no {exchange.method} {self.path}"
            return [
                TestRecord(
                    f"{self.label} · {UNKNOWN_OPERATION}",
                    outcome=Outcome.NOT_TESTED,
                    why=Why.NOT_APPLICABLE,
                    duration=exchange.elapsed,
                    message=f"{NOT_APPLICABLE}{reason}; forwarded unchecked",
                    exchanges=(exchange.to_dict(),),
                )
            ]
        operations = (exchange.operation_id,)
        request = TestRecord(
            f"{self.label} · {CLIENT_REQUEST}",
            outcome=Outcome.VIOLATED if self.request_violations else Outcome.PASSED,
            origin=Origin.VIOLATION if self.request_violations else None,
            duration=exchange.elapsed,
            operations=operations,
            kind=CLIENT_REQUEST,
            message=_message(
                "the client's request breaks the contract (the client's fault)",
                exchange,
                self.request_violations,
            ),
            # The request's own violations, where the distinct violations are grouped from.
            exchanges=({**exchange.to_dict(), "violations": [vars(v) for v in self.request_violations]},),
        )
        if self.refused:
            return [request]
        broken = bool(exchange.violations or exchange.error)
        response = TestRecord(
            f"{self.label} · {SERVICE_RESPONSE}",
            outcome=Outcome.VIOLATED if broken else Outcome.PASSED,
            duration=exchange.elapsed,
            operations=operations,
            kind=SERVICE_RESPONSE,
            message=(
                f"no complete answer: {exchange.error}\n  reproduce: {exchange.curl()}"
                if exchange.error
                else _message("the service's answer breaks the contract", exchange, exchange.violations)
            ),
            exchanges=(exchange.to_dict(),),
            origin=(Origin.UNREACHABLE if exchange.error else Origin.VIOLATION) if broken else None,
        )
        return [request, response]


def _message(title: str, exchange: Exchange, found: list[Violation]) -> str:
    """A failure's message, as a run's: what broke, each rule, and the curl that reproduces it."""
    if not found:
        return ""
    lines = [f"{title}: {exchange.summary()}", *(f"  - {v}" for v in found)]
    return "\n".join([*lines, f"  reproduce: {exchange.curl()}"])


class Traffic:
    """Every exchange the proxy recorded, in order; safe to read from another thread."""

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self.started = time.time()
        self._proxied: list[Proxied] = []
        self._lock = threading.Lock()
        self._open = 0  # exchanges under way
        self._count = 0
        self._log = log

    def begin(self) -> int:
        """An exchange starts: its number (it is recorded when it ends)."""
        with self._lock:
            self._open += 1
            self._count += 1
            return self._count

    def end(self, proxied: Proxied) -> None:
        with self._lock:
            self._open -= 1
            self._proxied.append(proxied)
        if self._log is not None:
            self._log(proxied.line())

    async def settled(self, timeout: float) -> None:
        """Wait until no exchange is under way: a client has its whole answer before the proxy
        has judged it, and a report asked for right after must include it."""
        deadline = time.monotonic() + timeout
        while self._open and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    @property
    def proxied(self) -> list[Proxied]:
        with self._lock:
            return sorted(self._proxied, key=lambda p: p.number)

    def exchanges(self) -> list[Exchange]:
        """The exchanges that reached the target (not those --enforce refused): what a measure of
        how much of the contract the traffic exercised is computed from."""
        return [p.exchange for p in self.proxied if not p.refused]

    def summary(self, header: RunHeader, contract: Contract | None = None) -> RunSummary:
        """The traffic so far as a run's summary: matrix by operation, distinct violations (each
        marked as the client's or the service's fault), every exchange with its curl."""
        proxied = self.proxied
        results = [result for p in proxied for result in p.results()]
        duration = round(time.time() - self.started, 2)
        header = replace(header, mode="proxy", exchanges=len(proxied), duration=duration)
        # how much of the contract the traffic exercised, as a run's
        coverage = coverage_of_exchanges(self.exchanges(), contract) if contract is not None else None
        summary = build_summary(results, header, coverage=coverage)
        faults = {
            "client": sum(1 for p in proxied if p.request_violations),
            "service": sum(1 for p in proxied if p.exchange.violations or p.exchange.error),
        }
        unknown = [p.label for p in proxied if p.exchange.operation_id is None]
        violations = tuple(
            replace(v, fault="client" if v.rule == CLIENT_RULE else "service") for v in summary.violations
        )
        return replace(
            summary,
            violations=violations,
            kinds=PROXY_KINDS,
            proxy={"faults": faults, "unknown_operations": unknown},
        )
