"""The report's contract coverage section, from summary.json's `coverage` (`results.exercised`)."""

from __future__ import annotations

from html import escape
from typing import Any

from cbr_conformance.contract.spec import Contract
from cbr_conformance.results.exercised import CATEGORIES, TIMING_NOTE, never_exercised, timed_items

STYLE = """
td.c-high{background:#d6f2df} td.c-mid{background:#f3ecd0} td.c-low{background:#f8d0cc}
ul.gaps{margin:.2em 0 .6em} ul.gaps li{margin:.1em 0} p.codes{font-family:monospace;font-size:12px}
"""

_TITLES = {
    "responses": "responses",
    "error_codes": "error codes",
    "parameters": "parameters",
    "values": "enum values",
    "links": "links",
}


def _percent(figure: dict[str, Any]) -> str:
    return "-" if figure.get("percent") is None else f"{figure['percent']:g}%"


def _cell(figure: dict[str, Any]) -> str:
    percent = figure.get("percent")
    css = "none" if percent is None else "c-high" if percent >= 80 else "c-mid" if percent >= 40 else "c-low"
    hits = f"{figure['hit']} of {figure['of']}" if "hit" in figure else ""
    return f"<td class='cell {css}' title='{hits}'>{_percent(figure)}</td>"


def _overall(coverage: dict[str, Any]) -> str:
    overall = coverage["overall"]
    rows = "".join(
        f"<tr><td>{_TITLES[c]}</td><td>{overall[c]['hit']}</td><td>{overall[c]['of']}</td>{_cell(overall[c])}</tr>"
        for c in coverage["categories"]
    )
    return (
        f"<p>Overall: <b>{_percent(overall)}</b> (the mean of the five figures).</p>"
        f"<table><tr><th>what</th><th>exercised</th><th>of</th><th>%</th></tr>{rows}</table>"
    )


def _per_operation(coverage: dict[str, Any], contract: Contract) -> str:
    categories = coverage["categories"]
    head = "".join(f"<th>{_TITLES[c]}</th>" for c in categories)
    rows = [f"<table><tr><th>operation</th>{head}<th>overall</th></tr>"]
    for op in contract:
        entry = coverage["operations"].get(op.operation_id)
        if entry is None:
            continue
        cells = "".join(_cell(entry[c]) for c in categories)
        rows.append(f"<tr><td><code>{escape(op.operation_id)}</code></td>{cells}{_cell(entry)}</tr>")
    rows.append("</table>")
    return "".join(rows)


def _gaps(coverage: dict[str, Any]) -> str:
    by_operation: dict[str, list[str]] = {}
    for operation, category, missing in never_exercised(coverage):
        what = escape(CATEGORIES[category])
        if category == "error_codes":  # many, alike from one operation to the next: one paragraph
            listed = f"<p class='codes'>{escape(', '.join(missing))}</p>"
        else:
            listed = (
                "<ul class='gaps'>" + "".join(f"<li><code>{escape(m)}</code></li>" for m in missing) + "</ul>"
            )
        by_operation.setdefault(operation, []).append(f"<p>{len(missing)} {what}</p>{listed}")
    if not by_operation:
        return "<p>Nothing: the run exercised everything the contract offers.</p>"
    return "".join(
        f"<details><summary><code>{escape(operation)}</code></summary>{''.join(parts)}</details>"
        for operation, parts in by_operation.items()
    )


def _timed(coverage: dict[str, Any]) -> str:
    timed = timed_items(coverage)
    if not timed:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(str(t.get('operation')))}</code></td><td>{escape(str(t.get('category')))}</td>"
        f"<td><code>{escape(str(t.get('item')))}</code></td></tr>"
        for t in timed
    )
    return (
        f"<h3>Depending on the target's timing ({len(timed)})</h3><p>{escape(TIMING_NOTE)}</p>"
        f"<table><tr><th>operation</th><th>what</th><th>item</th></tr>{rows}</table>"
    )


def coverage_html(coverage: dict[str, Any] | None, contract: Contract) -> str:
    """The section, from summary.json's `coverage` (None: not measured)."""
    if not coverage:
        return "<p>Not measured in this run.</p>"
    return (
        "<p>Measured from the exchanges the run sent and received (every kind of test, and their "
        "fixtures), not from what the tests declare. A documented 5xx is not counted: a server "
        "error is no behaviour to provoke.</p>"
        + _overall(coverage)
        + _per_operation(coverage, contract)
        + _timed(coverage)
        + "<h3>Never exercised</h3>"
        + _gaps(coverage)
    )
