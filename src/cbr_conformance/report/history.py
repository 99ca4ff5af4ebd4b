"""A history of runs as one static site: `cbr-conformance report --history DIR`.

DIR holds run folders (`reports/`: one per run, each with its summary.json). The site is a folder
of plain HTML with inline CSS and SVG, no script and no external resource, readable from a CI
artefact or any static host:

- `index.html`: each run's date, target, verdict, distinct violations, coverage and duration,
  newest first; a chart of coverage and violations over time; and each distinct violation across
  the runs (when it appeared, while it persisted, when it was fixed), linked to the runs' pages;
- `runs/<run>/index.html`: the run's report, rendered from its summary.json (copied beside it).

A distinct violation is the same bug from run to run by (operation, rule, JSON path), as `diff`
compares them. A run that wrote no summary was interrupted before its end; one whose summary this
suite cannot read is listed with why, in one line; neither has a page. A violation missing from
an interrupted run is not taken for fixed: the run may not have reached its test (`results.history`
reads the runs and follows each violation across them; this module renders them).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from cbr_conformance.contract.spec import Contract
from cbr_conformance.outcome import Outcome
from cbr_conformance.paths import SUMMARY_FILE
from cbr_conformance.report.html import STYLE as REPORT_STYLE
from cbr_conformance.report.html import render_html, verdict_css
from cbr_conformance.results.diff import questionable
from cbr_conformance.results.history import INDEX, RUNS, Run, Seen, Track, read_runs, tracks
from cbr_conformance.results.summary import RunSummary
from cbr_conformance.results.summary import verdict as verdict_of

STYLE = (
    REPORT_STYLE
    + """
