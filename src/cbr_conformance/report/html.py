"""The HTML conformance report, rendered from summary.json alone (so it can be rebuilt later).

It leads with the conformance matrix (operations by area against kinds of test), then the run's
header, the errata applied, and each failure with its recorded exchanges and the curl that
reproduces it. Everything is inline: one file, no external resources.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from cbr_conformance.contract.spec import Contract
from cbr_conformance.outcome import Outcome
from cbr_conformance.report.coverage_html import STYLE as COVERAGE_STYLE
from cbr_conformance.report.coverage_html import coverage_html
from cbr_conformance.report.findings_html import (
    BREAKS,
    failures_html,
    leftovers_html,
    negative_split,
    skips_html,
    violation_anchor,
    violations_html,
)
from cbr_conformance.report.postconditions_html import postconditions_html
from cbr_conformance.results.header import header_lines
from cbr_conformance.results.record import TestRecord
from cbr_conformance.results.summary import (
    RunSummary,
    cell_outcomes,
    chain_successes,
    fuzz_acceptance,
)
from cbr_conformance.results.summary import verdict as verdict_of

STYLE = (
    COVERAGE_STYLE
    + """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1d2430}
h1{font-size:1.6em;margin:0 0 .2em} h2{margin-top:1.6em;border-bottom:1px solid #ccd}
.verdict{display:inline-block;padding:.2em .7em;border-radius:4px;color:#fff;font-weight:600}
.ok{background:#1f8a4c} .ko{background:#c0392b} .partial{background:#8a6d1f} .error{background:#a0522d}
table{border-collapse:collapse;margin:.5em 0} th,td{border:1px solid #ccd;padding:.25em .6em;text-align:left}
th{background:#eef1f6} td.cell{text-align:center;min-width:6.5em;font-variant-numeric:tabular-nums}
td.pass{background:#d6f2df} td.fail{background:#f8d0cc} td.skip{background:#f3ecd0}
td.none{background:#f4f5f7;color:#99a} td.blocked{background:#e8e0f4} td.error{background:#f5d9b5}
td.area{background:#e4e8f0;font-weight:600} td.cell a{color:inherit;text-decoration:none}
.cell-tests h3{font-size:1em;margin:.8em 0 .2em} .cell-tests ul{margin:0}
dl.hdr{display:grid;grid-template-columns:max-content auto;gap:.15em 1em} dl.hdr dt{font-weight:600}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
details{margin:.4em 0} summary{cursor:pointer;font-weight:600}
.failure{border-left:4px solid #c0392b;padding-left:.8em;margin:1em 0}
"""
)


def cell_anchor(operation: str, kind: str) -> str:
    """The id of the list of a matrix cell's tests (each cell links to it)."""
    return f"tests-{operation}-{kind}"


# A cell's colour: the worst of its tests' outcomes; its text counts each.
_CELL_CSS = (
    (Outcome.VIOLATED, "fail"),
    (Outcome.SUITE_ERROR, "error"),
    (Outcome.BLOCKED, "blocked"),
    (Outcome.PASSED, "pass"),
    (Outcome.NOT_TESTED, "skip"),
)


def _cell(counts: dict[str, int], anchor: str) -> str:
    if not counts:
        return '<td class="cell none">-</td>'
    css = next((css for outcome, css in _CELL_CSS if counts.get(outcome.value)), "none")
    parts = [f"{counts[o.value]} {o.value}" for o, _ in _CELL_CSS if counts.get(o.value)]
    return f'<td class="cell {css}"><a href="#{anchor}">{escape(", ".join(parts))}</a></td>'


def verdict_css(summary: RunSummary) -> str:
    """The badge's colour: conforms, conforms partly, suite error, does not conform."""
    if summary.conforms:
        return "partial" if summary.partial else "ok"
    return "error" if summary.suite_errors and not summary.violations else "ko"


def matrix_html(summary: RunSummary, contract: Contract) -> str:
    kinds = summary.kinds
    matrix = summary.matrix
    rows = [
        "<table class='matrix'><tr><th>operation</th>" + "".join(f"<th>{k}</th>" for k in kinds) + "</tr>"
    ]
    by_area: dict[str, list[str]] = {}
    for op in contract:
        by_area.setdefault(op.tag, []).append(op.operation_id)
    for area, operations in by_area.items():
        rows.append(f"<tr><td class='area' colspan='{len(kinds) + 1}'>{escape(area)}</td></tr>")
        for operation in operations:
            cells = "".join(
                _cell(matrix.get(operation, {}).get(kind, {}), cell_anchor(operation, kind)) for kind in kinds
            )
            method = contract.operations[operation].method
            rows.append(f"<tr><td><code>{escape(operation)}</code> <small>{method}</small></td>{cells}</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def header_html(summary: RunSummary) -> str:
    header = summary.header
    totals = summary.totals
    css = verdict_css(summary)
    verdict = f'<span class="verdict {css}">{escape(verdict_of(summary).lower())}</span>'
    fields: list[tuple[str, Any]] = [
        *header_lines(header),
        ("spec version", header.spec_version),
        ("started", header.started),
        ("duration", f"{header.duration} s"),
        ("totals", ", ".join(f"{v} {k}" for k, v in totals.items() if v)),
    ]
    items = "".join(f"<dt>{escape(name)}</dt><dd>{escape(str(value))}</dd>" for name, value in fields)
    return f"<p>{verdict}</p><dl class='hdr'>{items}</dl>"


def errata_html(summary: RunSummary) -> str:
    applied = summary.header.errata
    if not applied:
        return "<p>None: the strict profile checks the reference's letter.</p>"
    rows = "".join(
        f"<tr><td>{escape(e.id)}</td><td>{escape(e.section)}</td><td>{escape(e.spec)}</td></tr>"
        for e in applied
    )
    return (
        f"<details><summary>{len(applied)} departures from the reference's letter are applied</summary>"
        f"<table><tr><th>id</th><th>section</th><th>the spec says</th></tr>{rows}</table></details>"
    )


def _kind(test: TestRecord) -> str:
    breaks = BREAKS.get(test.breaks or "")
    return f"{test.kind} ({breaks})" if breaks else str(test.kind)


def _violation_numbers(summary: RunSummary) -> dict[str, int]:
    """Which distinct violation (by its number in the report) each failed test hit or was blocked by."""
    numbers: dict[str, int] = {}
    for number, entry in enumerate(summary.violations, 1):
        for nodeid in [*entry.tests, *entry.blocked]:
            numbers.setdefault(nodeid, number)
    return numbers


def cells_html(summary: RunSummary, contract: Contract) -> str:
    """The tests of each matrix cell, where its link leads, each failure linked to its violation."""
    numbers = _violation_numbers(summary)
    cells: dict[tuple[str, str], list[tuple[TestRecord, Outcome]]] = {}
    for test in summary.tests:
        for operation, outcome in cell_outcomes(test).items():
            cells.setdefault((operation, str(test.kind)), []).append((test, outcome))
    blocks = []
    for op in contract:
        for kind in summary.kinds:
            tests = cells.get((op.operation_id, kind))
            if not tests:
                continue
            items = []
            for test, outcome in tests:
                number = numbers.get(test.nodeid)
                link = f" · <a href='#{violation_anchor(number)}'>violation {number}</a>" if number else ""
                items.append(f"<li><code>{escape(test.nodeid)}</code> · {escape(outcome.value)}{link}</li>")
            blocks.append(
                f"<div class='cell-tests' id='{cell_anchor(op.operation_id, kind)}'><h3><code>"
                f"{escape(op.operation_id)}</code> · {escape(kind)}</h3><ul>{''.join(items)}</ul></div>"
            )
    return "\n".join(blocks)


def tests_html(summary: RunSummary) -> str:
    rows = "".join(
        f"<tr><td>{escape(t.nodeid)}</td><td>{escape(str(t.test_id))}</td><td>{escape(_kind(t))}</td>"
        f"<td>{escape(t.outcome.value)}</td><td>{t.duration:.2f}</td></tr>"
        for t in summary.tests
    )
    return (
        f"<details><summary>all {len(summary.tests)} tests</summary><table><tr><th>test</th><th>id</th>"
        f"<th>kind</th><th>outcome</th><th>s</th></tr>{rows}</table></details>"
    )


def chains_html(summary: RunSummary) -> str:
    """How often the state machine reached each linked operation with a 2xx."""
    chains = chain_successes(summary.tests)
    if not chains:
        return ""
    never = [operation for operation, count in chains.items() if not count]
    rows = "".join(
        f"<tr><td><code>{escape(operation)}</code></td>"
        f"<td class='cell {'pass' if count else 'skip'}'>{count}</td></tr>"
        for operation, count in chains.items()
    )
    said = f"never reached with a 2xx: {', '.join(never)}" if never else "every linked operation reached"
    return (
        f"<p>State machine: {escape(said)}.</p><details><summary>2xx answers by linked operation</summary>"
        f"<table><tr><th>operation</th><th>2xx</th></tr>{rows}</table></details>"
    )


def fuzz_html(summary: RunSummary) -> str:
    """Per fuzzed operation and mode, what the target answered to the cases judged."""
    fuzzed = [(t, t.fuzz) for t in summary.tests if t.fuzz]
    if not fuzzed:
        return chains_html(summary) or "<p>No fuzz test ran.</p>"
    rows = []
    for test, fuzz in fuzzed:
        answers = fuzz["answers"]
        shown = " · ".join(f"{n} × {escape(answer)}" for answer, n in sorted(answers.items()))
        accepted = sum(n for answer, n in answers.items() if answer.startswith("2"))
        share = f"{accepted / sum(answers.values()):.0%}" if answers else "-"
        # A budget spent before the last case: how many were sent was the target's speed.
        cases = f"{sum(answers.values())}{' (time budget spent)' if fuzz.get('out_of_time') else ''}"
        rows.append(
            f"<tr><td><code>{escape(', '.join(test.operations))}</code></td>"
            f"<td>{escape(fuzz['mode'])}</td><td>{cases}</td>"
            f"<td>{share if fuzz['mode'] == 'positive' else ''}</td><td>{shown}</td></tr>"
        )
    accepted_rows = [a for a in fuzz_acceptance(summary.tests).values() if a["sent"]]
    overall = (
        f"<p>Valid cases answered 2xx: {sum(a['accepted'] for a in accepted_rows)} of "
        f"{sum(a['sent'] for a in accepted_rows)}; a valid case refused as invalid input fails its test.</p>"
        if accepted_rows
        else ""
    )
    return (
        overall
        + chains_html(summary)
        + (
            f"<details><summary>what the target answered to the cases of {len(fuzzed)} fuzz tests</summary>"
            "<table><tr><th>operation</th><th>mode</th><th>cases</th><th>2xx</th><th>answers</th></tr>"
            f"{''.join(rows)}</table></details>"
        )
    )


def conformance_section(summary: RunSummary, contract: Contract) -> str:
    """The report: the verdict and the matrix first, then what to act on, then the details."""
    split = negative_split(summary)
    css = verdict_css(summary)
    return (
        f"<p><span class='verdict {css}'>{escape(verdict_of(summary))}</span></p>"
        f"<h2>Conformance matrix</h2>{matrix_html(summary, contract)}"
        + (f"<p>{escape(split)}</p>" if split else "")
        + f"<h2>Distinct violations</h2>{violations_html(summary, contract)}"
        f"<h2>Not tested</h2>{skips_html(summary)}"
        f"<h2>Left on the target</h2>{leftovers_html(summary)}"
        f"<h2>Fuzzing</h2>{fuzz_html(summary)}"
        f"<h2>Contract coverage</h2>{coverage_html(summary.coverage, contract)}"
        f"<h2>Post-conditions read back</h2>{postconditions_html(summary)}"
        f"<h2>Errata applied</h2>{errata_html(summary)}"
        f"<h2>Run</h2>{header_html(summary)}"
        f"<h2>Failures</h2>{failures_html(summary)}"
        f"<h2>Tests by operation and kind</h2>{cells_html(summary, contract)}"
    )


def render_html(summary: RunSummary, contract: Contract, *, home: str | None = None) -> str:
    """The whole page, from summary.json alone: the run writes it, and `report` rebuilds the same.
    `home`: the index of the history site the page is part of (history.py), which it links back
    to; there the page links to its summary.json, not to the pytest log left in the run's folder."""
    if home is not None:
        top = f"<p><a href='{escape(home)}'>← the history of runs</a></p>"
        bottom = "<p><small>This run's data: <a href='summary.json'>summary.json</a>.</small></p>"
    else:
        top = ""
        bottom = (
            ""
            if summary.header.mode == "proxy"  # a proxy's traffic has no pytest log
            else "<p><small>Each test's log: <a href='tests.html'>tests.html</a> (pytest-html).</small></p>"
        )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>CBR conformance report</title>"
        f"<style>{STYLE}</style></head><body>{top}<h1>CBR v3 conformance report</h1>"
        f"{conformance_section(summary, contract)}<h2>All tests</h2>{tests_html(summary)}"
        f"{bottom}</body></html>"
    )


def write_html(summary: RunSummary, out: Path, contract: Contract) -> None:
    out.write_text(render_html(summary, contract), encoding="utf-8")
