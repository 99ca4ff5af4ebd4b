"""The report's sections on what a run found wrong or left undone: the distinct violations with the
exchanges that show them, the failing tests, the leftovers cleanups could not undo, and the
tests not tested with their reasons.
"""

from __future__ import annotations

import json
from collections import Counter
from html import escape
from typing import Any

from cbr_conformance.contract.spec import Contract
from cbr_conformance.results.summary import (
    RunSummary,
    reason_of,
)
from cbr_conformance.results.violations import Violation


def _exchange_html(exchange: dict[str, Any]) -> str:
    violations = "".join(
        f"<li><code>{escape(v['path'])}</code> [{escape(v['rule'])}] {escape(v['message'])}</li>"
        for v in exchange.get("violations", [])
    )
    status = exchange.get("status") if exchange.get("status") is not None else exchange.get("error")
    title = f"{exchange['method']} {exchange['url']} → {status}"
    parts = [f"<details><summary>{escape(title)}</summary>"]
    if violations:
        parts.append(f"<ul>{violations}</ul>")
    if exchange.get("request_errors"):
        forbidden = "".join(f"<li>{escape(problem)}</li>" for problem in exchange["request_errors"])
        parts.append(f"<p>what the spec does not allow in this request</p><ul>{forbidden}</ul>")
    request = json.dumps(exchange.get("request_headers", {}), indent=1)
    parts.append(f"<p>request headers</p><pre>{escape(request)}</pre>")
    if exchange.get("request_body"):
        parts.append(f"<p>request body</p><pre>{escape(exchange['request_body'])}</pre>")
    parts.append(f"<p>response body</p><pre>{escape(exchange.get('response_body') or '')}</pre>")
    parts.append(f"<p>reproduce</p><pre>{escape(exchange.get('curl', ''))}</pre></details>")
    return "".join(parts)


def failures_html(summary: RunSummary) -> str:
    failed = [t for t in summary.tests if t.failed]
    if not failed:
        return "<p>No failure.</p>"
    blocks = []
    for test in failed:
        steps = "".join(f"<li>{escape(step)}</li>" for step in test.steps)
        blocks.append(
            f"<div class='failure'><h3>{escape(test.nodeid)}</h3>"
            f"<p>{escape(', '.join(test.operations))} · {escape(str(test.kind))} · id "
            f"<code>{escape(str(test.test_id))}</code> · {escape(test.outcome.value)}</p>"
            + (f"<p>steps</p><ol>{steps}</ol>" if steps else "")
            + f"<pre>{escape(test.message[-4000:])}</pre>"
            + "".join(_exchange_html(e) for e in test.exchanges)
            + "</div>"
        )
    return "\n".join(blocks)


BREAKS = {"schema": "a rule of the spec's schemas", "service": "a rule of the service"}


_FAULTS = {"client": "the client's fault: its request", "service": "the service's fault: its answer"}


def _count(number: int, plural: str) -> str:
    return f"{number} {plural if number != 1 else plural.removesuffix('s')}"


def violation_anchor(number: int) -> str:
    return f"violation-{number}"


def violations_html(summary: RunSummary, contract: Contract) -> str:
    """One entry per distinct violation: the operation, the rule, where the reference states it,
    the tests that hit it or were blocked by it, and the first exchange that shows it."""
    if not summary.violations:
        return "<p>None.</p>"
    noun = "exchanges" if summary.header.mode == "proxy" else "tests"  # what a proxy judges
    return "\n".join(
        _violation_html(number, entry, contract, noun) for number, entry in enumerate(summary.violations, 1)
    )


def _violation_html(number: int, entry: Violation, contract: Contract, noun: str) -> str:
    operation = contract.operations.get(entry.operation)
    where = f"{operation.method} {operation.path} · reference {operation.section}" if operation else ""
    tests = "".join(f"<li>{escape(t)}</li>" for t in entry.tests)
    blocked = "".join(f"<li>{escape(t)}</li>" for t in entry.blocked)
    fault = _FAULTS.get(entry.fault or "")  # a proxy's: whose part of the exchange broke it
    return (
        f"<div class='failure' id='{violation_anchor(number)}'><h3>{number}. "
        f"<code>{escape(entry.operation)}</code> · {escape(entry.rule)}"
        f" · <code>{escape(entry.path or '-')}</code></h3><p>{escape(where)}</p>"
        + (f"<p><strong>{escape(fault)}</strong></p>" if fault else "")
        + f"<p>{escape(entry.message)}</p>"
        + (
            f"<p>The reference's <code>{escape(entry.schema.rsplit('/', 1)[-1])}</code>: "
            f"{escape(entry.reference)} (spec: <code>{escape(entry.schema)}</code>)</p>"
            if entry.reference
            else ""
        )
        + f"<details><summary>{_count(len(entry.tests), noun)} failed on it</summary>"
        + f"<ul>{tests}</ul></details>"
        + (
            f"<details><summary>{_count(len(entry.blocked), 'tests')} blocked by it</summary>"
            f"<ul>{blocked}</ul></details>"
            if entry.blocked
            else ""
        )
        + (_exchange_html(entry.exchange) if entry.exchange else "")
        + "</div>"
    )


def leftovers_html(summary: RunSummary) -> str:
    leftovers = summary.leftovers
    if not leftovers:
        return "<p>None: everything the run made was deleted.</p>"
    items = "".join(f"<li>{escape(line)}</li>" for line in leftovers)
    return (
        f"<p>The run could not delete {len(leftovers)} of the things it made (this is the project's "
        "state, not a verdict on the target). Delete them with <code>cbr-conformance cleanup --run "
        "&lt;this run's folder&gt;</code>.</p>"
        f"<ul>{items}</ul>"
    )


def skips_html(summary: RunSummary) -> str:
    """What was not tested and why: operations no test exercised, then tests by reason."""
    parts = []
    scope = summary.scope
    if scope.read_only:
        parts.append("<p>A read-only run: the tests that create or change anything were not selected.</p>")
    if scope.selection:
        parts.append(f"<p>A selection of the suite: <code>{escape(scope.selection)}</code>.</p>")
    if summary.unexercised:
        shown = ", ".join(f"<code>{escape(op)}</code>" for op in summary.unexercised)
        counted = f"{len(summary.unexercised)} of {len(summary.operations)}"
        parts.append(f"<p>{counted} operations not exercised: {shown}</p>")
    reasons = Counter((t.why.value if t.why else "other", reason_of(t)) for t in summary.untested)
    if reasons:
        rows = "".join(
            f"<tr><td>{n}</td><td>{escape(why)}</td><td>{escape(reason)}</td></tr>"
            for (why, reason), n in reasons.most_common()
        )
        parts.append(f"<table><tr><th>tests</th><th>for want of</th><th>what to set</th></tr>{rows}</table>")
    return "".join(parts) or "<p>None: every selected test ran.</p>"


def negative_split(summary: RunSummary) -> str:
    """How many negative tests break a rule the spec states, and how many one only the service
    knows; empty when the run had none."""
    counts = Counter(t.breaks for t in summary.tests if t.breaks)
    if not counts:
        return ""
    return (
        f"negative tests: {counts['schema']} break {BREAKS['schema']}, "
        f"{counts['service']} {BREAKS['service']}"
    )