.gone{background:#6b7280} td.num{text-align:right;font-variant-numeric:tabular-nums}
td.now-open{color:#c0392b;font-weight:600} td.now-fixed{color:#1f8a4c;font-weight:600}
tr.problem td{color:#6b7280;font-style:italic} small.why{color:#6b7280;display:block}
td.seen{text-align:center;min-width:3.2em;font-size:12px} td.still,td.present{background:#f8d0cc}
td.new{background:#c0392b;color:#fff;font-weight:600} td.fixed{background:#1f8a4c;color:#fff;font-weight:600}
td.absent{background:#f4f5f7}
td.unknown{background:repeating-linear-gradient(45deg,#eee,#eee 4px,#fff 4px,#fff 8px)}
th.run{font-weight:400;font-size:12px;text-align:center} svg.chart{max-width:60em;display:block;margin:.5em 0}
.chart .cov{fill:none;stroke:#2c6fbb;stroke-width:2} .chart .bar{fill:#c0392b;opacity:.75}
.chart text{font:11px system-ui,sans-serif;fill:#52606d} .chart .grid{stroke:#dde;stroke-width:1}
.chart .dot-ok{fill:#1f8a4c} .chart .dot-ko{fill:#c0392b} .chart .dot-partial{fill:#8a6d1f}
.chart .dot-error{fill:#a0522d} .chart .dot-gone{fill:#6b7280} .legend span{margin-right:1.2em}
"""
)

_SEEN_TEXT = {
    Seen.NEW: "new",
    Seen.STILL: "●",
    Seen.FIRST: "●",
    Seen.FIXED: "fixed",
    Seen.ABSENT: "",
    Seen.UNKNOWN: "?",
}


def _css(run: Run) -> str:
    """The run's colour: a verdict's, or grey for a run cut short or unread."""
    if run.summary is None or run.summary.interrupted:
        return "gone"
    return verdict_css(run.summary)


def _badge(run: Run) -> str:
    summary = run.summary
    if summary is None:
        return f"<span class='verdict gone'>{'INTERRUPTED' if run.interrupted else 'UNREADABLE'}</span>"
    full = verdict_of(summary)
    short = full.split(":")[0].split(" (")[0]
    if summary.conforms and summary.partial:
        short += " (partial)"
    return f"<span class='verdict {_css(run)}' title='{escape(full)}'>{escape(short)}</span>"


def _when(run: Run) -> str:
    return run.started.strftime("%Y-%m-%d %H:%M") if run.started else "-"


def _duration(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return "-"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _coverage(summary: RunSummary) -> tuple[float | None, str]:
    """The overall coverage, and its five figures in words."""
    coverage = summary.coverage or {}
    overall = coverage.get("overall") or {}
    percent = overall.get("percent")
    figures = ", ".join(
        f"{category.replace('_', ' ')} {overall[category]['percent']:g}%"
        for category in coverage.get("categories") or ()
        if isinstance(overall.get(category), dict) and overall[category].get("percent") is not None
    )
    return (percent if isinstance(percent, int | float) else None), figures


def _changes(number: int, all_tracks: Sequence[Track]) -> str:
    """What happened to the distinct violations at run `number`: new, fixed, still."""
    counts = {seen: sum(track.seen[number] is seen for track in all_tracks) for seen in Seen}
    parts = [
        f"<b>{counts[Seen.NEW]} new</b>" if counts[Seen.NEW] else "",
        f"{counts[Seen.FIXED]} fixed" if counts[Seen.FIXED] else "",
        f"{counts[Seen.STILL] + counts[Seen.FIRST]} still" if counts[Seen.STILL] + counts[Seen.FIRST] else "",
    ]
    return ", ".join(part for part in parts if part)


def _run_row(number: int, run: Run, previous: Run | None, all_tracks: Sequence[Track]) -> str:
    label = f"#{number + 1}"
    name = f"<a href='{run.page}'>{escape(run.name)}</a>" if run.page else escape(run.name)
    summary = run.summary
    if summary is None:
        return (
            f"<tr class='problem' id='run-{number + 1}'><td>{label}</td><td>{_when(run)}</td>"
            f"<td>{name}</td><td>{_badge(run)}</td><td colspan='5'>{escape(run.problem or '')}</td></tr>"
        )
    found = len(summary.violations)
    changes = _changes(number, all_tracks)
    percent, figures = _coverage(summary)
    totals = summary.totals
    tests = f"{totals[Outcome.PASSED]} of {len(summary.tests)} passed"
    notes = questionable(previous.summary, summary) if previous and previous.summary else []
    caveat = (
        f"<details><summary>{len(notes)} difference{'s' * (len(notes) != 1)} from the run before</summary>"
        f"<ul>{''.join(f'<li>{escape(note)}</li>' for note in notes)}</ul></details>"
        if notes
        else ""
    )
    return (
        f"<tr id='run-{number + 1}'><td>{label}</td><td>{_when(run)}</td><td>{name}"
        f"<small class='why'>{escape(summary.header.target_url or '-')}</small></td>"
        f"<td>{_badge(run)}{caveat}</td>"
        f"<td class='num'>{found}{f'<small class=why>{changes}</small>' if changes else ''}</td>"
        f"<td class='num'>{'-' if percent is None else f'{percent:g}%'}"
        f"{f'<small class=why>{escape(figures)}</small>' if figures else ''}</td>"
        f"<td class='num'>{tests}</td><td class='num'>{_duration(summary.header.duration)}</td></tr>"
    )


def runs_html(runs: Sequence[Run], all_tracks: Sequence[Track]) -> str:
    """Every run, newest first, each compared with the run before it that has a summary."""
    rows = []
    previous: Run | None = None
    for number, run in enumerate(runs):
        rows.append(_run_row(number, run, previous, all_tracks))
        if run.summary is not None:
            previous = run
    return (
        "<table><tr><th>run</th><th>started (UTC)</th><th>folder · target</th><th>verdict</th>"
        "<th>distinct violations</th><th>coverage</th><th>tests</th><th>duration</th></tr>"
        + "".join(reversed(rows))
        + "</table>"
    )


def _column(number: int, run: Run) -> str:
    when = run.started.strftime("%m-%d<br>%H:%M") if run.started else escape(run.name)
    label = f"#{number + 1}<br>{when}"
    linked = f"<a href='{run.page}'>{label}</a>" if run.page else label
    return f"<th class='run'>{linked}</th>"


def tracks_html(runs: Sequence[Run], all_tracks: Sequence[Track]) -> str:
    """Each distinct violation against the runs, oldest first: where it appeared, stayed, went."""
    if not all_tracks:
        return "<p>None in any run.</p>"
    head = "".join(_column(number, run) for number, run in enumerate(runs))
    rows = []
    for track in all_tracks:
        entry = track.violation
        state = "open" if track.open else "fixed"
        cells = "".join(f"<td class='seen {s}' title='{s}'>{_SEEN_TEXT[s]}</td>" for s in track.seen)
        rows.append(
            f"<tr><td><code>{escape(entry.operation)}</code> · {escape(entry.rule)} · "
            f"<code>{escape(entry.path or '-')}</code>"
            f"<small class='why'>{escape(entry.message[:200])}</small></td>"
            f"<td class='now-{state}'>{state}</td>{cells}</tr>"
        )
    legend = (
        "<p class='legend'><small><span><b>new</b>: appeared in this run</span><span>●: still there</span>"
        "<span><b>fixed</b>: gone in this run</span><span>?: not known (no summary, or an interrupted run "
        "that did not show it)</span></small></p>"
    )
    return f"<table><tr><th>violation</th><th>now</th>{head}</tr>{''.join(rows)}</table>{legend}"


def _dot(css: str, x: float, y: float, said: str) -> str:
    return f"<circle class='dot-{css}' cx='{x:.1f}' cy='{y:.1f}' r='4'><title>{escape(said)}</title></circle>"


def chart_svg(runs: Sequence[Run]) -> str:
    """Coverage (a line, on the 0-100% axis) and distinct violations (bars, each with its count)
    by run, oldest on the left; each run's dot in its verdict's colour. Inline SVG: no script,
    nothing fetched."""
    width, height, left, top, bottom = 720, 170, 36, 10, 30
    plot = height - top - bottom
    step = (width - left - 10) / max(len(runs), 1)
    most = max([len(r.summary.violations) for r in runs if r.summary] + [1])
    grid, bars, dots, points = [], [], [], []
    for mark in (0, 50, 100):
        y = top + plot * (1 - mark / 100)
        grid.append(f"<line class='grid' x1='{left}' x2='{width - 10}' y1='{y:.1f}' y2='{y:.1f}'/>")
        grid.append(f"<text x='{left - 4}' y='{y + 4:.1f}' text-anchor='end'>{mark}%</text>")
    for number, run in enumerate(runs):
        x = left + step * (number + 0.5)
        grid.append(f"<text x='{x:.1f}' y='{height - 12}' text-anchor='middle'>#{number + 1}</text>")
        summary = run.summary
        if summary is None:
            dots.append(_dot("gone", x, top + plot, f"#{number + 1}: {run.problem}"))
            continue
        found = len(summary.violations)
        if found:  # the bars' own scale: the most violations reach 40% of the height
            tall = plot * 0.4 * found / most
            said = f"#{number + 1}: {found} distinct violation{'s' * (found != 1)}"
            bars.append(
                f"<rect class='bar' x='{x - step * 0.3:.1f}' y='{top + plot - tall:.1f}' "
                f"width='{step * 0.6:.1f}' height='{tall:.1f}'><title>{said}</title></rect>"
                f"<text x='{x:.1f}' y='{top + plot - tall - 4:.1f}' text-anchor='middle'>{found}</text>"
            )
        percent, _ = _coverage(summary)
        y = top + plot * (1 - (percent or 0) / 100)
        if percent is not None:
            points.append(f"{x:.1f},{y:.1f}")
        said = f"#{number + 1}: coverage {'-' if percent is None else f'{percent:g}%'}, {verdict_of(summary)}"
        dots.append(_dot(_css(run), x, y, said))
    line = [f"<polyline class='cov' points='{' '.join(points)}'/>"] if len(points) > 1 else []
    return (
        f"<svg class='chart' viewBox='0 0 {width} {height}' role='img'>"
        "<title>coverage and distinct violations by run</title>"
        + "".join([*grid, *bars, *line, *dots])
        + "</svg>"
    )


def index_html(runs: Sequence[Run], title: str) -> str:
    all_tracks = tracks(runs)
    shown = [run for run in runs if run.summary is not None]
    newest = runs[-1]
    span = f"from {_when(runs[0])} to {_when(newest)} (UTC)" if len(runs) > 1 else f"on {_when(newest)} (UTC)"
    still = sum(track.open for track in all_tracks)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>CBR conformance history: {escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>CBR v3 conformance history</h1><p>{len(runs)} runs of <code>{escape(title)}</code> {span}; "
        f"{len(shown)} with a report. The newest: {_badge(newest)}. Distinct violations: "
        f"{len(all_tracks)} in all, {still} still open.</p>"
        f"{chart_svg(runs)}<p class='legend'><small><span>line: overall contract coverage</span>"
        "<span>bars: distinct violations (their count above)</span>"
        "<span>dots: the run's verdict</span></small></p>"
        f"<h2>Distinct violations over time</h2>{tracks_html(runs, all_tracks)}"
        f"<h2>Runs</h2>{runs_html(runs, all_tracks)}"
        "</body></html>"
    )


# --- the site ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    index: Path
    runs: tuple[Run, ...]

    @property
    def problems(self) -> list[str]:
        """One line per run without a page."""
        return [f"{run.name}: {run.problem}" for run in self.runs if run.problem]


def _write_page(run: Run, summary: RunSummary, out: Path) -> None:
    """The run's page and its summary, in the site's folder of the run."""
    folder = out / RUNS / run.name
    folder.mkdir(parents=True, exist_ok=True)
    contract = Contract.for_profile(summary.header.profile)
    (folder / INDEX).write_text(render_html(summary, contract, home=f"../../{INDEX}"), encoding="utf-8")
    shutil.copyfile(run.folder / SUMMARY_FILE, folder / SUMMARY_FILE)


def build_site(root: Path, out: Path) -> Site:
    """The site of the run folders of `root`, written to `out` (made if missing; the pages of the
    runs listed are rewritten, nothing else is removed)."""
    runs = read_runs(root, besides=out)
    out.mkdir(parents=True, exist_ok=True)
    for run in runs:
        if run.summary is not None:
            _write_page(run, run.summary, out)
    index = out / INDEX
    index.write_text(index_html(runs, root.resolve().name), encoding="utf-8")
    return Site(index, tuple(runs))
