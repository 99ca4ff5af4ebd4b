"""What changed from one run to another, from their summary.json: for release gating, which wants
the difference from the last release's run, not the whole list.

Distinct violations compare by (operation, rule, JSON path), which names one bug whatever the
run; tests by their stable id. A change between the runs of the spec (its sha256), the profile, or
any other setting that changes what is tested (the target, the projects, the inventory, the seed...:
results/header.py) makes the comparison questionable, and is said first, one line each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from cbr_conformance.outcome import Outcome
from cbr_conformance.results.exercised import timed_items
from cbr_conformance.results.header import setting_changes
from cbr_conformance.results.record import TestRecord
from cbr_conformance.results.summary import RunSummary, reason_of
from cbr_conformance.results.violations import Violation, ViolationKey

TIMING_MARK = "(timing)"  # a coverage item one of the runs exercised only as the target's timing allowed


def _violations(summary: RunSummary) -> dict[ViolationKey, Violation]:
    return {entry.key: entry for entry in summary.violations}


@dataclass
class ViolationChanges:
    new: list[Violation] = field(default_factory=list)  # in the new run only
    fixed: list[Violation] = field(default_factory=list)  # in the old run only
    still: list[Violation] = field(default_factory=list)  # in both (the new run's entry)


def compare_violations(old: RunSummary, new: RunSummary) -> ViolationChanges:
    before, after = _violations(old), _violations(new)
    return ViolationChanges(
        new=[entry for key, entry in after.items() if key not in before],
        fixed=[entry for key, entry in before.items() if key not in after],
        still=[entry for key, entry in after.items() if key in before],
    )


def questionable(old: RunSummary, new: RunSummary) -> list[str]:
    """What differs between the runs' contracts and settings of what is tested, one line each,
    which makes comparing them questionable: the differences may be the suite's, not the target's."""
    found = []
    before, after = old.header, new.header
    if before.spec_sha256 != after.spec_sha256:
        found.append(
            f"the spec changed between the runs (sha256 {str(before.spec_sha256)[:16]} -> "
            f"{str(after.spec_sha256)[:16]}): the comparison is questionable"
        )
    if before.profile != after.profile:
        found.append(
            f"the profile changed between the runs ({before.profile} -> {after.profile}): "
            "the comparison is questionable"
        )
    said = ("spec_sha256", "profile")
    found += [f"{change}: the comparison is questionable" for change in setting_changes(before, after, said)]
    for which, summary in (("old", old), ("new", new)):
        if summary.interrupted:
            found.append(f"the {which} run was interrupted: tests it never ran show as changes")
    return found


def key_of_test(test: TestRecord) -> str:
    """A test's name across runs: its stable id, with its parameters (the parametrized cases of a
    test share the id), else its node id."""
    nodeid = test.nodeid
    parameters = nodeid[nodeid.index("[") :] if "[" in nodeid else ""
    return f"{test.test_id}{parameters}" if test.test_id else nodeid


def newly_skipped(old: RunSummary, new: RunSummary) -> list[tuple[str, str]]:
    """(test, reason) of the tests not tested in the new run that were tested in the old one."""
    before = {key_of_test(t): t.outcome for t in old.tests}
    return [
        (key_of_test(t), reason_of(t))
        for t in new.tests
        if t.outcome is Outcome.NOT_TESTED and before.get(key_of_test(t)) is not Outcome.NOT_TESTED
    ]


@dataclass
class CategoryChange:
    category: str
    old_percent: float | None
    new_percent: float | None
    gained: list[str]  # exercised now, missing before
    lost: list[str]  # missing now, exercised before


def coverage_changes(old: RunSummary, new: RunSummary) -> dict[str, list[CategoryChange]]:
    """Per operation, the kinds of coverage gained or lost (only operations with a change)."""
    before, after = old.coverage, new.coverage
    if not before or not after:
        return {}
    changes: dict[str, list[CategoryChange]] = {}
    # Items either run exercised only by exchanges that follow the target's timing (results/exercised.py)
    timed = {
        (str(t.get("operation")), str(t.get("category")), str(t.get("item")))
        for c in (before, after)
        for t in timed_items(c)
    }
    for operation, entry in after["operations"].items():
        previous = before["operations"].get(operation)
        if previous is None:
            continue
        for category in after["categories"]:
            was, now = previous.get(category), entry[category]
            if was is None:
                continue
            missing_before, missing_now = set(was["missing"]), set(now["missing"])
            gained = [_marked(timed, operation, category, i) for i in sorted(missing_before - missing_now)]
            lost = [_marked(timed, operation, category, i) for i in sorted(missing_now - missing_before)]
            if gained or lost or was["percent"] != now["percent"]:
                change = CategoryChange(category, was["percent"], now["percent"], gained, lost)
                changes.setdefault(operation, []).append(change)
    return changes


def _marked(timed: set[tuple[str, str, str]], operation: str, category: str, item: str) -> str:
    return f"{item} {TIMING_MARK}" if (operation, category, item) in timed else item


@dataclass
class RunDiff:
    old: str  # how each run is named in the output
    new: str
    warnings: list[str]
    violations: ViolationChanges
    skipped: list[tuple[str, str]]
    coverage: dict[str, list[CategoryChange]]
    overall: tuple[float | None, float | None] | None  # the overall coverage before and after

    @property
    def has_new_violations(self) -> bool:
        return bool(self.violations.new)


def diff_runs(old: RunSummary, new: RunSummary, old_name: str, new_name: str) -> RunDiff:
    overall = None
    if old.coverage and new.coverage:
        overall = (old.coverage["overall"]["percent"], new.coverage["overall"]["percent"])
    return RunDiff(
        old=old_name,
        new=new_name,
        warnings=questionable(old, new),
        violations=compare_violations(old, new),
        skipped=newly_skipped(old, new),
        coverage=coverage_changes(old, new),
        overall=overall,
    )


# --- output ---------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}%"


def _violation_line(entry: Violation) -> str:
    return f"{entry.operation}: [{entry.rule}] {entry.path or '-'}: {entry.message[:200]}"


def _change_line(change: CategoryChange) -> str:
    what = change.category.replace("_", " ")
    line = f"{what} {_percent(change.old_percent)} -> {_percent(change.new_percent)}"
    shown = [f"+{item}" for item in change.gained[:8]] + [f"-{item}" for item in change.lost[:8]]
    more = len(change.gained) + len(change.lost) - len(shown)
    return line + (f" ({', '.join(shown)}{f', {more} more' if more > 0 else ''})" if shown else "")


def gate_line(diff: RunDiff) -> str:
    count = len(diff.violations.new)
    if count:
        return f"{count} new violation{'s' * (count != 1)}: the gate fails"
    return f"no new violation ({len(diff.violations.still)} still present): the gate passes"


def diff_text(diff: RunDiff) -> str:
    lines = [f"cbr-conformance diff: {diff.old} -> {diff.new}"]
    lines += [f"WARNING: {warning}" for warning in diff.warnings]
    sections = (
        ("new violations", "+", diff.violations.new),
        ("fixed violations", "-", diff.violations.fixed),
        ("violations still present", "=", diff.violations.still),
    )
    for title, mark, entries in sections:
        lines.append(f"\n{title} ({len(entries)})" + (":" if entries else ""))
        lines += [f"  {mark} {_violation_line(entry)}" for entry in entries]
    lines.append(f"\ntests newly not tested ({len(diff.skipped)})" + (":" if diff.skipped else ""))
    lines += [f"  {test}: {reason}" for test, reason in diff.skipped]
    if diff.overall is None:
        lines.append("\ncoverage: not measured in both runs")
    else:
        before, after = diff.overall
        lines.append(
            f"\ncoverage {_percent(before)} -> {_percent(after)}; changed in {len(diff.coverage)} operations:"
        )
        for operation, changes in diff.coverage.items():
            lines.append(f"  {operation}: " + "; ".join(_change_line(change) for change in changes))
        if any(TIMING_MARK in line for line in lines):
            lines.append(f"  {TIMING_MARK}: exercised only by exchanges that follow the target's timing")
    lines.append(f"\n{gate_line(diff)}")
    return "\n".join(lines)


_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1d2430}"
    "h2{margin-top:1.4em;border-bottom:1px solid #ccd} .warn{background:#f3ecd0;padding:.5em}"
    "table{border-collapse:collapse} th,td{border:1px solid #ccd;padding:.2em .5em;text-align:left}"
    ".new{color:#c0392b} .fixed{color:#1f8a4c} .gate{font-weight:600}"
)


def _violations_html(entries: list[Violation], css: str) -> str:
    if not entries:
        return "<p>None.</p>"
    items = "".join(f"<li class='{css}'><code>{escape(_violation_line(e))}</code></li>" for e in entries)
    return f"<ul>{items}</ul>"


def diff_html(diff: RunDiff) -> str:
    """A small self-contained page of the same content as the text."""
    warnings = "".join(f"<p class='warn'>{escape(w)}</p>" for w in diff.warnings)
    skipped = (
        "<ul>" + "".join(f"<li><code>{escape(t)}</code>: {escape(r)}</li>" for t, r in diff.skipped) + "</ul>"
        if diff.skipped
        else "<p>None.</p>"
    )
    if diff.overall is None:
        coverage = "<p>Not measured in both runs.</p>"
    else:
        rows = "".join(
            f"<tr><td><code>{escape(operation)}</code></td><td>{escape(_change_line(change))}</td></tr>"
            for operation, changes in diff.coverage.items()
            for change in changes
        )
        before, after = diff.overall
        coverage = f"<p>Overall {_percent(before)} → {_percent(after)}.</p>" + (
            f"<table><tr><th>operation</th><th>change</th></tr>{rows}</table>" if rows else ""
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>CBR conformance: run diff</title>"
        f"<style>{_STYLE}</style></head><body><h1>Run diff</h1>"
        f"<p><code>{escape(diff.old)}</code> → <code>{escape(diff.new)}</code></p>{warnings}"
        f"<p class='gate'>{escape(gate_line(diff))}</p>"
        f"<h2>New violations ({len(diff.violations.new)})</h2>{_violations_html(diff.violations.new, 'new')}"
        f"<h2>Fixed ({len(diff.violations.fixed)})</h2>{_violations_html(diff.violations.fixed, 'fixed')}"
        f"<h2>Still present ({len(diff.violations.still)})</h2>{_violations_html(diff.violations.still, '')}"
        f"<h2>Tests newly not tested ({len(diff.skipped)})</h2>{skipped}"
        f"<h2>Coverage</h2>{coverage}</body></html>"
    )
