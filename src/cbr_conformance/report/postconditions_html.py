"""The report's section on post-conditions: for each operation, which of its declared rules
(postconditions/declared.py) the run's read-backs found met, broken, or could not decide.

Beside the contract coverage, it tells a reader what "conforms" covered of the target's behaviour,
not only of its answers' shapes: a rule never read back was not shown to hold.
"""

from __future__ import annotations

from html import escape

from cbr_conformance.postconditions.declared import DECLARED
from cbr_conformance.results.summary import RunSummary, postconditions_met


def postconditions_line(summary: RunSummary) -> str:
    """One line for the console and the report: how many operations had a rule read back and met,
    and after which ones a rule broke."""
    found = postconditions_met(summary.tests)
    operations = {rule.operation for rule in DECLARED}
    met = {op for op, rules in found.items() if any(c.get("met") for c in rules.values())}
    broken = sorted(op for op, rules in found.items() if any(c.get("failed") for c in rules.values()))
    line = f"post-conditions: read back and met after {len(met & operations)} of {len(operations)} operations"
    return line + (f"; broken after {', '.join(broken)}" if broken else "")


def postconditions_html(summary: RunSummary) -> str:
    """One row per declared rule, by operation: how often it held, failed or stayed undecided."""
    found = {
        rule: counts for rules in postconditions_met(summary.tests).values() for rule, counts in rules.items()
    }
    if not found and summary.header.mode == "proxy":
        return "<p>A proxy reads nothing back.</p>"
    rows = []
    for rule in DECLARED:
        counts = found.get(rule.id, {})
        failed, met, unsettled = counts.get("failed", 0), counts.get("met", 0), counts.get("unsettled", 0)
        css, said = (
            ("fail", f"failed {failed}") if failed else ("pass", "met") if met else ("none", "not read back")
        )
        detail = f"{met} met" + (f", {unsettled} undecided" if unsettled else "") if met or unsettled else ""
        rows.append(
            f"<tr><td><code>{escape(rule.operation)}</code></td><td><code>{escape(rule.id)}</code></td>"
            f"<td>{escape(rule.kind)}</td><td>{escape(rule.section)}</td>"
            f"<td class='cell {css}'>{escape(said)}</td><td>{escape(detail)}</td>"
            f"<td><small>{escape(rule.says)}</small></td></tr>"
        )
    lead = postconditions_line(summary)
    return (
        f"<p>{escape(lead)}.</p><details><summary>every post-condition, by operation</summary>"
        "<table><tr><th>operation</th><th>rule</th><th>kind</th><th>reference</th><th>result</th>"
        f"<th>read backs</th><th>what a 2xx implies</th></tr>{''.join(rows)}</table></details>"
    )
